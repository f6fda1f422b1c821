"""Writes: each validates the whole object before saving, and saves nothing on error.

The admin saves progress reports through them too, so each rule has one home.

A progress report is a record: it is added, never overwritten (the README). Once saved, the
only change it takes is its withdrawal (取り下げ), which records the date, the reason and who
withdrew it. A correction is a new report, or a withdrawal followed by a new one.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from core.versioning import concurrent_edit_message

from .models import Plan, ProgressReport

ALREADY_SAVED = (
    "登録済みの進捗報告は変更できません。内容を直すには、新しい報告を追加するか、"
    "この報告を取り下げてから新しい報告を追加してください。"
)
ALREADY_WITHDRAWN = "この進捗報告はすでに取り下げられています。"


@transaction.atomic
def progress_report_create(*, report: ProgressReport, author=None) -> ProgressReport:
    """Add a new report after validating all of it: the one way reports are written.

    The author is whoever creates the report, set here by the server and never from a form.
    It never changes afterwards, not even by a withdrawal.
    """
    if not report._state.adding:
        raise ValidationError(ALREADY_SAVED)
    report.author = author
    report.full_clean()
    report.save()
    return report


@transaction.atomic
def progress_report_withdraw(
    *, report: ProgressReport, withdrawn_on: date | None, reason: str, by, loaded_version: int
) -> ProgressReport:
    """Withdraw a report: only the date, the reason and who withdrew it change.

    The row is read again under a lock, so a withdrawal never overwrites a newer one; the
    version check says who changed it first. Nothing is saved when any rule is broken.
    """
    current = ProgressReport.objects.select_for_update().get(pk=report.pk)
    if current.version != loaded_version:
        raise ValidationError(concurrent_edit_message(current, loaded_version), code="concurrent_edit")
    if current.withdrawn_on is not None:
        raise ValidationError(ALREADY_WITHDRAWN)
    current.withdrawn_on = withdrawn_on
    current.withdrawal_reason = reason
    current.withdrawn_by = by
    errors = {}
    if withdrawn_on is None:
        errors["withdrawn_on"] = "取り下げ日を入力してください。"
    if not (reason or "").strip():
        errors["withdrawal_reason"] = "取り下げの理由を入力してください。"
    if errors:
        raise ValidationError(errors)
    current.full_clean()
    current.save()
    return current


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
