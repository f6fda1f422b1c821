"""Writes: each validates the whole object before saving, and saves nothing on error.

The admin saves progress reports through them too, so each rule has one home.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction

from .models import Plan, ProgressReport


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


@transaction.atomic
def plan_adopt(*, plan: Plan, adopted_on: date, reason: str = "") -> Plan:
    """Mark a plan 策定済 on its adoption date, after validating the whole plan (Plan.clean: the date
    lies between the start of the drafting year and the plan's end, and is not ahead of today).

    ``reason`` becomes the 変更理由 of the history entry the save records.
    """
    plan.status = Plan.Status.ADOPTED
    plan.adopted_on = adopted_on
    plan.full_clean()
    if reason:
        plan._change_reason = reason  # django-simple-history's history_change_reason
    plan.save()
    return plan
