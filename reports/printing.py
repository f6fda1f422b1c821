"""What the council's printable pages show, put together from the measures' progress rows.

The views only validate the query string and render; everything a page lists is assembled
here, in a fixed number of queries whatever the number of measures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from django.conf import settings

from core import fiscal
from core.clock import today
from measures.chart import GradeChart, grade_chart
from measures.legend import Legend, legend_for
from measures.models import EvaluationGrade, Measure, Plan, ProgressStatus, Purpose
from measures.selectors import (
    HistoryEntry,
    MeasureProgress,
    ProgressChange,
    ProgressSummary,
    ProgressTally,
    YearProgress,
    measure_progress_rows,
    progress_changes,
    report_history_stream,
)
from rounds.selectors import AwaitedFigure, AwaitedFigures, awaited_figures

from .filters import MeasureProgressFilter


@dataclass
class SummaryLine:
    """One line of a summary table: the counts in the order of the table's columns."""

    label: str
    status_counts: list[int]
    unreported: int
    grade_counts: list[int]
    total: int
    average_progress: object  # Decimal | None


def summary_line(summary: ProgressSummary, legend: Legend) -> SummaryLine:
    return SummaryLine(
        label=summary.label,
        status_counts=[summary.by_status.get(s.name, 0) for s in legend.statuses],
        unreported=summary.unreported,
        grade_counts=[summary.by_grade.get(g.code, 0) for g in legend.grades],
        total=summary.total,
        average_progress=summary.average_progress,
    )


@dataclass
class MeasureEntry:
    """A measure's rows in a year table: two table rows per fiscal year, the figures and the notes."""

    row: MeasureProgress
    awaited: AwaitedFigures

    @property
    def row_span(self) -> int:
        return 2 * len(self.row.years)

    @property
    def years(self) -> list[tuple[YearProgress, list[AwaitedFigure]]]:
        """Each year's standing with what an open round still awaits for it (nothing, mostly)."""
        return [(state, self.awaited.of(self.row.pk, state.fiscal_year)) for state in self.row.years]


@dataclass
class PurposeSection:
    purpose: Purpose
    entries: list[MeasureEntry] = field(default_factory=list)
    summary: SummaryLine | None = None


def default_as_of_note(plan: Plan, as_of: date, on: date) -> str:
    """What the cover says when the 基準日 was chosen for the reader on ``on``
    (measures.selectors.plan_default_as_of)."""
    _, period_end = fiscal.fiscal_year_bounds(plan.last_fiscal_year)
    if on <= period_end:
        return ""  # the plan still runs: today, as one would expect
    if as_of == period_end:
        return "基準日を指定していないため、計画期間が終わったこの計画では、その最終日を基準日としています。"
    return (
        "基準日を指定していないため、計画期間が終わったこの計画では、"
        "計画期間の後に届いた最新の進捗報告の日を基準日としています。"
    )


@dataclass
class CouncilReport:
    plan: Plan
    as_of: date
    since: date | None
    fiscal_years: list[int]
    applied_filters: list[tuple[str, str]]
    legend: Legend
    sections: list[PurposeSection]
    year_lines: list[SummaryLine]
    changes: list[ProgressChange] | None
    chart: GradeChart
    issued_on: date  # 作成日: the day the report is printed
    issuer: str  # the issuing department, settings.REPORT_ISSUER
    awaited: AwaitedFigures  # what the open rounds (進捗照会) still await
    as_of_note: str = ""  # how the 基準日 was chosen, when the reader did not choose it

    @property
    def running_title(self) -> str:
        """The head of every page after the cover."""
        return f"{self.plan.name} 進捗状況報告"

    @property
    def running_date(self) -> str:
        return f"基準日 {fiscal.wareki_date_with_western(self.as_of)}"

    @property
    def statuses(self) -> list[ProgressStatus]:
        return self.legend.statuses

    @property
    def grades(self) -> list[EvaluationGrade]:
        return self.legend.grades

    @property
    def measure_count(self) -> int:
        return sum(len(section.entries) for section in self.sections)

    @property
    def measure_link_query(self) -> str:
        """The query string that opens a measure's own page on the same date and years."""
        params = {"as_of": self.as_of.isoformat()}
        if self.fiscal_years != self.plan.fiscal_years:
            params["fiscal_year"] = str(self.fiscal_years[0])
        return urlencode(params)


def council_report_build(*, filterset: MeasureProgressFilter, since: date | None = None) -> CouncilReport:
    """The council report for a validated filter: cover facts, summaries, one section per purpose.

    Purposes appear in the plan's order, each with the measures the filter kept; a purpose
    with none is left out. With ``since`` the report also lists what changed since that date.
    """
    plan = filterset.selected_plan
    as_of = filterset.as_of_date
    years = filterset.fiscal_years
    measures = filterset.qs
    legend = legend_for(plan)
    tally = ProgressTally(plan=plan, statuses=legend.statuses, grades=legend.grades)
    rows = list(
        tally.counting(
            measure_progress_rows(
                plan=plan,
                as_of=as_of,
                measures=measures,
                fiscal_years=years,
                statuses=legend.statuses,
                grades=legend.grades,
            )
        )
    )

    awaited = awaited_figures(plan=plan, fiscal_years=years, measures=measures)
    sections: dict[int, PurposeSection] = {}
    for row in rows:
        entry = MeasureEntry(row, awaited)
        sections.setdefault(row.purpose.pk, PurposeSection(row.purpose)).entries.append(entry)
    ordered = sorted(sections.values(), key=lambda s: (s.purpose.order, s.purpose.code))
    by_purpose = tally.purpose_summaries()
    for section in ordered:
        section.summary = summary_line(by_purpose[section.purpose.pk], legend)
        # The purpose whole: the tally's label is cut short for narrow columns.
        section.summary.label = f"{section.purpose.code} {section.purpose.text}"

    issued_on = today()
    changes = None
    if since is not None:
        changes = progress_changes(
            plan=plan,
            measures=measures,
            since=since,
            rows=rows,
            as_of=as_of,
            fiscal_years=years,
            statuses=legend.statuses,
            grades=legend.grades,
        )
    return CouncilReport(
        plan=plan,
        as_of=as_of,
        since=since,
        fiscal_years=years,
        applied_filters=filterset.applied_filters(),
        legend=legend,
        sections=ordered,
        year_lines=[summary_line(s, legend) for s in tally.summaries()["years"]],
        changes=changes,
        chart=grade_chart(rows, legend, years),
        issued_on=issued_on,
        issuer=settings.REPORT_ISSUER,
        awaited=awaited,
        as_of_note=default_as_of_note(plan, as_of, issued_on) if filterset.as_of_is_default else "",
    )


@dataclass
class MeasureReport:
    measure: Measure
    as_of: date
    fiscal_years: list[int]
    entry: MeasureEntry
    history: list[HistoryEntry]
    issued_on: date  # 作成日: the day the page is printed
    issuer: str  # the issuing department, settings.REPORT_ISSUER
    as_of_note: str = ""  # how the 基準日 was chosen, when the reader did not choose it

    @property
    def running_title(self) -> str:
        """The head of every page after the first: the plan and the measure."""
        return f"{self.measure.plan.name} 施策{self.measure.number} {self.measure.title}"

    @property
    def running_date(self) -> str:
        return f"基準日 {fiscal.wareki_date_with_western(self.as_of)}"


def measure_report_build(*, measure: Measure, filterset: MeasureProgressFilter) -> MeasureReport:
    """One measure: its standing per year as of the date, and every report up to that date, newest first.

    Withdrawn reports are listed too, marked, with the date and the reason: the record as
    entered, though they count nowhere. Each past report is graded against that year's
    target, as it would have been on its day.
    """
    plan = measure.plan
    as_of = filterset.as_of_date
    years = filterset.fiscal_years
    one = Measure.objects.filter(pk=measure.pk)
    (row,) = measure_progress_rows(plan=plan, as_of=as_of, measures=one, fiscal_years=years)
    history = list(
        report_history_stream(
            plan=plan, as_of=as_of, measures=one, fiscal_years=years, include_withdrawn=True
        )
    )
    issued_on = today()
    return MeasureReport(
        measure=measure,
        as_of=as_of,
        fiscal_years=years,
        entry=MeasureEntry(row, awaited_figures(plan=plan, fiscal_years=years, measures=one)),
        history=history,
        issued_on=issued_on,
        issuer=settings.REPORT_ISSUER,
        as_of_note=default_as_of_note(plan, as_of, issued_on) if filterset.as_of_is_default else "",
    )


def grade_chart_for(filterset: MeasureProgressFilter) -> GradeChart:
    """The chart of /reports/ for a validated filter, read as the printed report reads it (10 queries)."""
    plan = filterset.selected_plan
    legend = legend_for(plan)
    rows = measure_progress_rows(
        plan=plan, as_of=filterset.as_of_date, measures=filterset.qs, fiscal_years=filterset.fiscal_years
    )
    return grade_chart(rows, legend, filterset.fiscal_years)
