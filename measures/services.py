"""Writes: each validates the whole object before saving, and saves nothing on error.

The admin saves progress reports through these functions too, so each rule has one home.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction

from .models import Measure, ProgressReport, ProgressStatus


@transaction.atomic
def progress_report_save(*, report: ProgressReport, author=None) -> ProgressReport:
    """Save a new or changed report after validating all of it.

    The author is whoever creates the report, set here by the server and never from a form.
    It never changes afterwards: editing or withdrawing a report, even one recorded without
    an author (the demo data, an import), leaves it as it was. The version check
    (core.versioning) refuses a save over someone else's newer one.
    """
    if report.author_id is None and report._state.adding:
        report.author = author
    report.full_clean()
    report.save()
    return report


def progress_report_create(
    *,
    measure: Measure,
    fiscal_year: int,
    as_of: date,
    status: ProgressStatus,
    progress_percent: int,
    actual_value: Decimal | None = None,
    narrative: str = "",
    issues: str = "",
    next_steps: str = "",
    author=None,
) -> ProgressReport:
    """Record a new report. Earlier reports stay as they were: the reports are a history."""
    report = ProgressReport(
        measure=measure,
        fiscal_year=fiscal_year,
        as_of=as_of,
        status=status,
        progress_percent=progress_percent,
        actual_value=actual_value,
        narrative=narrative,
        issues=issues,
        next_steps=next_steps,
    )
    return progress_report_save(report=report, author=author)
