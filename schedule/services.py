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
    # Lock the rows themselves: the admin's queryset joins the optional phase, which
    # PostgreSQL cannot lock (FOR UPDATE on the nullable side of an outer join).
    pks = items.exclude(status=ScheduledItem.Status.HELD).values("pk")
    for item in ScheduledItem.objects.select_for_update().filter(pk__in=pks).order_by("pk"):
        item.status = ScheduledItem.Status.HELD
        item.save(update_fields=["status"])
        count += 1
    return count
