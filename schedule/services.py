from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from core.versioning import changes_merge

from .models import CalendarFeedKey, ScheduledItem


@dataclass
class MarkHeldResult:
    """What scheduled_items_mark_held did with each selected item not yet 実施済."""

    # Marked 実施済, with the names of the fields that changed (status, and actual_date if it was filled in).
    held: list[tuple[ScheduledItem, list[str]]] = field(default_factory=list)
    # Of those, the items whose empty 実施日 was taken from their 予定日.
    dated_from_plan: list[ScheduledItem] = field(default_factory=list)
    # Not marked: no 実施日 and no 予定日 to take it from.
    undated: list[ScheduledItem] = field(default_factory=list)
    # Not marked: the item would not be valid (the reasons, in Japanese).
    refused: list[tuple[ScheduledItem, list[str]]] = field(default_factory=list)


@transaction.atomic
def scheduled_items_mark_held(*, items: QuerySet[ScheduledItem]) -> MarkHeldResult:
    """Mark items 実施済, each validated and saved on its own so the change history and version record it.

    実施済 needs a 実施日: an item without one takes its 予定日; an item with neither is left as it is.
    """
    result = MarkHeldResult()
    # Lock the rows themselves: the admin's queryset joins the optional phase, which
    # PostgreSQL cannot lock (FOR UPDATE on the nullable side of an outer join).
    pks = items.exclude(status=ScheduledItem.Status.HELD).values("pk")
    locked = ScheduledItem.objects.select_for_update(of=("self",)).select_related("body")
    for item in locked.filter(pk__in=pks).order_by("pk"):
        changed = ["status"]
        if item.actual_date is None:
            if item.planned_date is None:
                result.undated.append(item)
                continue
            item.actual_date = item.planned_date
            changed.append("actual_date")
        item.status = ScheduledItem.Status.HELD
        try:
            item.full_clean()
        except ValidationError as error:
            result.refused.append((item, error.messages))
            continue
        item.save(update_fields=changed)
        result.held.append((item, changed))
        if "actual_date" in changed:
            result.dated_from_plan.append(item)
    return result


@transaction.atomic
def scheduled_item_update(*, item: ScheduledItem, changes: dict, loaded_version: int) -> ScheduledItem:
    """Change an item (the API's PATCH) by the admin's rules: the whole item validated, nothing
    saved on error, and merged field by field with what someone saved after ``loaded_version`` was
    read (core.versioning.changes_merge: only a field both changed is refused).

    The row is read again under a lock, so the check and the save see the same version.
    """
    current = ScheduledItem.objects.select_for_update(of=("self",)).get(pk=item.pk)
    # Someone saved it since: their changes stay, these are added; a field both changed is refused.
    changes_merge(current, changes, loaded_version)
    for name, value in changes.items():
        setattr(current, name, value)
    current.full_clean()
    current.save()
    return current


def _new_feed_key() -> str:
    # 32 URL-safe characters, the column's length and the shape schedule.feeds accepts.
    return secrets.token_urlsafe(24)


def calendar_feed_key_reset(*, user) -> CalendarFeedKey:
    """Give ``user`` a new key to the calendar feed; the subscription URL made from the old one stops working."""
    key, _ = CalendarFeedKey.objects.update_or_create(user=user, defaults={"key": _new_feed_key()})
    return key


def calendar_feed_keys_rotate(*, user_ids) -> int:
    """A new key for each of these users who has one, because their access changed (a new
    password, a deactivated account, a role taken away: schedule.receivers). The old subscription
    URL stops working; the user's 「カレンダーの購読」 page shows the new one. Returns how many.

    A user without a key is given none: the URL is issued only when its user asks.
    """
    keys = list(CalendarFeedKey.objects.filter(user_id__in=list(user_ids)))
    for key in keys:
        key.key = _new_feed_key()
        key.save(update_fields=["key", "created_at"])  # created_at (発行日時) is auto_now
    return len(keys)
