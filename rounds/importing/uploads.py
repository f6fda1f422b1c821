"""The whole upload: every file opened safely (rounds.xlsx_upload) and read, then the new reports
checked together against the rules of a report."""

from __future__ import annotations

from collections.abc import Sequence

from ..xlsx_upload import DEFAULT_LIMITS, UnreadableWorkbook, UploadLimits, open_uploaded_workbook
from .checks import new_reports_check
from .duplicates import file_repeated
from .files import FileReader
from .results import Problem, ReadResult
from .scope import ImportContext, ImportScope


def read_uploads(*, scope: ImportScope, files: Sequence, limits: UploadLimits = DEFAULT_LIMITS) -> ReadResult:
    """Read every file; then check the new reports together against the rules of a report.

    ``files``: (name, binary file) pairs. A fixed number of queries, however many rows.
    """
    context = ImportContext(scope)
    result = ReadResult()
    digests: dict[str, str] = {}
    for name, file in files:
        try:
            upload = open_uploaded_workbook(file, name=name, limits=limits)
        except UnreadableWorkbook as error:
            result.problems.append(Problem(name, error.message))
            continue
        with upload:
            result.files.append({"name": name, "sha256": upload.sha256})
            if repeated := file_repeated(name=name, sha256=upload.sha256, digests=digests):
                result.problems.append(Problem(name, repeated))
                continue
            try:
                FileReader(upload, context, result, limits).read()
            except UnreadableWorkbook as error:
                result.problems.append(Problem(name, error.message))
    new_reports_check(result, scope, context)
    return result
