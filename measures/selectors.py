"""Reads that span relations: each runs a fixed number of queries, whatever the number of measures.

The progress of a measure is read in one shape only, MeasureProgress, by one function,
measure_progress_rows. The printable pages, the admin list and the workbook all read it
(and so must anything added later, such as an API), so "as of", "standing (not withdrawn)", the achievement rate and the grade are
decided here once.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_CEILING, Decimal

from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    Count,
    ExpressionWrapper,
    F,
    FilteredRelation,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Round
from django.db.models.lookups import GreaterThanOrEqual

from core import fiscal
from core.clock import today
from core.users import display_name_of

from .models import (
    AnnualTarget,
    Department,
    EvaluationGrade,
    Keyword,
    Measure,
    Plan,
    ProgressReport,
    ProgressStatus,
    Purpose,
    Technology,
    achievement_rate,
    grade_for_rate,
)


def plan_current(on: date | None = None, *, plans: QuerySet[Plan] | None = None) -> Plan | None:
    """The plan whose period covers the fiscal year of ``on`` (today), else the newest plan;
    among ``plans`` when given (the published ones, for a visitor who is not signed in)."""
    year = fiscal.fiscal_year_of(on or today())
    plans = Plan.objects.all() if plans is None else plans
    return (
        plans.filter(first_fiscal_year__lte=year, last_fiscal_year__gte=year).first()
        or plans.order_by("-last_fiscal_year").first()
    )


def published_schedule_years(plans: Iterable[Plan] | None = None) -> set[int]:
    """The fiscal years of the drafting schedule anyone may read, among every plan (``plans``: all
    of them, when the caller has read them already; else one query).

    A published plan shows the schedule from its drafting year (the year before it) to its last
    year. Schedule items name no plan, so a year that an unpublished plan shows too is held back
    whole: the next plan is drafted in the current plan's last year, and its committee meetings,
    its draft's public comment and their notes are not public until that plan is published
    (docs/api.md, "Who reads and writes what").
    """
    shown: dict[bool, set[int]] = {True: set(), False: set()}
    if plans is None:
        plans = Plan.objects.only("published", "first_fiscal_year", "last_fiscal_year")
    for plan in plans:
        shown[plan.published].update(range(plan.drafting_fiscal_year, plan.last_fiscal_year + 1))
    return shown[True] - shown[False]


# How each of the plan's models reaches a plan's 公開: a visitor reads only rows of published plans.
# A department, keyword or technology is public when a published plan's measure (or purpose) uses it.
_PUBLISHED = {
    Plan: Q(published=True),
    Purpose: Q(plan__published=True),
    Measure: Q(plan__published=True),
    AnnualTarget: Q(measure__plan__published=True),
    ProgressReport: Q(measure__plan__published=True),
    Department: Q(pk__in=Measure.objects.filter(plan__published=True).values("departments")),
    Keyword: Q(pk__in=Measure.objects.filter(plan__published=True).values("keywords"))
    | Q(pk__in=Purpose.objects.filter(plan__published=True).values("keywords")),
    Technology: Q(pk__in=Measure.objects.filter(plan__published=True).values("technologies"))
    | Q(pk__in=Purpose.objects.filter(plan__published=True).values("technologies")),
    # Lists every plan shares, which name nothing of any plan.
    ProgressStatus: Q(),
}


def published_only(queryset: QuerySet) -> QuerySet:
    """``queryset`` narrowed to what belongs to a published plan: the one rule by which every list,
    detail and filter choice is cut for a visitor who is not signed in (the API, its filters)."""
    return queryset.filter(_PUBLISHED[queryset.model])


def plan_default_as_of(plan: Plan, on: date | None = None) -> date:
    """The 基準日 a report on ``plan`` takes when none is given.

    Today (``on``) while the plan runs. Once it has ended, the last day of its period, or the
    date of its latest standing report when that is later (a report on the last year, made in
    the following months): a report as of today would be years after anything it shows. At
    most one query.
    """
    on = on or today()
    _, period_end = fiscal.fiscal_year_bounds(plan.last_fiscal_year)
    if on <= period_end:
        return on
    latest = (
        ProgressReport.objects.standing()
        .filter(measure__plan=plan, as_of__lte=on)
        .aggregate(latest=Max("as_of"))["latest"]
    )
    return max(period_end, latest) if latest else period_end


def _latest_report(*, as_of: date, measure, fiscal_year) -> QuerySet[ProgressReport]:
    """The id of a measure's latest standing report for a fiscal year on or before ``as_of``
    (reports_latest_as_of), as a subquery: ``measure`` and ``fiscal_year`` are values or OuterRefs."""
    return (
        ProgressReport.objects.standing()
        .filter(as_of__lte=as_of, measure=measure, fiscal_year=fiscal_year)
        .order_by("-as_of", "-id")
        .values("id")[:1]
    )


def reports_latest_as_of(
    *, as_of: date, fiscal_years: Iterable[int] | None = None
) -> QuerySet[ProgressReport]:
    """For each (measure, fiscal year), the latest standing report dated on or before ``as_of``.

    Ties on the same date go to the report entered last. A report dated after ``as_of``
    is never returned, which is what makes "as of" mean as of. Withdrawn reports (取り下げ)
    stay on record but count nowhere.
    """
    latest = _latest_report(as_of=as_of, measure=OuterRef("measure"), fiscal_year=OuterRef("fiscal_year"))
    reports = ProgressReport.objects.standing().filter(as_of__lte=as_of, id=Subquery(latest))
    if fiscal_years is not None:
        reports = reports.filter(fiscal_year__in=list(fiscal_years))
    return reports


def reports_history(
    *, measures: QuerySet[Measure], as_of: date, include_withdrawn: bool = False
) -> QuerySet[ProgressReport]:
    """Every standing report on the given measures up to ``as_of``, newest first; with
    ``include_withdrawn``, the withdrawn ones too (the record as entered)."""
    reports = ProgressReport.objects.all() if include_withdrawn else ProgressReport.objects.standing()
    return (
        reports.filter(measure__in=measures, as_of__lte=as_of)
        .select_related("measure", "measure__purpose", "status", "author")
        .order_by("-as_of", "-id")
    )


def measure_reports(measure: Measure) -> QuerySet[ProgressReport]:
    """Every report on one measure, withdrawn ones included, newest first: its record as entered."""
    return (
        ProgressReport.objects.filter(measure=measure)
        .select_related("status", "author", "withdrawn_by")
        .order_by("-as_of", "-id")
    )


@dataclass(frozen=True)
class NewReportDefaults:
    """What a new report's form starts with, so that the usual case is a change of figures only."""

    fiscal_year: int
    as_of: date | None
    status: ProgressStatus | None
    progress_percent: int | None
    actual_value: Decimal | None


def new_report_defaults(measure: Measure, on: date | None = None) -> NewReportDefaults:
    """The year being reported (this fiscal year, or the plan's last one once the plan has ended),
    dated today or, for a year already closed, on its last day (no date when a standing report has
    that one already, since a second would be refused); status and figures carried over
    from the measure's latest standing report for that year, else the first status (未着手)."""
    on = on or today()
    plan = measure.plan
    year = min(max(fiscal.fiscal_year_of(on), plan.first_fiscal_year), plan.last_fiscal_year)
    start, end = fiscal.fiscal_year_bounds(year)
    as_of = on if start <= on <= end else end if on > end else start
    latest = (
        ProgressReport.objects.standing()
        .filter(measure=measure, fiscal_year=year)
        .select_related("status")
        .order_by("-as_of", "-id")
        .first()
    )
    if latest is not None:
        if (
            latest.as_of == as_of
            or ProgressReport.objects.standing()
            .filter(measure=measure, fiscal_year=year, as_of=as_of)
            .exists()
        ):
            # A standing report has that date already: a report on it would be refused, so the
            # person chooses the date (a year closed, a report made today already).
            as_of = None
        return NewReportDefaults(year, as_of, latest.status, latest.progress_percent, latest.actual_value)
    return NewReportDefaults(year, as_of, ProgressStatus.objects.order_by("order").first(), None, None)


# The progress row. Plain values, so that a stream of 50,000 of them holds no model instances
# beyond the few shared ones (purposes, statuses, grades).


@dataclass(slots=True)
class TargetFigures:
    """A measure's target for one fiscal year."""

    target_text: str
    indicator_name: str
    indicator_unit: str
    target_value: Decimal | None

    @property
    def indicator(self) -> str:
        """指標名(単位), or the name alone, or "" when the target names no indicator."""
        if not self.indicator_name:
            return ""
        return f"{self.indicator_name}({self.indicator_unit})" if self.indicator_unit else self.indicator_name


@dataclass(slots=True)
class ReportFigures:
    """One standing progress report."""

    pk: int
    as_of: date
    status: ProgressStatus
    actual_value: Decimal | None
    progress_percent: int
    narrative: str
    issues: str
    next_steps: str
    author: str  # core.users.display_name_of; "" when nobody is recorded


@dataclass(slots=True)
class YearProgress:
    """A measure's standing in one fiscal year, as of a date: target, latest report, rate and grade."""

    fiscal_year: int
    target: TargetFigures | None
    report: ReportFigures | None
    rate: Decimal | None
    grade: EvaluationGrade | None

    @property
    def label(self) -> str:
        return fiscal.fiscal_year_label(self.fiscal_year)


@dataclass(slots=True)
class MeasureProgress:
    """One measure's row of the progress report: what it is, and each fiscal year's standing."""

    pk: int
    number: int
    title: str
    purpose: Purpose
    departments: list[str]
    keywords: list[str]
    years: list[YearProgress]

    @property
    def latest_report(self) -> ReportFigures | None:
        reports = [y.report for y in self.years if y.report is not None]
        return max(reports, key=lambda r: (r.as_of, r.pk)) if reports else None

    @property
    def indicators(self) -> list[str]:
        """The distinct indicators (with units) of the measure's targets, in year order."""
        names: list[str] = []
        for year in self.years:
            if year.target is not None and year.target.indicator and year.target.indicator not in names:
                names.append(year.target.indicator)
        return names


# Columns read for each figure, by attribute name: records are built by name, never by position.
_TARGET_COLUMNS = {
    "target_text": "target_text",
    "indicator_name": "indicator_name",
    "indicator_unit": "indicator_unit",
    "target_value": "target_value",
}
_REPORT_COLUMNS = {
    "pk": "pk",
    "as_of": "as_of",
    "status_id": "status_id",
    "actual_value": "actual_value",
    "progress_percent": "progress_percent",
    "narrative": "narrative",
    "issues": "issues",
    "next_steps": "next_steps",
    "author_username": "author__username",
    "author_last_name": "author__last_name",
    "author_first_name": "author__first_name",
}


_WITHDRAWAL_COLUMNS = {
    "withdrawn_on": "withdrawn_on",
    "withdrawal_reason": "withdrawal_reason",
    "withdrawn_by_username": "withdrawn_by__username",
    "withdrawn_by_last_name": "withdrawn_by__last_name",
    "withdrawn_by_first_name": "withdrawn_by__first_name",
}


@dataclass(slots=True)
class Withdrawal:
    """How a report was withdrawn (取り下げ): the day, the reason and who withdrew it."""

    withdrawn_on: date
    reason: str
    withdrawn_by: str  # core.users.display_name_of; "" when nobody is recorded


def _withdrawal(record: Mapping) -> Withdrawal | None:
    if record["withdrawn_on"] is None:
        return None
    return Withdrawal(
        withdrawn_on=record["withdrawn_on"],
        reason=record["withdrawal_reason"],
        withdrawn_by=display_name_of(
            username=record["withdrawn_by_username"],
            last_name=record["withdrawn_by_last_name"],
            first_name=record["withdrawn_by_first_name"],
        ),
    )


def _target_figures(record: Mapping) -> TargetFigures:
    return TargetFigures(
        target_text=record["target_text"],
        indicator_name=record["indicator_name"],
        indicator_unit=record["indicator_unit"],
        target_value=record["target_value"],
    )


def _report_figures(record: Mapping, statuses: Mapping[int, ProgressStatus]) -> ReportFigures:
    return ReportFigures(
        pk=record["pk"],
        as_of=record["as_of"],
        status=statuses[record["status_id"]],
        actual_value=record["actual_value"],
        progress_percent=record["progress_percent"],
        narrative=record["narrative"],
        issues=record["issues"],
        next_steps=record["next_steps"],
        author=display_name_of(
            username=record["author_username"],
            last_name=record["author_last_name"],
            first_name=record["author_first_name"],
        ),
    )


def _records(queryset: QuerySet, key: tuple[str, ...], columns: Mapping[str, str], chunk_size: int):
    """(key values, {attribute: value}) for each row, read with .iterator() so none is held for long."""
    names, width = tuple(columns), len(key)
    for values in queryset.values_list(*key, *columns.values()).iterator(chunk_size=chunk_size):
        yield values[:width], dict(zip(names, values[width:], strict=True))


# Every stream below is sorted by the same measure key, which lets them be merged in step like
# sorted files: each runs one query, whatever the number of measures.
MEASURE_ORDER = ("purpose__order", "order", "number", "pk")


def _measure_key(prefix: str) -> tuple[str, ...]:
    """MEASURE_ORDER as seen from a model that points at the measure through ``prefix``."""
    return (f"{prefix}__purpose__order", f"{prefix}__order", f"{prefix}__number", f"{prefix}_id")


class _GroupCursor:
    """Walks a stream of (key, record) sorted by measure key in step with the measures.

    A group for a key the measures have already passed (a row added between two queries)
    is skipped rather than allowed to stall the stream.
    """

    def __init__(self, records: Iterable[tuple[tuple, dict]]):
        self._groups = itertools.groupby(records, key=lambda pair: pair[0])
        self._next = next(self._groups, None)

    def take(self, key: tuple) -> list[dict]:
        while self._next is not None and self._next[0] < key:
            self._next = next(self._groups, None)
        if self._next is None or self._next[0] != key:
            return []
        records = [record for _, record in self._next[1]]
        self._next = next(self._groups, None)
        return records


class _GroupById:
    """_GroupCursor's ``take`` for a page of measures read by their ids: the few rows grouped in
    memory by the measure's id, the key's last value."""

    def __init__(self, records: Iterable[tuple[tuple, dict]]):
        self._groups: dict[int, list[dict]] = {}
        for key, record in records:
            self._groups.setdefault(key[-1], []).append(record)

    def take(self, key: tuple) -> list[dict]:
        return self._groups.get(key[-1], [])


def measure_link_ids(measure_ids: Sequence[int]) -> dict[str, dict[int, list[int]]]:
    """The ids of a page of measures' departments, keywords and technologies, by relation and then
    by measure, each list in its model's order (order, name) as ``measure.departments.all()`` gives
    it. Three plain queries of the link tables: a prefetch of the three relations built model
    instances through joins, and cost the API's page of five measures more than its progress."""
    links: dict[str, dict[int, list[int]]] = {}
    for relation, target in (
        ("departments", "department"),
        ("keywords", "keyword"),
        ("technologies", "technology"),
    ):
        by_measure = links[relation] = {}
        through = getattr(Measure, relation).through
        rows = (
            through.objects.filter(measure_id__in=measure_ids)
            .order_by(f"{target}__order", f"{target}__name")
            .values_list("measure_id", f"{target}_id")
        )
        for measure_id, target_id in rows:
            by_measure.setdefault(measure_id, []).append(target_id)
    return links


def _names(through, target: str, ids, key: tuple[str, ...], group, chunk_size: int):
    """A measure's many-to-many names (departments, keywords) in their configured order."""
    queryset = through.objects.filter(measure_id__in=ids).order_by(
        *key, f"{target}__order", f"{target}__name"
    )
    return group(_records(queryset, key, {"name": f"{target}__name"}, chunk_size))


def measure_progress_rows(
    *,
    plan: Plan,
    as_of: date,
    measures: QuerySet[Measure] | Sequence[Measure],
    fiscal_years: list[int] | None = None,
    chunk_size: int = 2000,
    with_names: bool = True,
    statuses: Iterable[ProgressStatus] | None = None,
    grades: Iterable[EvaluationGrade] | None = None,
) -> Iterator[MeasureProgress]:
    """Each measure's target, latest standing report, achievement rate and grade for every year, as of a date.

    A stream in MEASURE_ORDER, for pages and exports of any size. Eight queries whatever the
    number of measures: purposes, statuses, grades, then the measures, departments, keywords,
    targets and latest reports, read side by side. ``with_names=False`` leaves each row's
    departments and keywords empty and skips their two queries, for a reader that only counts
    or compares (ProgressTally, progress_changes' earlier date): the status, rate and grade are
    the same either way. ``statuses`` and ``grades`` (the plan's scale's), when the caller has read
    them already (reports.legend.Legend), save their two queries.

    ``measures`` may also be a page of measures already read with their purposes (an API page,
    at most core.api.MAX_PAGE_SIZE): their figures are then read by their ids and grouped by
    measure rather than sorted in step, without the purposes' and the measures' own queries (two
    fewer, and no joins to sort by: the page of five measures spent most of this function's time
    building SQL). The rows are the same.
    """
    years = fiscal_years or plan.fiscal_years
    if isinstance(measures, QuerySet):
        # A subquery, not a list of ids: tens of thousands of ids overflow SQLite's parameter limit.
        ids = measures.order_by().values("pk")
        # The measures' own purposes, so a row never lacks one, whichever plan it came from.
        purposes = {
            p.pk: p
            for p in Purpose.objects.filter(pk__in=Measure.objects.filter(pk__in=ids).values("purpose_id"))
        }
        # Every stream sorted by the measure key and read side by side.
        key, group = _measure_key("measure"), _GroupCursor
    else:
        ids = [measure.pk for measure in measures]
        purposes = {measure.purpose_id: measure.purpose for measure in measures}
        # A page's few rows, grouped by the measure's id (the key's last value).
        key, group = ("measure_id",), _GroupById
    statuses = {s.pk: s for s in (ProgressStatus.objects.all() if statuses is None else statuses)}
    grades = (
        list(EvaluationGrade.objects.filter(scale_id=plan.evaluation_scale_id))
        if grades is None
        else list(grades)
    )
    departments = (
        _names(Measure.departments.through, "department", ids, key, group, chunk_size) if with_names else None
    )
    keywords = (
        _names(Measure.keywords.through, "keyword", ids, key, group, chunk_size) if with_names else None
    )
    targets = group(
        _records(
            AnnualTarget.objects.filter(measure_id__in=ids, fiscal_year__in=years).order_by(
                *key, "fiscal_year"
            ),
            key,
            {"fiscal_year": "fiscal_year", **_TARGET_COLUMNS},
            chunk_size,
        )
    )
    reports = group(
        _records(
            reports_latest_as_of(as_of=as_of, fiscal_years=years)
            .filter(measure_id__in=ids)
            .order_by(*key, "fiscal_year"),
            key,
            {"fiscal_year": "fiscal_year", **_REPORT_COLUMNS},
            chunk_size,
        )
    )
    if isinstance(measures, QuerySet):
        measure_rows = _records(
            Measure.objects.filter(pk__in=ids).order_by(*MEASURE_ORDER),
            MEASURE_ORDER,
            {"number": "number", "title": "title", "purpose_id": "purpose_id"},
            chunk_size,
        )
    else:
        measure_rows = sorted(
            (
                (m.purpose.order, m.order, m.number, m.pk),
                {"number": m.number, "title": m.title, "purpose_id": m.purpose_id},
            )
            for m in measures
        )
    for measure_key, measure in measure_rows:
        year_targets = {t["fiscal_year"]: _target_figures(t) for t in targets.take(measure_key)}
        year_reports = {r["fiscal_year"]: _report_figures(r, statuses) for r in reports.take(measure_key)}
        figures = []
        for year in years:
            target, report = year_targets.get(year), year_reports.get(year)
            rate = achievement_rate(target.target_value, report.actual_value) if target and report else None
            grade = grade_for_rate(grades, rate) if report else None
            figures.append(YearProgress(year, target, report, rate, grade))
        yield MeasureProgress(
            pk=measure_key[-1],
            number=measure["number"],
            title=measure["title"],
            purpose=purposes[measure["purpose_id"]],
            departments=[d["name"] for d in departments.take(measure_key)] if departments else [],
            keywords=[k["name"] for k in keywords.take(measure_key)] if keywords else [],
            years=figures,
        )


@dataclass(slots=True)
class HistoryEntry:
    """One progress report as the history lists it, with the rate and grade it had on its day.

    ``withdrawal`` is set for a withdrawn report, listed only when the history asks for them.
    """

    measure_pk: int
    measure_number: int
    measure_title: str
    fiscal_year: int
    report: ReportFigures
    indicator_unit: str
    rate: Decimal | None
    grade: EvaluationGrade | None
    withdrawal: Withdrawal | None = None


def report_history_stream(
    *,
    plan: Plan,
    as_of: date,
    measures: QuerySet[Measure],
    fiscal_years: list[int] | None = None,
    include_withdrawn: bool = False,
    chunk_size: int = 2000,
) -> Iterator[HistoryEntry]:
    """reports_history read as a stream of plain values, each report graded against its year's target.

    With ``include_withdrawn`` the withdrawn reports are listed too, each with its Withdrawal.
    Three queries: statuses, grades and the reports (their year's target read alongside).
    """
    years = fiscal_years or plan.fiscal_years
    statuses = {s.pk: s for s in ProgressStatus.objects.all()}
    grades = list(EvaluationGrade.objects.filter(scale_id=plan.evaluation_scale_id))
    year_target = AnnualTarget.objects.filter(
        measure=OuterRef("measure"), fiscal_year=OuterRef("fiscal_year")
    )
    reports = (
        reports_history(
            measures=measures.order_by().values("pk"), as_of=as_of, include_withdrawn=include_withdrawn
        )
        .filter(fiscal_year__in=years)
        .annotate(
            year_target_value=Subquery(year_target.values("target_value")[:1]),
            year_indicator_unit=Subquery(year_target.values("indicator_unit")[:1]),
        )
        .order_by("-as_of", "-id")
    )
    columns = {
        "measure_pk": "measure_id",
        "measure_number": "measure__number",
        "measure_title": "measure__title",
        "fiscal_year": "fiscal_year",
        "target_value": "year_target_value",
        "indicator_unit": "year_indicator_unit",
        **_REPORT_COLUMNS,
        **_WITHDRAWAL_COLUMNS,
    }
    for _, record in _records(reports, (), columns, chunk_size):
        report = _report_figures(record, statuses)
        rate = achievement_rate(record["target_value"], report.actual_value)
        yield HistoryEntry(
            measure_pk=record["measure_pk"],
            measure_number=record["measure_number"],
            measure_title=record["measure_title"],
            fiscal_year=record["fiscal_year"],
            report=report,
            indicator_unit=record["indicator_unit"] or "",
            rate=rate,
            grade=grade_for_rate(grades, rate),
            withdrawal=_withdrawal(record),
        )


def plan_overview(plan: Plan) -> QuerySet:
    """The plan's purposes with their keywords and technologies: three queries.

    Not their measures: a plan may have thousands, and a page that lists them all is as slow and
    as long as that (the home page once was). Count them with ProgressTally instead.
    """
    return (
        Purpose.objects.filter(plan=plan)
        .prefetch_related("keywords", "technologies")
        .order_by("order", "code")
    )


def fiscal_years_reported_between(*, plan: Plan, after: date, until: date) -> list[int]:
    """The plan's fiscal years with a standing report dated after ``after`` and on or before
    ``until``, or with a report withdrawn in that time.

    Only in these years can a measure's standing as of ``until`` differ from that as of ``after``
    (progress_changes): elsewhere the latest report on both dates is the same. One query.
    """
    new = Q(withdrawn_on__isnull=True, as_of__gt=after, as_of__lte=until)
    withdrawn = Q(withdrawn_on__gt=after, withdrawn_on__lte=until)
    return sorted(
        ProgressReport.objects.filter(new | withdrawn)
        .filter(measure__plan=plan, fiscal_year__in=plan.fiscal_years)
        .order_by()
        .values_list("fiscal_year", flat=True)
        .distinct()
    )


def progress_fiscal_year(*, plan: Plan, on: date) -> int:
    """The one fiscal year a glance at the plan's progress on ``on`` is about.

    The current fiscal year while the plan covers it; outside the plan, its last year with a
    standing report dated on or before ``on`` (the plan's latest figures); with none, the plan's
    year nearest to ``on``. At most one query.
    """
    current = fiscal.fiscal_year_of(on)
    if plan.covers(current):
        return current
    latest = (
        ProgressReport.objects.standing()
        .filter(measure__plan=plan, as_of__lte=on, fiscal_year__in=plan.fiscal_years)
        .aggregate(year=Max("fiscal_year"))["year"]
    )
    if latest is not None:
        return latest
    return plan.first_fiscal_year if current < plan.first_fiscal_year else plan.last_fiscal_year


@dataclass
class ProgressSummary:
    """Counts by status and by evaluation, and the average progress, for one group of measure-years.

    ``key`` is what the group is: a purpose's id or a fiscal year.
    """

    key: int
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
PLAN_TOTAL_LABEL = "計画全体"


class ProgressTally:
    """Counts measure-years into ProgressSummary groups by purpose and by fiscal year, one row at a time.

    Nothing is kept per measure, so the Excel export can count rows as they stream past.
    Every status and grade of the scale is listed, with zero where none applies, in their
    configured order; a measure-year with no report yet counts as 報告なし. Two queries
    (statuses, grades).
    """

    def __init__(
        self,
        *,
        plan: Plan,
        statuses: Iterable[ProgressStatus] | None = None,
        grades: Iterable[EvaluationGrade] | None = None,
    ):
        """``statuses`` and ``grades``, in their configured order, when the caller has read them already."""
        if statuses is None:
            statuses = ProgressStatus.objects.order_by("order", "name")
        if grades is None:
            grades = EvaluationGrade.objects.filter(scale_id=plan.evaluation_scale_id).order_by(
                "order", "code"
            )
        self._statuses = [status.name for status in statuses]
        self._grades = [grade.code for grade in grades]
        self._purposes: dict[int, ProgressSummary] = {}
        self._years: dict[int, ProgressSummary] = {}
        self._year_purposes: dict[tuple[int, int], ProgressSummary] = {}
        self._purpose_objects: dict[int, Purpose] = {}
        self._plan = self._summary(plan.pk, PLAN_TOTAL_LABEL)

    def _summary(self, key: int, label: str) -> ProgressSummary:
        return ProgressSummary(key, label, dict.fromkeys(self._statuses, 0), dict.fromkeys(self._grades, 0))

    def add_row(self, row: MeasureProgress) -> None:
        """Count every fiscal year of one measure."""
        purpose = row.purpose
        if purpose.pk not in self._purposes:
            self._purposes[purpose.pk] = self._summary(purpose.pk, f"{purpose.code} {purpose.short_text}")
            self._purpose_objects[purpose.pk] = purpose
        for year in row.years:
            if year.fiscal_year not in self._years:
                self._years[year.fiscal_year] = self._summary(year.fiscal_year, year.label)
            year_purpose = self._year_purposes.get((year.fiscal_year, purpose.pk))
            if year_purpose is None:
                year_purpose = self._year_purposes[(year.fiscal_year, purpose.pk)] = self._summary(
                    purpose.pk, f"{year.label} {purpose.code}"
                )
            groups = (self._purposes[purpose.pk], self._years[year.fiscal_year], year_purpose, self._plan)
            for summary in groups:
                report = year.report
                if report is None:
                    summary.unreported += 1
                    continue
                name = report.status.name
                summary.by_status[name] = summary.by_status.get(name, 0) + 1
                if year.grade is not None:
                    summary.by_grade[year.grade.code] = summary.by_grade.get(year.grade.code, 0) + 1
                summary.progress_total += report.progress_percent
                summary.reported += 1

    def counting(self, rows: Iterable[MeasureProgress]) -> Iterator[MeasureProgress]:
        """Pass the rows through unchanged, counting each on the way."""
        for row in rows:
            self.add_row(row)
            yield row

    def purpose_summaries(self) -> dict[int, ProgressSummary]:
        """By purpose id, in the order the purposes were first counted."""
        return dict(self._purposes)

    def purposes(self) -> dict[int, Purpose]:
        """The purposes counted, by id, in the order they were first counted."""
        return dict(self._purpose_objects)

    def year_purpose_summaries(self) -> list[tuple[int, ProgressSummary]]:
        """(fiscal year, summary) for each purpose in each year: years in order, purposes as first counted."""
        order = {pk: index for index, pk in enumerate(self._purposes)}
        keys = sorted(self._year_purposes, key=lambda key: (key[0], order[key[1]]))
        return [(year, self._year_purposes[(year, pk)]) for year, pk in keys]

    def year_purpose_summary(self, fiscal_year: int, purpose_pk: int) -> ProgressSummary:
        """One purpose in one year, so far (empty when nothing of it has been counted)."""
        return self._year_purposes.get((fiscal_year, purpose_pk)) or self._summary(purpose_pk, "")

    def year_summary(self, fiscal_year: int) -> ProgressSummary:
        """Every measure counted so far, in one year: the plan's total for that year."""
        return self._years.get(fiscal_year) or self._summary(fiscal_year, "")

    def plan_summary(self) -> ProgressSummary:
        """Every measure-year counted: the whole plan."""
        return self._plan

    def summaries(self) -> dict[str, list[ProgressSummary]]:
        return {
            "purposes": list(self._purposes.values()),
            "years": [summary for _, summary in sorted(self._years.items())],
        }


# The achievement rate's grade in the database: the grade achievement_rate and grade_for_rate
# (measures.models) give, so that a plan's grades are counted without reading its reports. In whole
# numbers: SQLite keeps decimals as floating point, in which 0.07 / 0.1 is 0.7000000000000001.


def _hundredths(figure: str) -> Cast:
    """A figure of two decimal places (目標値, 実績値) as a whole number of hundredths, exactly."""
    return Cast(Round(F(figure) * 100), BigIntegerField())


def _rate_reaches(minimum: Decimal, *, actual: str, target: str) -> GreaterThanOrEqual:
    """Whether achievement_rate(target, actual) >= minimum, for a target above zero and figures
    not below zero (the models' constraints), in integer arithmetic.

    The rate is 1000·A/T tenths (A, T: the figures in hundredths), rounded half to even as
    Decimal.quantize rounds; a whole number of tenths reaches the minimum when it reaches M, the
    minimum in tenths rounded up. Rounded, 1000·A/T reaches M when 2000·A/T > 2M − 1, or equals
    it and M is even; for whole numbers that is (2000·A − 1) // T >= 2M − 1 when M is odd and
    2000·A // T >= 2M − 1 when it is even. 2000 × 14 digits stays below 2⁶³.
    """
    tenths = int((minimum * 10).to_integral_value(ROUND_CEILING))
    numerator = _hundredths(actual) * 2000 - (tenths % 2)
    quotient = ExpressionWrapper(numerator / _hundredths(target), output_field=BigIntegerField())
    return GreaterThanOrEqual(quotient, Value(2 * tenths - 1))


def _grade_code(grades: list[EvaluationGrade], *, actual: str, target: str) -> Case:
    """grade_for_rate's code for the rate of ``actual`` to ``target``; None when no grade applies.

    No rate (no 実績値, no 目標値, or a 目標値 of 0): the grade without a minimum. Otherwise the
    grade with the highest minimum the rate reaches, the first in ``grades`` among equal minimums
    (as max() picks).
    """
    no_rate = Q(**{f"{actual}__isnull": True}) | Q(**{f"{target}__isnull": True}) | Q(**{target: 0})
    unjudgeable = next((grade.code for grade in grades if grade.min_rate is None), None)
    judged = sorted((g for g in grades if g.min_rate is not None), key=lambda g: g.min_rate, reverse=True)
    return Case(
        When(no_rate, then=Value(unjudgeable)),
        *(
            When(_rate_reaches(grade.min_rate, actual=actual, target=target), then=Value(grade.code))
            for grade in judged
        ),
        default=Value(None),
        output_field=CharField(),
    )


@dataclass
class YearCount:
    """One fiscal year's counts as of a date, as ProgressTally makes them from the progress rows:
    the plan's (None when it has no measures), each purpose's that has measures (by purpose id, in
    the purposes' order), and the date of the latest report counted."""

    year: ProgressSummary | None
    purposes: dict[int, ProgressSummary]
    latest_report_on: date | None


def progress_year_count(
    *,
    plan: Plan,
    fiscal_year: int,
    as_of: date,
    statuses: Iterable[ProgressStatus] | None = None,
    grades: Iterable[EvaluationGrade] | None = None,
) -> YearCount:
    """The plan's measures counted by the status and grade of their latest standing report for
    ``fiscal_year`` as of ``as_of`` (the rule of reports_latest_as_of), by the database.

    The counts of ProgressTally over measure_progress_rows for that year, without a row per
    measure: one aggregate query, each measure joined to its latest report and its target and
    grouped by purpose, status and grade, whatever the number of measures; and two more for the
    statuses and grades unless given, in their configured order (reports.legend.Legend has them).
    """
    if statuses is None:
        statuses = ProgressStatus.objects.order_by("order", "name")
    if grades is None:
        grades = EvaluationGrade.objects.filter(scale_id=plan.evaluation_scale_id).order_by("order", "code")
    statuses, grades = list(statuses), list(grades)
    status_names = {status.pk: status.name for status in statuses}
    latest = _latest_report(as_of=as_of, measure=OuterRef("pk"), fiscal_year=fiscal_year)
    groups = (
        Measure.objects.filter(plan=plan)
        .annotate(
            latest_report=FilteredRelation(
                "progress_reports", condition=Q(progress_reports__id=Subquery(latest))
            ),
            year_target=FilteredRelation(
                "annual_targets", condition=Q(annual_targets__fiscal_year=fiscal_year)
            ),
        )
        .annotate(
            grade=_grade_code(
                grades, actual="latest_report__actual_value", target="year_target__target_value"
            )
        )
        .values_list("purpose_id", "purpose__code", "purpose__text", "latest_report__status_id", "grade")
        .annotate(
            count=Count("pk"),
            progress=Sum("latest_report__progress_percent"),
            latest=Max("latest_report__as_of"),
        )
        .order_by("purpose__order", "purpose_id")
    )

    def summary(key: int, label: str) -> ProgressSummary:
        return ProgressSummary(
            key, label, {status.name: 0 for status in statuses}, {grade.code: 0 for grade in grades}
        )

    year, purposes, latest_report_on = None, {}, None
    for purpose_id, code, text, status_id, grade, count, progress, latest in groups:
        if purpose_id not in purposes:
            purpose = Purpose(pk=purpose_id, code=code, text=text)
            purposes[purpose_id] = summary(purpose_id, f"{purpose.code} {purpose.short_text}")
        year = year or summary(fiscal_year, fiscal.fiscal_year_label(fiscal_year))
        for group in (purposes[purpose_id], year):
            if status_id is None:
                group.unreported += count
                continue
            name = status_names[status_id]
            group.by_status[name] = group.by_status.get(name, 0) + count
            if grade is not None:
                group.by_grade[grade] = group.by_grade.get(grade, 0) + count
            group.progress_total += progress
            group.reported += count
        if latest is not None:
            latest_report_on = max(latest_report_on or latest, latest)
    return YearCount(year=year, purposes=purposes, latest_report_on=latest_report_on)


@dataclass(slots=True)
class WithdrawnReport:
    """A report withdrawn between two dates, as the list of changes shows it."""

    report: ReportFigures
    withdrawal: Withdrawal


@dataclass
class ProgressChange:
    """One measure-year whose status, evaluation or progress differs between two dates, or
    one of whose reports was withdrawn (取り下げ) between them."""

    measure: MeasureProgress
    before: YearProgress
    after: YearProgress
    withdrawn: list[WithdrawnReport] = field(default_factory=list)

    @property
    def fiscal_year(self) -> int:
        return self.after.fiscal_year

    @property
    def label(self) -> str:
        return self.after.label

    @staticmethod
    def _status(year: YearProgress) -> int | None:
        return year.report.status.pk if year.report else None

    @staticmethod
    def _grade(year: YearProgress) -> str | None:
        return year.grade.code if year.grade else None

    @staticmethod
    def _progress(year: YearProgress) -> int | None:
        return year.report.progress_percent if year.report else None

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
        return self.status_changed or self.grade_changed or self.progress_changed or bool(self.withdrawn)


def progress_changes(
    *,
    plan: Plan,
    measures: QuerySet[Measure],
    since: date,
    rows: Iterable[MeasureProgress],
    as_of: date,
    fiscal_years: list[int] | None = None,
    statuses: Iterable[ProgressStatus] | None = None,
    grades: Iterable[EvaluationGrade] | None = None,
) -> list[ProgressChange]:
    """Every measure-year of ``rows`` whose status, evaluation or progress differs from ``since``,
    or one of whose reports was withdrawn after ``since`` and on or before ``as_of``.

    ``rows`` are the measures' progress as of ``as_of``. A measure-year first reported after
    ``since`` counts as changed (from 報告なし). A withdrawn report counts nowhere, on either
    date, so its withdrawal is listed with the measure-year: it is why a figure printed last
    time is no longer there. Ten queries, whatever the number of measures:
    measure_progress_rows once more, as of ``since`` and without the names, then the statuses and the withdrawals.
    ``statuses`` and ``grades``, when the caller has read them already, save three of them.
    """
    years = fiscal_years or plan.fiscal_years
    if statuses is not None:
        statuses = list(statuses)
    before = {
        row.pk: row
        for row in measure_progress_rows(
            plan=plan,
            as_of=since,
            measures=measures,
            fiscal_years=years,
            with_names=False,
            statuses=statuses,
            grades=grades,
        )
    }
    statuses = {s.pk: s for s in (ProgressStatus.objects.all() if statuses is None else statuses)}
    withdrawn: dict[tuple[int, int], list[WithdrawnReport]] = {}
    reports = ProgressReport.objects.filter(
        measure_id__in=measures.order_by().values("pk"),
        fiscal_year__in=years,
        as_of__lte=as_of,
        withdrawn_on__gt=since,
        withdrawn_on__lte=as_of,
    ).order_by("as_of", "id")
    for key, record in _records(
        reports, ("measure_id", "fiscal_year"), {**_REPORT_COLUMNS, **_WITHDRAWAL_COLUMNS}, 2000
    ):
        entry = WithdrawnReport(_report_figures(record, statuses), _withdrawal(record))
        withdrawn.setdefault(key, []).append(entry)
    changes = []
    for row in rows:
        earlier = before.get(row.pk)
        if earlier is None:  # added between the two reads
            continue
        for old, new in zip(earlier.years, row.years, strict=True):
            change = ProgressChange(row, old, new, withdrawn.get((row.pk, new.fiscal_year), []))
            if change.changed:
                changes.append(change)
    return changes
