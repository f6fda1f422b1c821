"""Changes across the whole plan and schedule, from the history tables (django-simple-history).

Every entry reads as on an object's own 変更履歴 page (core.history): labels, names, 和暦, 「なし」,
and no entry that changed nothing shown. The list is one query over the history tables of every
tracked model (a UNION, filtered and sorted in the database) plus its count; the page's records
are then read at a fixed number of queries per kind on the page, whatever the page size or the
number of records.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import reduce
from operator import or_

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.db.models import Exists, IntegerField, OuterRef, Value
from django.urls import reverse
from django.utils import timezone

from core import history
from core.history import FieldChange
from core.users import display_name
from measures.models import AnnualTarget, Measure, Plan, ProgressReport, Purpose
from rounds.models import Answer, AnswerRow, Round
from schedule.models import PublicCommentPeriod, ScheduledItem

TRACKED_MODELS = (
    Plan,
    Purpose,
    Measure,
    AnnualTarget,
    ProgressReport,
    ScheduledItem,
    PublicCommentPeriod,
    # Collection rounds: who opened, entered, submitted, returned (and why) and accepted.
    Round,
    Answer,
    AnswerRow,
)
PAGE_SIZE = 50
SYSTEM_USER = "system"  # the 変更者 filter's value for changes made by a command


@dataclass
class TimelineEntry:
    when: datetime
    action: str
    kind: str
    target: str
    who: str
    changes: list[FieldChange]
    admin_url: str | None


def timeline_kinds() -> list[tuple[str, str]]:
    """The 種類 a person may choose: each tracked model by its Japanese name."""
    return [(model._meta.model_name, str(model._meta.verbose_name)) for model in TRACKED_MODELS]


def timeline_people() -> list[tuple[str, str]]:
    """The 変更者 a person may choose: (システム) and everyone who changed something, in one query."""
    recorded = (
        Exists(model.history.model.objects.filter(history_user=OuterRef("pk"))) for model in TRACKED_MODELS
    )
    users = get_user_model().objects.filter(reduce(or_, recorded))
    people = sorted((display_name(user), str(user.pk)) for user in users)
    return [(SYSTEM_USER, history.SYSTEM), *((pk, name) for name, pk in people)]


def _moment(day: date):
    """The first moment of a day in the ward's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


def _records(model, index: int, *, user: str | None, date_from: date | None, date_to: date | None):
    records = model.history.model.objects.all()
    if user == SYSTEM_USER:
        records = records.filter(history_user__isnull=True)
    elif user:
        records = records.filter(history_user_id=int(user))
    if date_from is not None:
        records = records.filter(history_date__gte=_moment(date_from))
    if date_to is not None:
        records = records.filter(history_date__lt=_moment(date_to + timedelta(days=1)))
    return (
        history.shown_changes(records)
        .annotate(timeline_kind=Value(index, output_field=IntegerField()))
        .order_by()
        .values_list("timeline_kind", "history_id", "history_date", history.PREVIOUS)
    )


def timeline_page(
    *,
    page: str | int | None = None,
    kind: str | None = None,
    user: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    per_page: int = PAGE_SIZE,
) -> Page:
    """One page of the changes, newest first, narrowed by kind (a model name), person (a user id or
    SYSTEM_USER) and the days of the change; its object_list is TimelineEntry. A page number that is
    no page gives the nearest page, as Django's admin lists do."""
    chosen = [
        (i, model) for i, model in enumerate(TRACKED_MODELS) if not kind or model._meta.model_name == kind
    ]
    queries = [_records(model, i, user=user, date_from=date_from, date_to=date_to) for i, model in chosen]
    rows = queries[0].union(*queries[1:], all=True).order_by("-history_date", "-history_id", "timeline_kind")
    result = Paginator(rows, per_page).get_page(page)
    result.object_list = _entries(list(result.object_list))
    return result


def _entries(rows) -> list[TimelineEntry]:
    """The page's rows read as people read them: per kind, the records, those before them, and the
    rows their foreign keys name (core.history.read_records)."""
    by_kind = defaultdict(dict)
    for index, history_id, _, previous_id in rows:
        by_kind[index][history_id] = previous_id
    read = {}
    for index, previous_ids in by_kind.items():
        history_model = TRACKED_MODELS[index].history.model
        records = history_model.objects.select_related("history_user").in_bulk(list(previous_ids))
        for history_id, record in records.items():
            setattr(record, history.PREVIOUS, previous_ids[history_id])
        for record_read in history.read_records(records.values()):
            read[index, record_read.record.history_id] = record_read
    return [_entry(TRACKED_MODELS[index], read[index, history_id]) for index, history_id, _, _ in rows]


def _entry(model, read: history.ReadRecord) -> TimelineEntry:
    opts = model._meta
    record = read.record
    return TimelineEntry(
        when=record.history_date,
        action=read.action,
        kind=str(opts.verbose_name),
        target=read.target,
        who=read.who,
        changes=read.changes,
        admin_url=None
        if record.history_type == "-" or not admin.site.is_registered(model)
        else reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[record.id]),
    )
