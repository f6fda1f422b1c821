"""Records other apps keep by fiscal year, counted without importing those apps.

A plan (measures) shows the drafting schedule (schedule) from the year before it to its last
year, but measures and schedule never import each other. So the app that owns such records
registers a counter here when it starts (schedule: ScheduleConfig.ready), and Plan.clean asks
every registered counter before it lets a period shrink away from them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass


@dataclass(frozen=True)
class YearCount:
    """How many records of one kind (会議・報告の予定 …) each fiscal year holds."""

    label: str
    by_year: dict[int, int]

    @property
    def total(self) -> int:
        return sum(self.by_year.values())


YearCounter = Callable[[Collection[int]], list[YearCount]]
_counters: list[YearCounter] = []


def register_year_counter(counter: YearCounter) -> None:
    """Register ``counter(years)``, which returns a YearCount per kind of record for those years."""
    if counter not in _counters:
        _counters.append(counter)


def records_in_years(years: Collection[int]) -> list[YearCount]:
    """Every registered kind of record in these fiscal years; kinds with none are left out."""
    if not years:
        return []
    return [count for counter in _counters for count in counter(years) if count.total]
