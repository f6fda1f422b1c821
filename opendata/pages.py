"""What the public pages show (/plans/…), put together from the same selectors as the council report.

A published plan's page, a measure's page and the drafting schedule: the progress rows
(measures.selectors.measure_progress_rows: the latest standing report as of the 基準日, the
achievement rate and the grade), the same counts (ProgressTally), the same legend
(measures.legend) and the same chart (measures.chart). Nothing here decides anything about progress;
it lays out what the selectors return, and never reads a person's name or a withdrawn report.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from django.http import Http404

from core import fiscal
from measures.chart import GradeChart, grade_chart
from measures.legend import Legend, legend_for
from measures.models import Measure, Plan, Purpose
from measures.selectors import (
    MeasureProgress,
    ProgressSummary,
    ProgressTally,
    YearProgress,
    measure_progress_rows,
    plan_default_as_of,
    plan_overview,
    published_schedule_years,
    targets_first_values,
)
from schedule.selectors import SCHEDULE_LEGEND, MarkedComment, MarkedItem, ScheduleGrid, schedule_grid

from .datasets import MEASURE_YEARS, Dataset, measure_year_row
from .filters import PublicMeasureFilter

NOT_FOUND = "お探しの計画・施策は見つかりません。"
# The measure page's chart of achievement rates: one row of this many SVG units a year.
CHART_ROW = 16


def plan_published_or_404(plan_id: int) -> Plan:
    """A published plan; an unpublished plan answers exactly as one that does not exist."""
    plan = Plan.objects.filter(pk=plan_id, published=True).select_related("evaluation_scale").first()
    if plan is None:
        raise Http404(NOT_FOUND)
    return plan


@dataclass
class CountLine:
    """One purpose's measures in one fiscal year: counts by grade and by status, in the legend's order."""

    label: str
    grade_counts: list[int]
    status_counts: list[int]
    unreported: int
    total: int
    average_progress: Decimal | None


def count_line(label: str, summary: ProgressSummary, legend: Legend) -> CountLine:
    return CountLine(
        label=label,
        grade_counts=[summary.by_grade.get(grade.code, 0) for grade in legend.grades],
        status_counts=[summary.by_status.get(status.name, 0) for status in legend.statuses],
        unreported=summary.unreported,
        total=summary.total,
        average_progress=summary.average_progress,
    )


@dataclass
class PurposeBlock:
    """A purpose (ア/イ/ウ) with its keywords, technologies and each year's counts."""

    purpose: Purpose
    lines: list[CountLine] = field(default_factory=list)


@dataclass
class ShownYear:
    """A year's cell of a measure in the list: its grade and status, and a revised target's first value."""

    progress: YearProgress
    first_target: Decimal | None = None

    @property
    def target_revised(self) -> bool:
        target = self.progress.target
        return (
            target is not None
            and self.first_target is not None
            and target.target_value is not None
            and self.first_target != target.target_value
        )


@dataclass
class ListedMeasure:
    row: MeasureProgress
    years: list[ShownYear]


@dataclass
class PlanPage:
    plan: Plan
    as_of: date
    latest_figures_on: date | None
    legend: Legend
    purposes: list[PurposeBlock]
    chart: GradeChart
    filter: PublicMeasureFilter
    shown_years: list[int]
    measures: list[ListedMeasure]
    measure_total: int

    @property
    def period(self) -> str:
        return self.plan.period_label

    def dataset(self) -> Dataset:
        """The measures dataset's columns, holding exactly the measures and years the list shows."""
        rows = [
            measure_year_row(self.plan, self.as_of, listed.row, shown.progress)
            for listed in self.measures
            for shown in listed.years
        ]
        return replace(MEASURE_YEARS, rows=lambda _published: iter(rows))


def _rows(plan: Plan, as_of: date, legend: Legend, measures) -> list[MeasureProgress]:
    return list(
        measure_progress_rows(
            plan=plan, as_of=as_of, measures=measures, statuses=legend.statuses, grades=legend.grades
        )
    )


def _latest_figures_on(rows: list[MeasureProgress]) -> date | None:
    """The date of the newest standing report the page shows."""
    dates = [row.latest_report.as_of for row in rows if row.latest_report is not None]
    return max(dates) if dates else None


def _shown(row: MeasureProgress, years: list[int], first: dict) -> list[ShownYear]:
    return [ShownYear(y, first.get((row.pk, y.fiscal_year))) for y in row.years if y.fiscal_year in years]


def plan_page_build(*, plan: Plan, query) -> PlanPage:
    """The plan's page: the whole plan's counts and chart, then the measures the filter keeps.

    The counts and the chart are the council report's for the whole plan as of the default
    基準日 (plan_default_as_of); the list is narrowed in memory from the same rows, so a filter
    never changes a count above it. 16 queries, whatever the number of measures.
    """
    as_of = plan_default_as_of(plan)
    legend = legend_for(plan)
    tally = ProgressTally(plan=plan, statuses=legend.statuses, grades=legend.grades)
    measures = Measure.objects.filter(plan=plan)
    rows = list(tally.counting(_rows(plan, as_of, legend, measures)))
    purposes = []
    for purpose in plan_overview(plan):
        block = PurposeBlock(purpose)
        for year in plan.fiscal_years:
            summary = tally.year_purpose_summary(year, purpose.pk)
            block.lines.append(count_line(fiscal.fiscal_year_label(year), summary, legend))
        purposes.append(block)
    form = PublicMeasureFilter(
        query, plan=plan, legend=legend, purposes=[block.purpose for block in purposes]
    )
    shown_years = plan.fiscal_years
    kept: list[MeasureProgress] = []
    if form.is_valid():
        shown_years = form.shown_years()
        kept = [row for row in rows if form.keeps(row)]
    first = targets_first_values(measures.filter(pk__in=[row.pk for row in kept])) if kept else {}
    return PlanPage(
        plan=plan,
        as_of=as_of,
        latest_figures_on=_latest_figures_on(rows),
        legend=legend,
        purposes=purposes,
        chart=grade_chart(rows, legend, plan.fiscal_years),
        filter=form,
        shown_years=shown_years,
        measures=[ListedMeasure(row, _shown(row, shown_years, first)) for row in kept],
        measure_total=len(rows),
    )


@dataclass
class MeasurePage:
    plan: Plan
    measure: Measure
    as_of: date
    legend: Legend
    row: MeasureProgress
    years: list[ShownYear]
    technologies: list[str]

    @property
    def chart_bars(self) -> Iterator[tuple[ShownYear, Decimal, int]]:
        """Each year with its achievement rate as a bar's length (0–100; a rate over 100 fills it)
        and the bar's row in the chart (opendata/public/measure.html)."""
        for index, shown in enumerate(self.years):
            rate = shown.progress.rate
            yield shown, min(rate, Decimal(100)) if rate is not None else Decimal(0), index * CHART_ROW

    @property
    def chart_height(self) -> int:
        return len(self.years) * CHART_ROW

    @property
    def grade_meanings(self) -> dict[str, str]:
        return {grade.code: meaning for grade, meaning in self.legend.grade_meanings}


def measure_page_build(*, plan: Plan, number: int) -> MeasurePage:
    """One measure of a published plan: what it is, each year's target and figures, the latest report.
    404 for a number the plan does not have. 13 queries."""
    measure = (
        Measure.objects.filter(plan=plan, number=number)
        .select_related("purpose")
        .prefetch_related("technologies")
        .first()
    )
    if measure is None:
        raise Http404(NOT_FOUND)
    as_of = plan_default_as_of(plan)
    legend = legend_for(plan)
    one = Measure.objects.filter(pk=measure.pk)
    (row,) = _rows(plan, as_of, legend, one)
    first = targets_first_values(one)
    return MeasurePage(
        plan=plan,
        measure=measure,
        as_of=as_of,
        legend=legend,
        row=row,
        years=_shown(row, plan.fiscal_years, first),
        technologies=[technology.name for technology in measure.technologies.all()],
    )


@dataclass
class ScheduleMonth:
    """One month of a year's schedule, as the narrow screen lists it: each body's marks, in the table's order."""

    month: int
    items: list[tuple[str, MarkedItem]]  # (the body's label, the item)
    comments: list[MarkedComment]


@dataclass
class ScheduleYear:
    grid: ScheduleGrid

    @property
    def phases(self) -> list[tuple[str, int, int]]:
        """(name, first month, last month) of each phase, as the narrow screen lists them."""
        months = self.grid.table.months
        return [
            (band.phase.name, months[band.start_index], months[band.start_index + band.span - 1])
            for band in self.grid.table.phases
        ]

    @property
    def months(self) -> list[ScheduleMonth]:
        months = [ScheduleMonth(month, [], []) for month in self.grid.table.months]
        for row in self.grid.rows:
            for entry, cell in zip(months, row.cells, strict=True):
                entry.items.extend((row.body.label, item) for item in cell.items)
                for comment in cell.comments:
                    if comment.period.pk not in {c.period.pk for c in entry.comments}:
                        entry.comments.append(comment)
        return [entry for entry in months if entry.items or entry.comments]


@dataclass
class SchedulePage:
    plan: Plan
    years: list[ScheduleYear]
    legend: tuple = SCHEDULE_LEGEND


def schedule_page_build(*, plan: Plan) -> SchedulePage:
    """The drafting schedule of the years the plan shows that are public (the year before the plan
    to its last; measures.selectors.published_schedule_years holds back a year an unpublished plan
    shows too), each year as the ward's table. 1 + 4 queries a year."""
    public = published_schedule_years()
    years = [year for year in range(plan.drafting_fiscal_year, plan.last_fiscal_year + 1) if year in public]
    grids = [schedule_grid(fiscal_year=year) for year in years]
    return SchedulePage(plan=plan, years=[ScheduleYear(grid) for grid in grids if not grid.is_empty])
