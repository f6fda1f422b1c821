from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet

from .models import ScheduledItem


@transaction.atomic
def scheduled_items_mark_held(*, items: QuerySet[ScheduledItem]) -> int:
    """Mark items 実施済, each saved on its own so the change history and version record it.

    An item without an actual date keeps it empty: the date is not guessed.
    """
    count = 0
    for item in items.exclude(status=ScheduledItem.Status.HELD).select_for_update().select_related("body"):
        item.status = ScheduledItem.Status.HELD
        item.save(update_fields=["status"])
        count += 1
    return count
