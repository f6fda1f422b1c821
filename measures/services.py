"""Writes: each validates the whole object before saving, and saves nothing on error.

The admin saves progress reports through them too, so each rule has one home.
"""

from __future__ import annotations

from django.db import transaction

from .models import ProgressReport


@transaction.atomic
def progress_report_save(*, report: ProgressReport, author=None) -> ProgressReport:
    """Save a new or changed report after validating all of it: the one way reports are written.

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
