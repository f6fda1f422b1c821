"""What the council's printable pages show, put together from the measures selectors.

The views only validate the query string and render; everything a page lists is assembled
here, in a fixed number of queries whatever the number of measures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from measures.filters import MeasureProgressFilter
from measures.models import EvaluationGrade, Measure, Plan, ProgressStatus, Purpose, grade_for_rate
from measures.selectors import (
    MeasureProgress,
    ProgressChange,
    ProgressSummary,
    YearState,
    measure_progress,
    progress_changes,
    progress_summaries,
    reports_history,
)


@dataclass
class SummaryLine:
    """One line of a summary table: the counts in the order of the table's columns."""

    label: str
    status_counts: list[int]
    unreported: int
    grade_counts: list[int]
    total: int
    average_progress: object  # Decimal | None


def _summary_line(summary: ProgressSummary, statuses, grades) -> SummaryLine:
    return SummaryLine(
        label=summary.label,
        status_counts=[summary.by_status.get(s.name, 0) for s in statuses],
        unreported=summary.unreported,
        grade_counts=[summary.by_grade.get(g.code, 0) for g in grades],
        total=summary.total,
        average_progress=summary.average_progress,
    )


@dataclass
class MeasureEntry:
    """A measure's row in a purpose section: its progress per year and the indicators it is measured by."""

    progress: MeasureProgress

    @property
    def measure(self) -> Measure:
        return self.progress.measure

    @property
    def years(self) -> list[YearState]:
        return self.progress.years

    @property
    def row_span(self) -> int:
        """Two table rows per year: the figures and the notes."""
        return 2 * len(self.progress.years)

    @property
    def indicators(self) -> list[str]:
        """The distinct indicator names (with units) of the measure's targets, in year order."""
        names: list[str] = []
        for state in self.progress.years:
            target = state.target
            if target is None or not target.indicator_name:
                continue
            name = (
                f"{target.indicator_name}({target.indicator_unit})"
                if target.indicator_unit
                else target.indicator_name
            )
            if name not in names:
                names.append(name)
        return names


@dataclass
class PurposeSection:
    purpose: Purpose
    entries: list[MeasureEntry] = field(default_factory=list)
    summary: SummaryLine | None = None


@dataclass
class CouncilReport:
    plan: Plan
    as_of: date
    since: date | None
    fiscal_years: list[int]
    applied_filters: list[tuple[str, str]]
    statuses: list[ProgressStatus]
    grades: list[EvaluationGrade]
    sections: list[PurposeSection]
    year_lines: list[SummaryLine]
    changes: list[ProgressChange] | None

    @property
    def grade_legend(self) -> list[tuple[EvaluationGrade, str]]:
        """Each grade with the range of achievement rates it stands for, e.g. 80%以上100%未満."""
        bounds = sorted({g.min_rate for g in self.grades if g.min_rate is not None})
        legend = []
        for grade in self.grades:
            if grade.min_rate is None:
                legend.append((grade, "目標値または実績値がない"))
                continue
            higher = [b for b in bounds if b > grade.min_rate]
            lower = f"{_plain(grade.min_rate)}%以上" if grade.min_rate > 0 else ""
            upper = f"{_plain(higher[0])}%未満" if higher else ""
            legend.append((grade, f"達成率{lower}{upper}"))
        return legend

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


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _grades_of(plan: Plan) -> list[EvaluationGrade]:
    if not plan.evaluation_scale_id:
        return []
    return list(EvaluationGrade.objects.filter(scale_id=plan.evaluation_scale_id).order_by("order", "code"))


def council_report_build(*, filterset: MeasureProgressFilter, since: date | None = None) -> CouncilReport:
    """The council report for a validated filter: cover facts, summaries, one section per purpose.

    Purposes appear in the plan's order, each with the measures the filter kept; a purpose
    with none is left out. With ``since`` the report also lists what changed since that date.
    """
    plan = filterset.selected_plan
    as_of = filterset.as_of_date
    years = filterset.fiscal_years
    measures = filterset.qs
    rows = measure_progress(plan=plan, as_of=as_of, measures=measures, fiscal_years=years)
    summaries = progress_summaries(plan=plan, rows=rows)
    statuses = list(ProgressStatus.objects.order_by("order", "name"))
    grades = _grades_of(plan)

    sections: dict[int, PurposeSection] = {}
    for row in rows:
        purpose = row.measure.purpose
        sections.setdefault(purpose.pk, PurposeSection(purpose)).entries.append(MeasureEntry(row))
    ordered = sorted(sections.values(), key=lambda s: (s.purpose.order, s.purpose.code))
    # progress_summaries labels each purpose "code short_text", unique within a plan.
    by_label = {summary.label: summary for summary in summaries["purposes"]}
    for section in ordered:
        purpose = section.purpose
        section.summary = _summary_line(by_label[f"{purpose.code} {purpose.short_text}"], statuses, grades)

    changes = None
    if since is not None:
        changes = progress_changes(plan=plan, measures=measures, since=since, as_of=as_of, fiscal_years=years)
    return CouncilReport(
        plan=plan,
        as_of=as_of,
        since=since,
        fiscal_years=years,
        applied_filters=filterset.applied_filters(),
        statuses=statuses,
        grades=grades,
        sections=ordered,
        year_lines=[_summary_line(s, statuses, grades) for s in summaries["years"]],
        changes=changes,
    )


@dataclass
class MeasureReport:
    measure: Measure
    as_of: date
    fiscal_years: list[int]
    entry: MeasureEntry
    history: list[YearState]


def measure_report_build(*, measure: Measure, filterset: MeasureProgressFilter) -> MeasureReport:
    """One measure: its standing per year as of the date, and every report up to that date, newest first.

    Each past report is graded against that year's target, as it would have been on its day.
    """
    plan = measure.plan
    as_of = filterset.as_of_date
    years = filterset.fiscal_years
    one = Measure.objects.filter(pk=measure.pk)
    (progress,) = measure_progress(plan=plan, as_of=as_of, measures=one, fiscal_years=years)
    targets = {state.fiscal_year: state.target for state in progress.years}
    grades = _grades_of(plan)
    history = []
    for report in reports_history(measures=one, as_of=as_of).filter(fiscal_year__in=years):
        target = targets.get(report.fiscal_year)
        rate = target.achievement_rate(report.actual_value) if target else None
        history.append(YearState(report.fiscal_year, target, report, rate, grade_for_rate(grades, rate)))
    return MeasureReport(
        measure=progress.measure,
        as_of=as_of,
        fiscal_years=years,
        entry=MeasureEntry(progress),
        history=history,
    )
