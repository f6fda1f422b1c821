"""What an upload holds already: the same file chosen twice, and a row that repeats a standing report
of the same date word for word (a file uploaded again adds nothing)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from measures.models import ProgressReport
from measures.sheets import exchange as x

from .results import ReadResult
from .rows import report_unchanged
from .scope import ImportScope


def file_repeated(*, name: str, sha256: str, digests: dict[str, str]) -> str:
    """Why a file is not read when another of the upload has the same bytes, or "" (and the file is
    remembered in ``digests``, {sha256: name})."""
    if sha256 in digests:
        return f"「{name}」は「{digests[sha256]}」と同じ内容のファイルです。片方だけを選んでください。"
    digests[sha256] = name
    return ""


def new_reports_drop_recorded(result: ReadResult, scope: ImportScope) -> None:
    """A row that repeats a standing report of the same date, word for word, is no new report:
    a file uploaded again adds nothing, even when a later report has been added since. One query."""
    if not result.reports:
        return
    recorded = {
        (report.measure_id, report.as_of): report
        for report in ProgressReport.objects.standing()
        .filter(
            measure__plan=scope.plan,
            fiscal_year=scope.fiscal_year,
            as_of__in={date.fromisoformat(r.as_of) for r in result.reports},
        )
        .select_related("status")
    }
    kept = []
    for row in result.reports:
        as_of = date.fromisoformat(row.as_of)
        same_day = recorded.get((row.measure_id, as_of))
        parsed = {
            x.AS_OF: as_of,
            x.STATUS: same_day.status if same_day else None,
            x.PROGRESS: row.progress_percent,
            x.ACTUAL_VALUE: None if row.actual_value is None else Decimal(row.actual_value),
            x.NARRATIVE: row.narrative,
            x.ISSUES: row.issues,
            x.NEXT_STEPS: row.next_steps,
        }
        if (
            same_day is not None
            and same_day.status_id == row.status_id
            and report_unchanged(same_day, parsed)
        ):
            result.unchanged += 1
        else:
            kept.append(row)
    result.reports = kept
