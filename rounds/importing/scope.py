"""What an upload is for (a plan's fiscal year), and what every file of it is checked against."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from measures.models import Department, Measure, Plan, ProgressStatus
from measures.selectors import MeasureProgress, measure_progress_rows
from measures.sheets.year_row import year_sheet_title

from . import cells

# The latest report, whatever its date: what a template shows and a row is compared with.
LATEST = date(9999, 12, 31)


@dataclass(frozen=True)
class ImportScope:
    """What the secretariat is collecting: a plan's fiscal year."""

    plan: Plan
    fiscal_year: int

    @property
    def sheet_title(self) -> str:
        return year_sheet_title(self.fiscal_year)


def measures_with_plans(ids: Iterable[int]) -> dict[int, Measure]:
    """{id: measure, with its plan} for the rows' measures, in one query.

    Not in_bulk(): on SQLite it splits the ids into queries of 999 (the variable limit of old
    SQLite versions), so 5,000 rows took six queries. One IN of up to MAX_ROWS (10,000) ids is
    within SQLite's 32,766 variables (3.32 and later) and PostgreSQL's 65,535 parameters.
    """
    return {measure.pk: measure for measure in Measure.objects.select_related("plan").filter(pk__in=set(ids))}


def statuses_by_text(statuses: Iterable[ProgressStatus]) -> dict[str, ProgressStatus]:
    """Each status by every way a cell may name it (○ 実施中, 実施中, ○実施中), as cells.status reads them."""
    found: dict[str, ProgressStatus] = {}
    for status in statuses:
        for text in (str(status), status.name, f"{status.symbol}{status.name}"):
            found.setdefault(cells.squeeze(text), status)
    return found


class ImportContext:
    """What every file is checked against, read once per upload in a fixed number of queries."""

    def __init__(self, scope: ImportScope):
        self.scope = scope
        rows = measure_progress_rows(
            plan=scope.plan,
            as_of=LATEST,
            measures=Measure.objects.filter(plan=scope.plan),
            fiscal_years=[scope.fiscal_year],
        )
        self.rows: dict[int, MeasureProgress] = {row.pk: row for row in rows}
        self.statuses = list(ProgressStatus.objects.order_by("order", "name"))
        self.status_by_text = statuses_by_text(self.statuses)
        self.departments = {d.pk: d.name for d in Department.objects.all()}
