from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet

from .models import ScheduledItem


@transaction.atomic
def scheduled_items_mark_held(*, items: QuerySet[ScheduledItem]) -> int:
    """Mark items 実施済. An item without an actual date keeps it empty: the date is not guessed."""
    return items.exclude(status=ScheduledItem.Status.HELD).update(status=ScheduledItem.Status.HELD)
