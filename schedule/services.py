from __future__ import annotations

import secrets
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from core import fiscal
from core.versioning import changes_merge, concurrent_edit_message, fields_changed_since

from .models import CalendarFeedKey, ScheduledItem


class MarkHeldRefused(Exception):
    """scheduled_items_mark_held saved nothing: ``refusals`` holds, by item pk, why each refused item
    cannot be 実施済 (a ValidationError, its messages in Japanese)."""

    def __init__(self, refusals: dict[int, ValidationError]):
        self.refusals = refusals
        super().__init__(f"{len(refusals)} scheduled item(s) refused")


# As the page of dates lists them: by fiscal year and month (April first), then day and body.
MARK_HELD_ORDER = (
    "fiscal_year",
    fiscal.fiscal_month_order("planned_month"),
    "planned_date",
    "body__order",
    "pk",
)


def _items_to_mark(items: QuerySet[ScheduledItem], *, lock: bool) -> list[ScheduledItem]:
    """The items not yet 実施済, read again (under a lock when saving), in the order the page lists them."""
    # Lock the rows themselves: the admin's queryset joins the optional phase, which
    # PostgreSQL cannot lock (FOR UPDATE on the nullable side of an outer join).
    pks = items.exclude(status=ScheduledItem.Status.HELD).values("pk")
    rows = ScheduledItem.objects.select_for_update(of=("self",)) if lock else ScheduledItem.objects
    return list(rows.filter(pk__in=pks).select_related("body").order_by(*MARK_HELD_ORDER))


def _marked(
    item: ScheduledItem, day: date | None, loaded_version: int | None
) -> tuple[list[str], ValidationError | None]:
    """``item`` made 実施済 on ``day`` (not saved): the fields that change, or why it cannot be.

    The model's rules decide (ScheduledItem.clean: a 実施日 is required, within the item's year and
    the months after it, and not ahead of today). An item someone changed after ``loaded_version``
    was read is refused only when they changed its 状況 or 実施日; another field's change is kept.
    """
    held = {"status": ScheduledItem.Status.HELD, "actual_date": day}
    if loaded_version is not None and loaded_version != item.version:
        changed = fields_changed_since(item, loaded_version)
        if changed is None or changed & held.keys():
            return [], ValidationError(concurrent_edit_message(item, loaded_version), code="concurrent_edit")
    fields = [name for name, value in held.items() if getattr(item, name) != value]
    for name, value in held.items():
        setattr(item, name, value)
    try:
        item.full_clean()
    except ValidationError as error:
        return fields, error
    return fields, None


def scheduled_items_mark_held_refusals(
    *,
    items: QuerySet[ScheduledItem],
    dates: dict[int, date | None],
    loaded_versions: dict[int, int] | None = None,
) -> dict[int, ValidationError]:
    """Why each of ``items`` not yet 実施済 could not be marked so on its date in ``dates`` (by pk),
    by the same rules as scheduled_items_mark_held; saves nothing. For a page that must show every
    row's reason at once, some of its dates not being dates at all."""
    versions = loaded_versions or {}
    refusals = {}
    for item in _items_to_mark(items, lock=False):
        _, error = _marked(item, dates.get(item.pk), versions.get(item.pk))
        if error is not None:
            refusals[item.pk] = error
    return refusals


@transaction.atomic
def scheduled_items_mark_held(
    *,
    items: QuerySet[ScheduledItem],
    dates: dict[int, date | None],
    loaded_versions: dict[int, int] | None = None,
    reason: str = "",
) -> list[tuple[ScheduledItem, list[str]]]:
    """Mark ``items`` 実施済, each on its 実施日 in ``dates`` (by pk): all of them, or none.

    Each item is validated by the model's rules (see _marked); when any is refused, nothing is
    saved and MarkHeldRefused says why, item by item. Otherwise each is saved on its own, so that
    its 変更履歴 and version record it (``reason`` becomes the history's 変更理由). Items already
    実施済 are left as they are. ``loaded_versions`` (by pk) are the versions the dates were typed
    against. Returns each item marked, with the names of the fields that changed.
    """
    versions = loaded_versions or {}
    marked, refusals = [], {}
    for item in _items_to_mark(items, lock=True):
        fields, error = _marked(item, dates.get(item.pk), versions.get(item.pk))
        if error is not None:
            refusals[item.pk] = error
        marked.append((item, fields))
    if refusals:
        raise MarkHeldRefused(refusals)
    for item, fields in marked:
        if reason:
            item._change_reason = reason  # django-simple-history's history_change_reason
        item.save(update_fields=fields)
    return marked


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
