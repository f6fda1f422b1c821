"""Writes: each validates the whole object before saving, and saves nothing on error."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction

from .models import Measure, ProgressReport, ProgressStatus


@transaction.atomic
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
        author=author,
    )
    report.full_clean()
    report.save()
    return report
