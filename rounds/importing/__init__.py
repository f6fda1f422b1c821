"""Reading filled-in templates back: each row becomes a new progress report, an unchanged row, or a problem.

Nothing here writes. The worker (rounds.progress_imports.progress_import_read) keeps what this reads for
the secretariat to check; the confirmation saves it through measures.services, the service the
admin uses, so every rule of a report holds for an imported one too.

A file is read by the headings of exchange.YEAR_COLUMNS, so either the department's template
or a year's sheet of the manager's workbook can come back. Which plan, year and department it
is for comes from its document properties. A row says nothing new when its input columns hold
what the measure's latest report already says: uploading a file twice adds nothing.

One module a job, from the whole upload down to one cell:

- uploads: every file of an upload (read_uploads), each opened by rounds.xlsx_upload;
- files: what a file is (its plan, year and department) and which of its sheets is read;
- sheets: one sheet, by its headings, into rows, and the notes below the table;
- rows: one row into a new report, an unchanged row, or its problems;
- cells: one cell's value (numbers, percents, dates, statuses typed however);
- duplicates: what is there already (the same file twice, a report recorded word for word);
- checks: the rules of a report (measures.services) for every new report at once;
- scope and results: what an upload is for, and what it found.
"""

from .checks import build_reports
from .results import NewReport, Problem, ReadResult, as_json
from .scope import LATEST, ImportScope, measures_with_plans
from .uploads import read_uploads

__all__ = [
    "LATEST",
    "ImportScope",
    "NewReport",
    "Problem",
    "ReadResult",
    "as_json",
    "build_reports",
    "measures_with_plans",
    "read_uploads",
]
