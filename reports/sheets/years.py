"""One sheet per fiscal year, laid out to print on one A4 landscape page wide: what a manager
takes to a meeting. Each purpose's measures end with the purpose's total, the sheet with the plan's.

The rows are the same stream as 施策別進捗's: every year's sheet is written as each row passes
(writing_years), the totals read from the ProgressTally that counts them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from openpyxl.utils import get_column_letter

from core.xlsx import SheetWriter
from measures.legend import Legend
from measures.models import Purpose
from measures.selectors import (
    PLAN_TOTAL_LABEL,
    UNREPORTED_LABEL,
    MeasureProgress,
    ProgressSummary,
    ProgressTally,
)
from measures.sheets.exchange import (
    DEPARTMENTS,
    GRADE,
    HEADINGS,
    PROGRESS,
    PURPOSE,
    STATUS,
    TITLE,
    YEAR_COLUMNS,
    column_number,
)
from measures.sheets.layout import HEADER, NOTE, RATE, TOTAL, PageInfo, fraction, prepare_sheet, sheet_writer
from measures.sheets.year_row import NO_MEASURES_NOTE, year_cells

GRADE_COLUMN, STATUS_COLUMN, PROGRESS_COLUMN = (column_number(h) for h in (GRADE, STATUS, PROGRESS))


class YearSheet:
    """One fiscal year's sheet, written a measure at a time."""

    def __init__(
        self, ws, *, page: PageInfo, fiscal_year: int, index: int, tally: ProgressTally, legend: Legend
    ):
        self.fiscal_year, self.index = fiscal_year, index
        self.tally, self.legend = tally, legend
        self.ws = ws
        widths = [column.width for column in YEAR_COLUMNS]
        self.sheet: SheetWriter = sheet_writer(ws, widths)
        # 施策ID, 施策番号, 目的 and 施策名 stay in view.
        freeze = f"{get_column_letter(column_number(TITLE) + 1)}2"
        prepare_sheet(ws, page=page, widths=widths, title_rows="1:1", freeze=freeze)
        self.sheet.append([self.sheet.text(heading, HEADER) for heading in HEADINGS])
        self.purpose: Purpose | None = None
        self.count = 0

    def add(self, row: MeasureProgress) -> None:
        if self.purpose is not None and row.purpose.pk != self.purpose.pk:
            self._purpose_total()
        self.purpose = row.purpose
        self.sheet.append(year_cells(self.sheet, row, row.years[self.index]))
        self.count += 1

    def _total_row(self, code: str, label: str, summary: ProgressSummary) -> None:
        """Counts by grade and by status and the average progress, under their columns."""
        sheet = self.sheet
        cells = [sheet.value(None, TOTAL) for _ in YEAR_COLUMNS]
        cells[column_number(PURPOSE) - 1] = sheet.text(code, TOTAL)
        cells[column_number(TITLE) - 1] = sheet.text(label, TOTAL)
        cells[column_number(DEPARTMENTS) - 1] = sheet.text(f"{summary.total}施策", TOTAL)
        # Only what some measure has, one a line (「B 2」「△ 遅延 1」): zeros would fill the page.
        grades = [f"{g.code} {n}" for g in self.legend.grades if (n := summary.by_grade.get(g.code, 0))]
        statuses = [f"{s} {n}" for s in self.legend.statuses if (n := summary.by_status.get(s.name, 0))]
        cells[GRADE_COLUMN - 1] = sheet.text("\n".join(grades), TOTAL)
        if summary.unreported:
            statuses.append(f"{UNREPORTED_LABEL} {summary.unreported}")
        cells[STATUS_COLUMN - 1] = sheet.text("\n".join(statuses), TOTAL)
        cells[PROGRESS_COLUMN - 1] = sheet.value(fraction(summary.average_progress), RATE)  # one decimal
        sheet.append(cells)

    def _purpose_total(self) -> None:
        summary = self.tally.year_purpose_summary(self.fiscal_year, self.purpose.pk)
        self._total_row(self.purpose.code, f"{self.purpose.code} 計", summary)

    def finish(self) -> None:
        if not self.count:
            self.sheet.append([self.sheet.text(NO_MEASURES_NOTE, NOTE)])
            return
        self._purpose_total()
        # No autofilter here: sorting would move the totals away from their measures.
        self._total_row("", PLAN_TOTAL_LABEL, self.tally.year_summary(self.fiscal_year))


def writing_years(rows: Iterable[MeasureProgress], sheets: Sequence[YearSheet]) -> Iterator[MeasureProgress]:
    """Pass the rows through unchanged, writing each to every year's sheet on the way.

    Put it after ProgressTally.counting, so that a purpose's total is complete when it is written.
    """
    for row in rows:
        for sheet in sheets:
            sheet.add(row)
        yield row
