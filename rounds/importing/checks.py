"""The rules of a report (measures.services.progress_reports_validate) for every new report of an
upload at once, each refusal placed at its row and column; the unsaved reports the rows stand for."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from core import fiscal
from measures.models import Measure, ProgressReport, ProgressStatus
from measures.services import UNIQUE_CODE, progress_reports_validate
from measures.sheets import exchange as x

from .duplicates import new_reports_drop_recorded
from .results import NewReport, ReadResult
from .scope import ImportContext, ImportScope, measures_with_plans

# How an input heading maps to the report's field, for the model's messages.
FIELD_HEADINGS = {
    "actual_value": x.ACTUAL_VALUE,
    "status": x.STATUS,
    "progress_percent": x.PROGRESS,
    "narrative": x.NARRATIVE,
    "issues": x.ISSUES,
    "next_steps": x.NEXT_STEPS,
    "as_of": x.AS_OF,
    "fiscal_year": "年度",
    "measure": x.MEASURE_ID,
}


def build_reports(
    new: Sequence[NewReport],
    scope: ImportScope,
    measures: dict[int, Measure],
    statuses: dict[int, ProgressStatus],
) -> list[ProgressReport]:
    """The progress reports the rows stand for, unsaved."""
    return [
        ProgressReport(
            measure=measures.get(row.measure_id) or Measure(pk=row.measure_id),
            fiscal_year=scope.fiscal_year,
            as_of=date.fromisoformat(row.as_of),
            status=statuses.get(row.status_id),  # gone since the preview: the service says so
            actual_value=None if row.actual_value is None else Decimal(row.actual_value),
            progress_percent=row.progress_percent,
            narrative=row.narrative,
            issues=row.issues,
            next_steps=row.next_steps,
        )
        for row in new
    ]


def new_reports_check(result: ReadResult, scope: ImportScope, context: ImportContext) -> None:
    """The rules of a report (measures.services), for every new report at once."""
    new_reports_drop_recorded(result, scope)
    if not result.reports:
        return
    measures = measures_with_plans(r.measure_id for r in result.reports)
    statuses = {s.pk: s for s in context.statuses}
    reports = build_reports(result.reports, scope, measures, statuses)
    errors = progress_reports_validate(reports)
    for index, error in sorted(errors.items()):
        row = result.reports[index]
        for field_name, field_errors in error.error_dict.items():
            heading = FIELD_HEADINGS.get(field_name, "") if field_name != NON_FIELD_ERRORS else ""
            for item in ValidationError(field_errors).error_list:
                text = item.messages[0]
                if item.code == UNIQUE_CODE:  # the admin's wording; in a file, the date is what to change
                    heading = x.AS_OF
                    text = (
                        f"この施策のこの報告基準日({fiscal.wareki_date_with_western(date.fromisoformat(row.as_of))})"
                        "の報告はすでにあります。内容を更新するときは、報告基準日を新しい日付にしてください。"
                    )
                result.problem(row.file, text, sheet=row.sheet, row=row.row, heading=heading)
    if errors:
        result.reports = [r for i, r in enumerate(result.reports) if i not in errors]
