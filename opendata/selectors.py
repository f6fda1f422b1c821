"""What is public, and when it last changed. Every read here is a fixed number of queries.

Only a plan marked 公開 (``Plan.published``) is open data: its measures, targets and standing
reports, and the drafting schedule of the years it shows (from the year before it to its last
year, as its workbook does, but no year an unpublished plan shows too:
measures.selectors.published_schedule_years). Nothing of an unpublished plan is read here.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime

from django.db import connection
from django.db.models import Max, Min, QuerySet
from django.utils import timezone

from measures.models import (
    AnnualTarget,
    Department,
    EvaluationGrade,
    EvaluationScale,
    Keyword,
    Measure,
    Plan,
    ProgressReport,
    ProgressStatus,
    Purpose,
    Technology,
)
from measures.selectors import published_only, published_schedule_years
from schedule.models import Body, Phase, PublicCommentPeriod, ScheduledItem


def plans_published() -> tuple[list[Plan], list[int]]:
    """The published plans, oldest first, and the schedule years anyone may read
    (measures.selectors.published_schedule_years, which weighs the unpublished plans too). One query."""
    plans = list(Plan.objects.order_by("first_fiscal_year", "pk"))
    return [plan for plan in plans if plan.published], sorted(published_schedule_years(plans))


def scheduled_items_published(years: list[int]) -> QuerySet[ScheduledItem]:
    """The meetings and reports of those years, in the schedule's order (bodies, then fiscal months)."""
    return (
        ScheduledItem.objects.filter(fiscal_year__in=years)
        .select_related("body", "phase")
        .order_by(*ScheduledItem._meta.ordering, "pk")
    )


def public_comments_published(years: list[int]) -> QuerySet[PublicCommentPeriod]:
    """The public comment periods of those years, in the schedule's order."""
    return (
        PublicCommentPeriod.objects.filter(fiscal_year__in=years)
        .select_related("body")
        .order_by(*PublicCommentPeriod._meta.ordering, "pk")
    )


def _latest(model, **lookups) -> date | None:
    """The day of the latest change history record of ``model``'s rows that match (one query)."""
    latest = model.history.filter(**lookups).aggregate(latest=Max("history_date"))["latest"]
    return timezone.localdate(latest) if latest else None


def _newest(*days: date | None) -> date | None:
    known = [day for day in days if day is not None]
    return max(known) if known else None


def modified_measures(plans: list[Plan]) -> date | None:
    """When the measures dataset last changed: the plans, purposes, measures, targets or reports
    (a withdrawal too, which takes a row out). Five queries."""
    ids = [plan.pk for plan in plans]
    return _newest(
        _latest(Plan, id__in=ids),
        _latest(Purpose, plan_id__in=ids),
        _latest(Measure, plan_id__in=ids),
        _latest(AnnualTarget, measure__plan_id__in=ids),
        _latest(ProgressReport, measure__plan_id__in=ids),
    )


def modified_reports(plans: list[Plan]) -> date | None:
    """When the progress reports dataset last changed: the measures or their reports. Two queries."""
    ids = [plan.pk for plan in plans]
    return _newest(
        _latest(Measure, plan_id__in=ids),
        _latest(ProgressReport, measure__plan_id__in=ids),
    )


def modified_scheduled_items(years: list[int]) -> date | None:
    """When the schedule's meetings and reports last changed: the items, their bodies and phases. Three queries."""
    return _newest(
        _latest(ScheduledItem, fiscal_year__in=years),
        _latest(Body),
        _latest(Phase, fiscal_year__in=years),
    )


def modified_public_comments(years: list[int]) -> date | None:
    """When the public comment periods last changed: the periods and the bodies. Two queries."""
    return _newest(_latest(PublicCommentPeriod, fiscal_year__in=years), _latest(Body))


def keywords_published() -> list[str]:
    """The 施策のキーワード of the published plans' purposes and measures, in their order. One query."""
    return list(
        published_only(Keyword.objects.all()).order_by("order", "name").values_list("name", flat=True)
    )


def first_published(plans: list[Plan]) -> date | None:
    """The day the first of these plans was marked 公開 (its earliest history record so marked),
    else the earliest 策定日 of them (plans loaded without history). One query."""
    first = Plan.history.filter(id__in=[plan.pk for plan in plans], published=True).aggregate(
        first=Min("history_date")
    )["first"]
    if first:
        return timezone.localdate(first)
    adopted = [plan.adopted_on for plan in plans if plan.adopted_on]
    return min(adopted) if adopted else None


# ---- When a public page last changed (its ETag and Last-Modified) -----------------------------
#
# A revalidating client (If-None-Match) is answered from these alone, so they are one statement
# each, written once from the models' own table and column names: building the same query with the
# ORM (eleven history managers and subqueries) cost several times the statement itself.


def _column(model, name: str) -> str:
    return connection.ops.quote_name(model.history.model._meta.get_field(name).column)


def _table(model) -> str:
    return connection.ops.quote_name(model.history.model._meta.db_table)


def _latest_sql(model, where: str = "") -> str:
    """The latest change record of ``model``'s history (restricted by ``where``)."""
    return f"SELECT MAX({_column(model, 'history_date')}) AS changed FROM {_table(model)}" + (
        f" WHERE {where}" if where else ""
    )


# Lists every plan shares: a renamed status or grade, a department, keyword or technology shows on
# every page that names it.
_SHARED = (ProgressStatus, EvaluationScale, EvaluationGrade, Department, Keyword, Technology)


@functools.cache
def _plan_sql() -> str:
    measures = (
        f"SELECT {connection.ops.quote_name(Measure._meta.pk.column)} "
        f"FROM {connection.ops.quote_name(Measure._meta.db_table)} "
        f"WHERE {connection.ops.quote_name(Measure._meta.get_field('plan').column)} = %s"
    )
    parts = [
        _latest_sql(Plan, f"{_column(Plan, 'id')} = %s"),
        _latest_sql(Purpose, f"{_column(Purpose, 'plan')} = %s"),
        _latest_sql(Measure, f"{_column(Measure, 'plan')} = %s"),
        _latest_sql(AnnualTarget, f"{_column(AnnualTarget, 'measure')} IN ({measures})"),
        _latest_sql(ProgressReport, f"{_column(ProgressReport, 'measure')} IN ({measures})"),
        *(_latest_sql(model) for model in _SHARED),
    ]
    return "SELECT MAX(changed) FROM (" + " UNION ALL ".join(parts) + ") AS changes"


@functools.cache
def _schedule_sql() -> str:
    parts = [_latest_sql(model) for model in (Plan, ScheduledItem, PublicCommentPeriod, Body, Phase)]
    return "SELECT MAX(changed) FROM (" + " UNION ALL ".join(parts) + ") AS changes"


def _changed_at(sql: str, params: list) -> datetime | None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        (changed,) = cursor.fetchone()
    if changed is None:
        return None
    if isinstance(changed, str):  # SQLite hands a MAX over a UNION back as text
        changed = datetime.fromisoformat(changed)
    return changed if timezone.is_aware(changed) else timezone.make_aware(changed, UTC)


def plan_changed_at(plan: Plan) -> datetime | None:
    """When anything a published plan's pages show last changed: the plan (its 公開 too), its
    purposes, measures, targets and reports (a withdrawal is a change of the report), and the
    shared lists; a deleted row counts by its deletion record. From the change history, one query."""
    return _changed_at(_plan_sql(), [plan.pk] * 5)


def schedule_changed_at() -> datetime | None:
    """When anything the public schedule shows last changed: any plan (which years are public
    depends on every plan's period and 公開), the items, public comments, bodies and phases. One query."""
    return _changed_at(_schedule_sql(), [])


def plans_changed_at() -> datetime | None:
    """When the list of published plans last changed: any plan's name, period or 公開. One query."""
    return _changed_at(f"SELECT MAX(changed) FROM ({_latest_sql(Plan)}) AS changes", [])
