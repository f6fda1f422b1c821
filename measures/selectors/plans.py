"""Plan look-ups and the reports a page starts from: the current plan, what is published, the
default 基準日, the latest standing report by a date, a new report's defaults."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import (
    Exists,
    Expression,
    FilteredRelation,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.lookups import In

from core import fiscal
from core.clock import today

from ..models import (
    AnnualTarget,
    Department,
    Keyword,
    Measure,
    Plan,
    ProgressReport,
    ProgressStatus,
    Purpose,
    Technology,
)
from .statements import columns, convert, statement


def plan_current(on: date | None = None, *, plans: QuerySet[Plan] | None = None) -> Plan | None:
    """The plan whose period covers the fiscal year of ``on`` (today), else the newest plan;
    among ``plans`` when given (the published ones, for a visitor who is not signed in)."""
    # One query: a ward adopts a plan every few years, so reading them all costs less than a second
    # query (building and compiling it) when none covers the year.
    return _plan_current_among(list(Plan.objects.all() if plans is None else plans), on or today())


def _plan_current_among(plans: list[Plan], on: date) -> Plan | None:
    """plan_current's choice among ``plans``, in Plan's order: ties go to the first (the latest
    start, then the name)."""
    year = fiscal.fiscal_year_of(on)
    covering = next((plan for plan in plans if plan.covers(year)), None)
    return covering or max(plans, key=lambda plan: plan.last_fiscal_year, default=None)


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
    latest = None
    if fiscal.fiscal_year_of(on) > plan.last_fiscal_year:
        latest = (
            ProgressReport.objects.standing()
            .filter(measure__plan=plan, as_of__lte=on)
            .aggregate(latest=Max("as_of"))["latest"]
        )
    return _default_as_of(plan, on, latest)


def _default_as_of(plan: Plan, on: date, latest: date | None) -> date:
    """plan_default_as_of's 基準日, given the date of the plan's latest standing report on or before
    ``on`` (``latest``, read only once the plan has ended)."""
    _, period_end = fiscal.fiscal_year_bounds(plan.last_fiscal_year)
    if on <= period_end:
        return on
    return max(period_end, latest) if latest else period_end


def plan_current_with_default_as_of(on: date | None = None) -> tuple[Plan | None, date | None]:
    """plan_current and its plan_default_as_of, in one statement (the report pages' and the API's
    scope when no plan and no 基準日 are given: docs/PERFORMANCE.md, issue 23, item 13).

    The plans are read as plan_current reads them, each with the date of its latest standing report
    on or before ``on`` when plan_default_as_of would need it: only for a plan that has ended and
    that no plan outlasts, the one plan_current picks when none covers the year. The choice and the
    date are then plan_current's and plan_default_as_of's own (_plan_current_among, _default_as_of).
    Plain SQL (measures.selectors.statements): the two ORM queries cost the API's list a sixth of
    its CPU, the most in building and compiling them.
    """
    on = on or today()
    sql, plan_converters, latest_converters, names = statement("plans_current", _plans_statement)
    with connection.cursor() as cursor:
        cursor.execute(sql, [fiscal.fiscal_year_of(on), on])
        rows = cursor.fetchall()
    plans, latest = [], {}
    for *values, latest_as_of in rows:
        plan = Plan.from_db(connection.alias, names, convert(values, plan_converters))
        plans.append(plan)
        latest[plan.pk] = convert([latest_as_of], latest_converters)[0]
    plan = _plan_current_among(plans, on)
    return plan, None if plan is None else _default_as_of(plan, on, latest[plan.pk])


def _plans_statement() -> tuple[str, list, list, list[str]]:
    quote = connection.ops.quote_name
    fields = list(Plan._meta.concrete_fields)
    plan_sql, plan_converters = columns(Plan, [field.name for field in fields], "p")
    _, latest_converters = columns(ProgressReport, ["as_of"], "r")
    report, measure = ProgressReport._meta, Measure._meta
    last = quote(Plan._meta.get_field("last_fiscal_year").column)
    order = ", ".join(
        f"p.{quote(Plan._meta.get_field(name.lstrip('-')).column)} {'DESC' if name.startswith('-') else 'ASC'}"
        for name in Plan._meta.ordering
    )
    sql = (
        f"SELECT {', '.join(plan_sql)},"
        # Ended (its last year before on's), and no plan ends later: plan_default_as_of's latest.
        f" CASE WHEN p.{last} < %s AND NOT EXISTS (SELECT 1 FROM {quote(Plan._meta.db_table)} n"
        f" WHERE n.{last} > p.{last})"
        f" THEN (SELECT MAX(r.{quote(report.get_field('as_of').column)})"
        f" FROM {quote(report.db_table)} r INNER JOIN {quote(measure.db_table)} m"
        f" ON m.{quote(measure.pk.column)} = r.{quote(report.get_field('measure').column)}"
        f" WHERE m.{quote(measure.get_field('plan').column)} = p.{quote(Plan._meta.pk.column)}"
        # Standing (ProgressReportQuerySet.standing), dated by on.
        f" AND r.{quote(report.get_field('withdrawn_on').column)} IS NULL"
        f" AND r.{quote(report.get_field('as_of').column)} <= %s) END"
        f" FROM {quote(Plan._meta.db_table)} p ORDER BY {order}"
    )
    return sql, plan_converters, latest_converters, [field.attname for field in fields]


# Of a measure's standing reports for a fiscal year, the one that stands comes first: the latest
# dated, and of those the one entered last.
LATEST_FIRST = ("-as_of", "-id")


def _latest_report(*, as_of: date, measure, fiscal_year) -> QuerySet[ProgressReport]:
    """The id of a measure's latest standing report for a fiscal year on or before ``as_of``
    (reports_latest_as_of), as a subquery: ``measure`` and ``fiscal_year`` are values or OuterRefs.

    By date alone: a measure has one standing report a year and date (the constraint
    report_one_per_measure_year_date), whose index then gives the latest without sorting; a
    tie-break on the id cost PostgreSQL a sort for every measure (a third of the home page's
    counts at 25,000 measures)."""
    return (
        ProgressReport.objects.standing()
        .filter(as_of__lte=as_of, measure=measure, fiscal_year=fiscal_year)
        .order_by("-as_of")
        .values("id")[:1]
    )


def _latest_report_relation(*, as_of: date, fiscal_year: int) -> FilteredRelation:
    """A measure's latest standing report for ``fiscal_year`` on or before ``as_of``, as a relation
    of a Measure query (None when it has none): its ``progress_reports`` joined on _latest_report.

    The bounds that report meets anyway (its year, standing, dated by ``as_of``) are repeated in
    the join, so that PostgreSQL hashes only that year's standing reports, not the whole table,
    when it joins them to every measure of a plan (40–50 % of each count's time at 25,000
    measures: docs/PERFORMANCE.md, issue 23, item 12 on PostgreSQL).

    This is the rule's definition, and the form SQLite runs. On PostgreSQL the home page's two
    counts read the same report by a LATERAL join instead (lateral._LATEST_REPORT, about half the
    time); tests/test_progress_count_forms.py proves the two forms give the same counts."""
    return FilteredRelation(
        "progress_reports",
        condition=Q(
            progress_reports__fiscal_year=fiscal_year,
            progress_reports__withdrawn_on__isnull=True,
            progress_reports__as_of__lte=as_of,
            progress_reports__id=Subquery(
                _latest_report(as_of=as_of, measure=OuterRef("pk"), fiscal_year=fiscal_year)
            ),
        ),
    )


def reports_latest_as_of(
    *, as_of: date, fiscal_years: Iterable[int] | None = None
) -> QuerySet[ProgressReport]:
    """For each (measure, fiscal year), the latest standing report dated on or before ``as_of``.

    A measure has one standing report a year and date, so there is no tie. A report dated after ``as_of``
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


def _plan_years_where(plan: Plan, condition: Callable[[int], Expression]) -> list[int]:
    """The plan's fiscal years, in order, for which ``condition(year)`` (an Exists, say) holds: one
    query that asks each year, so that the first row found answers for it."""
    found = Plan.objects.filter(pk=plan.pk).values_list(*map(condition, plan.fiscal_years)).get()
    return [year for year, holds in zip(plan.fiscal_years, found, strict=True) if holds]


def fiscal_years_reported_between(*, plan: Plan, after: date, until: date) -> list[int]:
    """The plan's fiscal years with a standing report dated after ``after`` and on or before
    ``until``, or with a report withdrawn in that time.

    Only in these years can a measure's standing as of ``until`` differ from that as of ``after``
    (progress_changes): elsewhere the latest report on both dates is the same. One query, which
    asks of each year whether such a report exists: the first one found answers, where reading
    them all to list their years took 0.3 s at 25,000 measures.
    """
    reports = ProgressReport.objects.filter(measure__plan=plan)
    new = reports.filter(withdrawn_on__isnull=True, as_of__gt=after, as_of__lte=until)
    # The years of the few reports withdrawn in that time, read by the index of withdrawals: asked
    # year by year, or joined to the plan's measures, SQLite reads a year's reports (0.3 s at
    # 25,000 measures) or the plan's.
    withdrawn = (
        ProgressReport.objects.filter(withdrawn_on__gt=after, withdrawn_on__lte=until)
        .filter(Exists(Measure.objects.filter(pk=OuterRef("measure_id"), plan=plan)))
        .order_by()
        .values("fiscal_year")
    )
    return _plan_years_where(
        plan, lambda year: Exists(new.filter(fiscal_year=year)) | In(Value(year), withdrawn)
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
    # Whether each year has such a report, the first one found answering: the latest year among
    # all the plan's reports read them all (0.5 s on PostgreSQL at 25,000 measures).
    reports = ProgressReport.objects.standing().filter(measure__plan=plan, as_of__lte=on)
    latest = max(_plan_years_where(plan, lambda year: Exists(reports.filter(fiscal_year=year))), default=None)
    if latest is not None:
        return latest
    return plan.first_fiscal_year if current < plan.first_fiscal_year else plan.last_fiscal_year
