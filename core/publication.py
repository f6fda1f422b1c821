"""Which fiscal years of the drafting schedule are public, asked without importing the plan's app.

A published plan (measures' Plan.published) shows the schedule from the year before it to its
last year, and anyone may read those years through the API. schedule may not import measures, so
measures registers a function here when it starts (MeasuresConfig.ready) and schedule asks it.
"""

from __future__ import annotations

from collections.abc import Callable

_public_years: list[Callable[[], set[int]]] = []


def register_public_years(years: Callable[[], set[int]]) -> None:
    """Register ``years()``, which returns the fiscal years whose schedule anyone may read."""
    if years not in _public_years:
        _public_years.append(years)


def public_fiscal_years() -> set[int]:
    """Every registered public year; none when nothing is published."""
    return {year for years in _public_years for year in years()}
