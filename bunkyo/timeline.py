"""Recent changes across the whole plan and schedule, from the history tables (django-simple-history)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.urls import reverse

from core.users import display_name
from measures.models import AnnualTarget, Measure, Plan, ProgressReport, Purpose
from schedule.models import PublicCommentPeriod, ScheduledItem

TRACKED_MODELS = (Plan, Purpose, Measure, AnnualTarget, ProgressReport, ScheduledItem, PublicCommentPeriod)
ACTIONS = {"+": "追加", "~": "変更", "-": "削除"}


@dataclass
class TimelineEntry:
    when: datetime
    action: str
    kind: str
    target: str
    who: str
    changed_fields: list[str]
    admin_url: str | None


def _who(record) -> str:
    user = record.history_user
    if user is None:
        return "(システム)"
    return display_name(user)


def _instances_with_relations(model, records):
    """Each record's instance with its foreign keys filled in bulk, so __str__ makes no query."""
    instances = [record.instance for record in records]
    for field in model._meta.concrete_fields:
        if not field.is_relation or not field.many_to_one:
            continue
        ids = {getattr(instance, field.attname) for instance in instances} - {None}
        related = field.related_model._base_manager.in_bulk(ids) if ids else {}
        for instance in instances:
            obj = related.get(getattr(instance, field.attname))
            if obj is not None:
                setattr(instance, field.name, obj)
    return instances


def _describe(instance, opts) -> str:
    try:
        return str(instance)
    except Exception:  # a deleted row whose relations are gone too
        return f"{opts.verbose_name} #{instance.pk}"


def recent_changes(*, limit: int = 100) -> list[TimelineEntry]:
    """The latest ``limit`` changes, newest first, in a fixed number of queries whatever the limit."""
    entries = []
    for model in TRACKED_MODELS:
        opts = model._meta
        history = model.history.model
        records = list(history.objects.select_related("history_user").order_by("-history_date")[:limit])
        # Every earlier record of the changed rows, for "what changed": one query per model.
        earlier_by_id: dict[int, list] = {}
        changed_ids = {r.id for r in records if r.history_type == "~"}
        if changed_ids:
            for old in history.objects.filter(id__in=changed_ids).order_by("history_date"):
                earlier_by_id.setdefault(old.id, []).append(old)
        for record, instance in zip(records, _instances_with_relations(model, records), strict=True):
            changed = []
            earlier = [r for r in earlier_by_id.get(record.id, []) if r.history_date < record.history_date]
            if earlier:
                delta = record.diff_against(earlier[-1])
                changed = [
                    str(opts.get_field(c.field).verbose_name) for c in delta.changes if c.field != "version"
                ]
            entries.append(
                TimelineEntry(
                    when=record.history_date,
                    action=ACTIONS.get(record.history_type, record.history_type),
                    kind=str(opts.verbose_name),
                    target=_describe(instance, opts),
                    who=_who(record),
                    changed_fields=changed,
                    admin_url=None
                    if record.history_type == "-"
                    else reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[record.id]),
                )
            )
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries[:limit]
