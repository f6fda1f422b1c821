"""The schedule as the seed document's table: rows of bodies, columns of the fiscal year's months."""

from __future__ import annotations

from dataclasses import dataclass, field

from measures import fiscal

from .models import Body, Phase, PublicCommentPeriod, ScheduledItem


@dataclass
class PhaseBand:
    phase: Phase
    start_index: int
    span: int


@dataclass
class ScheduleRow:
    body: Body
    # One list per month, April first: the items planned that month.
    cells: list[list[ScheduledItem]] = field(default_factory=lambda: [[] for _ in range(12)])
    # One entry per month: the public comment periods running in that month.
    comment_cells: list[list[PublicCommentPeriod]] = field(default_factory=lambda: [[] for _ in range(12)])


@dataclass
class ScheduleTable:
    fiscal_year: int
    months: list[int]
    phases: list[PhaseBand]
    rows: list[ScheduleRow]

    @property
    def label(self) -> str:
        return fiscal.fiscal_year_wareki(self.fiscal_year)


def schedule_fiscal_years() -> list[int]:
    years = set(ScheduledItem.objects.values_list("fiscal_year", flat=True))
    years |= set(Phase.objects.values_list("fiscal_year", flat=True))
    return sorted(years)


def schedule_table(*, fiscal_year: int) -> ScheduleTable:
    """Four queries: bodies, phases, items (with their phase) and public comment periods."""
    bodies = list(Body.objects.order_by("order", "name"))
    rows = {body.pk: ScheduleRow(body) for body in bodies}
    for item in (
        ScheduledItem.objects.filter(fiscal_year=fiscal_year)
        .select_related("phase")
        .order_by("planned_month", "planned_date", "pk")
    ):
        rows[item.body_id].cells[fiscal.fiscal_month_index(item.planned_month)].append(item)
    for period in PublicCommentPeriod.objects.filter(fiscal_year=fiscal_year).order_by("planned_start_month"):
        for month in period.months_covered():
            rows[period.body_id].comment_cells[fiscal.fiscal_month_index(month)].append(period)
    phases = [
        PhaseBand(
            phase,
            fiscal.fiscal_month_index(phase.first_month),
            fiscal.fiscal_month_index(phase.last_month) - fiscal.fiscal_month_index(phase.first_month) + 1,
        )
        for phase in Phase.objects.filter(fiscal_year=fiscal_year).order_by("order", "first_month")
    ]
    return ScheduleTable(fiscal_year, list(fiscal.MONTHS_IN_FISCAL_ORDER), phases, list(rows.values()))
