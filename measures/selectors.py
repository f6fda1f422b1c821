"""Reads that span relations: each runs a fixed number of queries, whatever the number of measures."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
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
    achievement_rate,
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
    is never returned, which is what makes "as of" mean as of. Withdrawn reports (取り下げ)
    stay on record but count nowhere.
    """
    latest = (
        ProgressReport.objects.filter(
            measure=OuterRef("measure"),
            fiscal_year=OuterRef("fiscal_year"),
            as_of__lte=as_of,
            withdrawn_on__isnull=True,
        )
        .order_by("-as_of", "-id")
        .values("id")[:1]
    )
    reports = ProgressReport.objects.filter(as_of__lte=as_of, withdrawn_on__isnull=True, id=Subquery(latest))
    if fiscal_years is not None:
        reports = reports.filter(fiscal_year__in=list(fiscal_years))
    return reports


def reports_history(*, measures: QuerySet[Measure], as_of: date) -> QuerySet[ProgressReport]:
    """Every report on the given measures up to ``as_of``, newest first."""
    return (
        ProgressReport.objects.filter(measure__in=measures, as_of__lte=as_of, withdrawn_on__isnull=True)
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


# The streamed reads below serve the Excel export, where a plan may have tens of thousands of
# measures. Each runs a fixed number of queries and reads them with .iterator(), so rows are
# turned into plain values as they arrive and never all held at once. Every stream is sorted
# by the same measure key, which lets them be merged in step like sorted files.
MEASURE_ORDER = ("purpose__order", "order", "number", "pk")
_KEY_WIDTH = len(MEASURE_ORDER)


def _measure_key(prefix: str) -> tuple[str, ...]:
    """MEASURE_ORDER as seen from a model that points at the measure through ``prefix``."""
    return (f"{prefix}__purpose__order", f"{prefix}__order", f"{prefix}__number", f"{prefix}_id")


@dataclass(slots=True)
class TargetFigures:
    text: str
    indicator_name: str
    indicator_unit: str
    target_value: Decimal | None


@dataclass(slots=True)
class ReportFigures:
    pk: int
    as_of: date
    status: ProgressStatus
    actual_value: Decimal | None
    progress_percent: int
    narrative: str
    issues: str
    next_steps: str


@dataclass(slots=True)
class YearFigures:
    """YearState in plain values: a measure's target, latest report, rate and grade for one year."""

    fiscal_year: int
    target: TargetFigures | None
    report: ReportFigures | None
    rate: Decimal | None
    grade: EvaluationGrade | None


@dataclass(slots=True)
class MeasureFigures:
    """MeasureProgress in plain values: one measure's row of the progress report."""

    pk: int
    number: int
    title: str
    purpose: Purpose
    departments: list[str]
    keywords: list[str]
    years: list[YearFigures]

    @property
    def latest_report(self) -> ReportFigures | None:
        reports = [y.report for y in self.years if y.report is not None]
        return max(reports, key=lambda r: (r.as_of, r.pk)) if reports else None


class _GroupCursor:
    """Walks a stream sorted by measure key in step with the measures, one group per measure.

    A group for a key the measures have already passed (a row added between two queries)
    is skipped rather than allowed to stall the stream.
    """

    def __init__(self, rows: Iterable[tuple]):
        self._groups = itertools.groupby(rows, key=lambda row: row[:_KEY_WIDTH])
        self._next = next(self._groups, None)

    def take(self, key: tuple) -> list[tuple]:
        while self._next is not None and self._next[0] < key:
            self._next = next(self._groups, None)
        if self._next is None or self._next[0] != key:
            return []
        rows = [row[_KEY_WIDTH:] for row in self._next[1]]
        self._next = next(self._groups, None)
        return rows


def _names_stream(through, target: str, ids: QuerySet, chunk_size: int) -> Iterator[tuple]:
    """(measure key…, name) for a measure's many-to-many relation, sorted like the measures."""
    return (
        through.objects.filter(measure_id__in=ids)
        .order_by(*_measure_key("measure"), f"{target}__order", f"{target}__name")
        .values_list(*_measure_key("measure"), f"{target}__name")
        .iterator(chunk_size=chunk_size)
    )


def measure_progress_stream(
    *,
    plan: Plan,
    as_of: date,
    measures: QuerySet[Measure],
    fiscal_years: list[int] | None = None,
    chunk_size: int = 2000,
) -> Iterator[MeasureFigures]:
    """measure_progress as a stream of plain values, in MEASURE_ORDER, for exports of any size.

    Eight queries whatever the number of measures: purposes, statuses, grades, then the
    measures, departments, keywords, targets and latest reports, read side by side.
    """
    years = fiscal_years or plan.fiscal_years
    purposes = {p.pk: p for p in Purpose.objects.filter(plan=plan).order_by()}
    statuses = {s.pk: s for s in ProgressStatus.objects.all()}
    grades = list(EvaluationGrade.objects.filter(scale_id=plan.evaluation_scale_id))
    ids = measures.order_by().values("pk")
    departments = _GroupCursor(_names_stream(Measure.departments.through, "department", ids, chunk_size))
    keywords = _GroupCursor(_names_stream(Measure.keywords.through, "keyword", ids, chunk_size))
    targets = _GroupCursor(
        AnnualTarget.objects.filter(measure_id__in=ids, fiscal_year__in=years)
        .order_by(*_measure_key("measure"), "fiscal_year")
        .values_list(
            *_measure_key("measure"),
            "fiscal_year",
            "target_text",
            "indicator_name",
            "indicator_unit",
            "target_value",
        )
        .iterator(chunk_size=chunk_size)
    )
    reports = _GroupCursor(
        reports_latest_as_of(as_of=as_of, fiscal_years=years)
        .filter(measure_id__in=ids)
        .order_by(*_measure_key("measure"), "fiscal_year")
        .values_list(
            *_measure_key("measure"),
            "fiscal_year",
            "pk",
            "as_of",
            "status_id",
            "actual_value",
            "progress_percent",
            "narrative",
            "issues",
            "next_steps",
        )
        .iterator(chunk_size=chunk_size)
    )
    rows = (
        Measure.objects.filter(pk__in=ids)
        .order_by(*MEASURE_ORDER)
        .values_list(*MEASURE_ORDER, "number", "title", "purpose_id")
        .iterator(chunk_size=chunk_size)
    )
    for row in rows:
        key = row[:_KEY_WIDTH]
        pk, number, title, purpose_id = row[3], row[4], row[5], row[6]
        year_targets = {t[0]: TargetFigures(*t[1:]) for t in targets.take(key)}
        year_reports = {r[0]: ReportFigures(r[1], r[2], statuses[r[3]], *r[4:]) for r in reports.take(key)}
        figures = []
        for year in years:
            target, report = year_targets.get(year), year_reports.get(year)
            rate = achievement_rate(target.target_value, report.actual_value) if target and report else None
            grade = grade_for_rate(grades, rate) if report else None
            figures.append(YearFigures(year, target, report, rate, grade))
        yield MeasureFigures(
            pk,
            number,
            title,
            purposes[purpose_id],
            [name for (name,) in departments.take(key)],
            [name for (name,) in keywords.take(key)],
            figures,
        )


@dataclass(slots=True)
class HistoryEntry:
    """One progress report as the history lists it, with the rate and grade it had."""

    as_of: date
    measure_number: int
    measure_title: str
    fiscal_year: int
    status: ProgressStatus
    actual_value: Decimal | None
    progress_percent: int
    narrative: str
    author: str
    rate: Decimal | None
    grade: EvaluationGrade | None


def report_history_stream(
    *,
    plan: Plan,
    as_of: date,
    measures: QuerySet[Measure],
    fiscal_years: list[int] | None = None,
    chunk_size: int = 2000,
) -> Iterator[HistoryEntry]:
    """reports_history as a stream of plain values, with each report's rate and grade. Three queries."""
    years = fiscal_years or plan.fiscal_years
    statuses = {s.pk: s for s in ProgressStatus.objects.all()}
    grades = list(EvaluationGrade.objects.filter(scale_id=plan.evaluation_scale_id))
    target_value = AnnualTarget.objects.filter(
        measure=OuterRef("measure"), fiscal_year=OuterRef("fiscal_year")
    ).values("target_value")[:1]
    rows = (
        reports_history(measures=measures.order_by().values("pk"), as_of=as_of)
        .filter(fiscal_year__in=years)
        .annotate(year_target_value=Subquery(target_value))
        .order_by("-as_of", "-id")
        .values_list(
            "as_of",
            "measure__number",
            "measure__title",
            "fiscal_year",
            "status_id",
            "actual_value",
            "progress_percent",
            "narrative",
            "author__username",
            "author__first_name",
            "author__last_name",
            "year_target_value",
        )
        .iterator(chunk_size=chunk_size)
    )
    for row in rows:
        actual_value = row[5]
        rate = achievement_rate(row[11], actual_value)
        author = f"{row[9] or ''} {row[10] or ''}".strip() or (row[8] or "")
        yield HistoryEntry(
            row[0],
            row[1],
            row[2],
            row[3],
            statuses[row[4]],
            actual_value,
            row[6],
            row[7],
            author,
            rate,
            grade_for_rate(grades, rate),
        )


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
    # The sum and count of the reported progress %, not the values: a summary of 50,000
    # measures stays as small as one of five.
    progress_total: int = 0
    reported: int = 0
    unreported: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_status.values()) + self.unreported

    @property
    def average_progress(self) -> Decimal | None:
        """Mean progress % of the reported measure-years, to one decimal; None when nothing is reported."""
        if not self.reported:
            return None
        return (Decimal(self.progress_total) / self.reported).quantize(Decimal("0.1"))


UNREPORTED_LABEL = "報告なし"


class ProgressTally:
    """Counts measure-years into ProgressSummary groups by purpose and by fiscal year, one at a time.

    Nothing is kept per measure, so the Excel export can count rows as they stream past.
    Every status and grade of the scale is listed, with zero where none applies, in their
    configured order; a measure-year with no report yet counts as 報告なし. Two queries
    (statuses, grades).
    """

    def __init__(self, *, plan: Plan):
        self._statuses = list(ProgressStatus.objects.order_by("order").values_list("name", flat=True))
        self._grades = list(
            EvaluationGrade.objects.filter(scale_id=plan.evaluation_scale_id)
            .order_by("order")
            .values_list("code", flat=True)
        )
        self._purposes: dict[int, ProgressSummary] = {}
        self._years: dict[int, ProgressSummary] = {}

    def _summary(self, label: str) -> ProgressSummary:
        return ProgressSummary(label, dict.fromkeys(self._statuses, 0), dict.fromkeys(self._grades, 0))

    def add(
        self,
        *,
        purpose: Purpose,
        fiscal_year: int,
        status_name: str | None,
        grade_code: str | None,
        progress: int | None,
    ) -> None:
        """Count one measure-year; ``status_name`` None means it has no report yet."""
        if purpose.pk not in self._purposes:
            self._purposes[purpose.pk] = self._summary(f"{purpose.code} {purpose.short_text}")
        if fiscal_year not in self._years:
            self._years[fiscal_year] = self._summary(fiscal.fiscal_year_label(fiscal_year))
        for summary in (self._purposes[purpose.pk], self._years[fiscal_year]):
            if status_name is None:
                summary.unreported += 1
                continue
            summary.by_status[status_name] = summary.by_status.get(status_name, 0) + 1
            if grade_code is not None:
                summary.by_grade[grade_code] = summary.by_grade.get(grade_code, 0) + 1
            summary.progress_total += progress
            summary.reported += 1

    def add_row(self, row: MeasureProgress | MeasureFigures) -> None:
        """Count every year of a measure_progress row or a measure_progress_stream row."""
        purpose = row.measure.purpose if isinstance(row, MeasureProgress) else row.purpose
        for state in row.years:
            report = state.report
            self.add(
                purpose=purpose,
                fiscal_year=state.fiscal_year,
                status_name=report.status.name if report else None,
                grade_code=state.grade.code if state.grade else None,
                progress=report.progress_percent if report else None,
            )

    def counting(self, rows: Iterable[MeasureFigures]) -> Iterator[MeasureFigures]:
        """Pass the rows through unchanged, counting each on the way."""
        for row in rows:
            self.add_row(row)
            yield row

    def summaries(self) -> dict[str, list[ProgressSummary]]:
        return {
            "purposes": list(self._purposes.values()),
            "years": [summary for _, summary in sorted(self._years.items())],
        }


def progress_summaries(*, plan: Plan, rows: list[MeasureProgress]) -> dict[str, list[ProgressSummary]]:
    """Summaries of measure_progress rows, by purpose and by fiscal year. Two queries (statuses, grades).

    Every status and grade of the scale is listed, with zero where none applies, in their
    configured order; a measure-year with no report yet counts as 報告なし.
    """
    tally = ProgressTally(plan=plan)
    for row in rows:
        tally.add_row(row)
    return tally.summaries()


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
