"""Targets as first set: where a year's target value was revised, the value it had before."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import QuerySet

from ..models import AnnualTarget, Measure


def targets_first_values(measures: QuerySet[Measure]) -> dict[tuple[int, int], Decimal | None]:
    """The target value each (measure id, fiscal year) was first saved with, from the targets' change
    history, for the targets that still exist. A target loaded without history has no entry. One query."""
    records = (
        AnnualTarget.history.filter(
            measure_id__in=measures.order_by().values("pk"),
            id__in=AnnualTarget.objects.filter(measure__in=measures.order_by().values("pk")).values("pk"),
        )
        .order_by("id", "history_date", "history_id")
        .values_list("id", "measure_id", "fiscal_year", "target_value")
    )
    first: dict[int, tuple[int, int, Decimal | None]] = {}
    for target_id, measure_id, fiscal_year, value in records.iterator(chunk_size=2000):
        first.setdefault(target_id, (measure_id, fiscal_year, value))
    return {(measure_id, year): value for measure_id, year, value in first.values()}
