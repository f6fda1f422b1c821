"""What is public, and when it last changed. Every read here is a fixed number of queries.

Only a plan marked 公開 (``Plan.published``) is open data: its measures, targets and standing
reports, and the drafting schedule of the years it shows (from the year before it to its last
year, as its workbook does, but no year an unpublished plan shows too:
measures.selectors.published_schedule_years). Nothing of an unpublished plan is read here.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import Max, Min, QuerySet, Subquery
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


def _last_change(subqueries: dict) -> datetime | None:
    """The latest of several history tables' last change, in one query (a row of scalar subqueries)."""
    values = Plan.objects.order_by().annotate(**subqueries).values(*subqueries)[:1]
    row = next(iter(values), None)
    known = [moment for moment in (row or {}).values() if moment is not None]
    return max(known) if known else None


def _history_latest(model, **lookups) -> Subquery:
    return Subquery(model.history.filter(**lookups).order_by("-history_date").values("history_date")[:1])


# Lists every plan shares: a renamed status or grade, a department, keyword or technology shows on
# every page that names it.
_SHARED = (ProgressStatus, EvaluationScale, EvaluationGrade, Department, Keyword, Technology)


def plan_changed_at(plan: Plan) -> datetime | None:
    """When anything a published plan's pages show last changed: the plan (its 公開 too), its
    purposes, measures, targets and reports (a withdrawal is a change of the report), and the
    shared lists; a deleted row counts by its deletion. From the change history, one query."""
    return _last_change(
        {
            "plan": _history_latest(Plan, id=plan.pk),
            "purpose": _history_latest(Purpose, plan_id=plan.pk),
            "measure": _history_latest(Measure, plan_id=plan.pk),
            "target": _history_latest(AnnualTarget, measure__plan_id=plan.pk),
            "report": _history_latest(ProgressReport, measure__plan_id=plan.pk),
            **{model._meta.model_name: _history_latest(model) for model in _SHARED},
        }
    )


def schedule_changed_at() -> datetime | None:
    """When anything the public schedule shows last changed: any plan (which years are public
    depends on every plan's period and 公開), the items, public comments, bodies and phases. One query."""
    return _last_change(
        {
            "plan": _history_latest(Plan),
            **{
                model._meta.model_name: _history_latest(model)
                for model in (ScheduledItem, PublicCommentPeriod, Body, Phase)
            },
        }
    )


def plans_changed_at() -> datetime | None:
    """When the list of published plans last changed: any plan's name, period or 公開. One query."""
    return _last_change({"plan": _history_latest(Plan)})
