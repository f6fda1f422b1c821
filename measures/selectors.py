"""Reads that span relations: each runs a fixed number of queries, whatever the number of measures."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone

from . import fiscal
from .models import (
    AnnualTarget,
    EvaluationGrade,
    Measure,
    Plan,
    ProgressReport,
    ProgressStatus,
    Purpose,
    grade_for_rate,
)


def today() -> date:
    return timezone.localdate()


def plan_current(on: date | None = None) -> Plan | None:
    """The plan whose period covers the fiscal year of ``on`` (today), else the newest plan."""
    year = fiscal.fiscal_year_of(on or today())
    return (
        Plan.objects.filter(first_fiscal_year__lte=year, last_fiscal_year__gte=year).first()
        or Plan.objects.order_by("-last_fiscal_year").first()
    )


def reports_latest_as_of(
    *, as_of: date, fiscal_years: Iterable[int] | None = None
) -> QuerySet[ProgressReport]:
    """For each (measure, fiscal year), the latest report dated on or before ``as_of``.

    Ties on the same date go to the report entered last. A report dated after ``as_of``
    is never returned, which is what makes "as of" mean as of.
    """
    latest = (
        ProgressReport.objects.filter(
            measure=OuterRef("measure"), fiscal_year=OuterRef("fiscal_year"), as_of__lte=as_of
        )
        .order_by("-as_of", "-id")
        .values("id")[:1]
    )
    reports = ProgressReport.objects.filter(as_of__lte=as_of, id=Subquery(latest))
    if fiscal_years is not None:
        reports = reports.filter(fiscal_year__in=list(fiscal_years))
    return reports


def reports_history(*, measures: QuerySet[Measure], as_of: date) -> QuerySet[ProgressReport]:
    """Every report on the given measures up to ``as_of``, newest first."""
    return (
        ProgressReport.objects.filter(measure__in=measures, as_of__lte=as_of)
        .select_related("measure", "measure__purpose", "status", "author")
        .order_by("-as_of", "-id")
    )


@dataclass
class YearState:
    """A measure's standing in one fiscal year, as of a date."""

    fiscal_year: int
    target: AnnualTarget | None = None
    report: ProgressReport | None = None
    rate: Decimal | None = None
    grade: EvaluationGrade | None = None

    @property
    def label(self) -> str:
        return fiscal.fiscal_year_label(self.fiscal_year)


@dataclass
class MeasureProgress:
    measure: Measure
    years: list[YearState] = field(default_factory=list)

    @property
    def latest_report(self) -> ProgressReport | None:
        reports = [y.report for y in self.years if y.report is not None]
        return max(reports, key=lambda r: (r.as_of, r.pk)) if reports else None


def measures_for_report(measures: QuerySet[Measure]) -> QuerySet[Measure]:
    """The measure queryset with everything a report row shows, fetched up front."""
    return (
        measures.select_related("plan", "purpose")
        .prefetch_related("departments", "keywords", "technologies")
        .order_by("purpose__order", "order", "number")
    )


def measure_progress(
    *, plan: Plan, as_of: date, measures: QuerySet[Measure], fiscal_years: list[int] | None = None
) -> list[MeasureProgress]:
    """Each measure's target, latest report, achievement rate and grade for every year, as of a date.

    Six queries in all: measures, their three prefetched relations, the targets, the
    latest reports, and the plan's grades.
    """
    years = fiscal_years or plan.fiscal_years
    measure_list = list(measures_for_report(measures))
    # A subquery, not a list of ids: tens of thousands of ids overflow SQLite's parameter limit.
    ids = measures.order_by().values("pk")
    targets = {
        (t.measure_id, t.fiscal_year): t
        for t in AnnualTarget.objects.filter(measure_id__in=ids, fiscal_year__in=years)
    }
    reports = {
        (r.measure_id, r.fiscal_year): r
        for r in reports_latest_as_of(as_of=as_of, fiscal_years=years)
        .filter(measure_id__in=ids)
        .select_related("status", "author")
    }
    grades = list(plan.evaluation_scale.grades.all()) if plan.evaluation_scale_id else []
    result = []
    for measure in measure_list:
        row = MeasureProgress(measure=measure)
        for year in years:
            target = targets.get((measure.pk, year))
            report = reports.get((measure.pk, year))
            rate = target.achievement_rate(report.actual_value) if target and report else None
            grade = grade_for_rate(grades, rate) if report else None
            row.years.append(YearState(year, target, report, rate, grade))
        result.append(row)
    return result


def measures_with_current_reports(measures: QuerySet[Measure], *, as_of: date) -> QuerySet[Measure]:
    """Measures with ``current_reports``: their latest report per fiscal year as of a date."""
    return measures.prefetch_related(
        Prefetch(
            "progress_reports",
            queryset=reports_latest_as_of(as_of=as_of).select_related("status").order_by("fiscal_year"),
            to_attr="current_reports",
        )
    )


def plan_overview(plan: Plan) -> QuerySet:
    """The plan's purposes with their keywords, technologies and measures (and departments): five queries."""
    return (
        Purpose.objects.filter(plan=plan)
        .prefetch_related(
            "keywords",
            "technologies",
            Prefetch(
                "measures",
                queryset=Measure.objects.order_by("order", "number").prefetch_related("departments"),
            ),
        )
        .order_by("order", "code")
    )


@dataclass
class ProgressSummary:
    """Counts by status and by evaluation, and the average progress, for one group of measure-years."""

    label: str
    by_status: dict[str, int] = field(default_factory=dict)
    by_grade: dict[str, int] = field(default_factory=dict)
    progress_values: list[int] = field(default_factory=list)
    unreported: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_status.values()) + self.unreported

    @property
    def average_progress(self) -> Decimal | None:
        """Mean progress % of the reported measure-years, to one decimal; None when nothing is reported."""
        if not self.progress_values:
            return None
        return (Decimal(sum(self.progress_values)) / len(self.progress_values)).quantize(Decimal("0.1"))


UNREPORTED_LABEL = "報告なし"


def _summarise(
    label: str, states: Iterable[YearState], statuses: list[str], grades: list[str]
) -> ProgressSummary:
    summary = ProgressSummary(label, dict.fromkeys(statuses, 0), dict.fromkeys(grades, 0))
    for state in states:
        if state.report is None:
            summary.unreported += 1
            continue
        summary.by_status[state.report.status.name] = summary.by_status.get(state.report.status.name, 0) + 1
        if state.grade is not None:
            summary.by_grade[state.grade.code] = summary.by_grade.get(state.grade.code, 0) + 1
        summary.progress_values.append(state.report.progress_percent)
    return summary


def progress_summaries(*, plan: Plan, rows: list[MeasureProgress]) -> dict[str, list[ProgressSummary]]:
    """Summaries of measure_progress rows, by purpose and by fiscal year. Two queries (statuses, grades).

    Every status and grade of the scale is listed, with zero where none applies, in their
    configured order; a measure-year with no report yet counts as 報告なし.
    """
    statuses = list(ProgressStatus.objects.order_by("order").values_list("name", flat=True))
    grades = (
        list(plan.evaluation_scale.grades.order_by("order").values_list("code", flat=True))
        if plan.evaluation_scale_id
        else []
    )
    by_purpose: dict[int, tuple[str, list[YearState]]] = {}
    by_year: dict[int, list[YearState]] = {}
    for row in rows:
        purpose = row.measure.purpose
        by_purpose.setdefault(purpose.pk, (f"{purpose.code} {purpose.short_text}", []))[1].extend(row.years)
        for state in row.years:
            by_year.setdefault(state.fiscal_year, []).append(state)
    return {
        "purposes": [_summarise(label, states, statuses, grades) for label, states in by_purpose.values()],
        "years": [
            _summarise(fiscal.fiscal_year_label(year), states, statuses, grades)
            for year, states in sorted(by_year.items())
        ],
    }


@dataclass
class ProgressChange:
    """One measure-year whose status, evaluation or progress differs between two dates."""

    measure: Measure
    before: YearState
    after: YearState

    @property
    def fiscal_year(self) -> int:
        return self.after.fiscal_year

    @property
    def label(self) -> str:
        return self.after.label

    @staticmethod
    def _status(state: YearState) -> int | None:
        return state.report.status_id if state.report else None

    @staticmethod
    def _grade(state: YearState) -> str | None:
        return state.grade.code if state.grade else None

    @staticmethod
    def _progress(state: YearState) -> int | None:
        return state.report.progress_percent if state.report else None

    @property
    def status_changed(self) -> bool:
        return self._status(self.before) != self._status(self.after)

    @property
    def grade_changed(self) -> bool:
        return self._grade(self.before) != self._grade(self.after)

    @property
    def progress_changed(self) -> bool:
        return self._progress(self.before) != self._progress(self.after)

    @property
    def changed(self) -> bool:
        return self.status_changed or self.grade_changed or self.progress_changed


def progress_changes(
    *,
    plan: Plan,
    measures: QuerySet[Measure],
    since: date,
    as_of: date,
    fiscal_years: list[int] | None = None,
) -> list[ProgressChange]:
    """Every measure-year whose status, evaluation or progress as of ``as_of`` differs from ``since``.

    A measure-year first reported after ``since`` counts as changed (from 報告なし). Twelve
    queries in all, whatever the number of measures: measure_progress once for each date.
    """
    before = {
        row.measure.pk: row
        for row in measure_progress(plan=plan, as_of=since, measures=measures, fiscal_years=fiscal_years)
    }
    changes = []
    for row in measure_progress(plan=plan, as_of=as_of, measures=measures, fiscal_years=fiscal_years):
        for old, new in zip(before[row.measure.pk].years, row.years, strict=True):
            change = ProgressChange(row.measure, old, new)
            if change.changed:
                changes.append(change)
    return changes
