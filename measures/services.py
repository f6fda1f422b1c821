"""Writes: each validates the whole object before saving, and saves nothing on error.

The admin saves progress reports through them too, so each rule has one home.

A progress report is a record: it is added, never overwritten (the README). Once saved, the
only change it takes is its withdrawal (取り下げ), which records the date, the reason and who
withdrew it. A correction is a new report, or a withdrawal followed by a new one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from simple_history.utils import bulk_create_with_history

from core.versioning import concurrent_edit_message

from .models import Measure, Plan, ProgressReport, ProgressStatus

ALREADY_SAVED = (
    "登録済みの進捗報告は変更できません。内容を直すには、新しい報告を追加するか、"
    "この報告を取り下げてから新しい報告を追加してください。"
)
ALREADY_WITHDRAWN = "この進捗報告はすでに取り下げられています。"


# Rows inserted a statement at a time: well inside SQLite's and PostgreSQL's parameter limits.
CREATE_BATCH_SIZE = 500


class InvalidReports(Exception):
    """Some of the reports to add break a rule: {index in the list: its ValidationError}. Nothing was saved."""

    def __init__(self, errors: dict[int, ValidationError]):
        self.errors = errors
        super().__init__(f"{len(errors)} report(s) invalid")


# The rule of one standing report per measure, year and 報告基準日, in the constraint's own words.
UNIQUE_MESSAGE = str(
    next(
        c for c in ProgressReport._meta.constraints if c.name == "report_one_per_measure_year_date"
    ).violation_error_message
)
# Its code, by which a caller tells this error from the others (the upload words it for a file).
UNIQUE_CODE = "report_exists"


def progress_reports_validate(reports: Sequence[ProgressReport]) -> dict[int, ValidationError]:
    """Every rule a new report must meet, for a list of them at once: {index: error}, empty when all pass.

    The model's own rules (full_clean: each field, the period of the plan, the dates of the
    fiscal year) for each report, then what needs the database, each in one query for the whole
    list: that the measure and the status exist, and that no standing report of the same
    measure, year and 報告基準日 exists already, nor twice in the list. A report must be given
    its measure (with its plan) and its status as objects, as a form or the upload does.
    """
    errors: dict[int, ValidationError] = {}

    def add(index: int, error: ValidationError) -> None:
        merged = errors[index].update_error_dict({}) if index in errors else {}
        errors[index] = ValidationError(error.update_error_dict(merged))

    for index, report in enumerate(reports):
        if not report._state.adding:
            add(index, ValidationError(ALREADY_SAVED))
            continue
        try:
            # The foreign keys are checked below for all reports at once, the unique rule too; the
            # author is whoever is signed in.
            report.full_clean(
                exclude=["measure", "status", "author", "accepted_by"],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as error:
            add(index, error)
    measure_ids = {r.measure_id for r in reports if r.measure_id is not None}
    status_ids = {r.status_id for r in reports if r.status_id is not None}
    known_measures = set(Measure.objects.filter(pk__in=measure_ids).values_list("pk", flat=True))
    known_statuses = set(ProgressStatus.objects.filter(pk__in=status_ids).values_list("pk", flat=True))
    for index, report in enumerate(reports):
        if report.measure_id not in known_measures:
            add(index, ValidationError({"measure": "施策を選んでください。選んだ施策は削除されています。"}))
        if report.status_id not in known_statuses:
            add(index, ValidationError({"status": "進捗状況を選んでください。"}))
    keys = [(r.measure_id, r.fiscal_year, r.as_of) for r in reports]
    # All three keys of the unique rule, so that SQLite searches its index (measure, year, date, of
    # the standing reports) rather than every report of the date: with the date alone it chose the
    # date's index, and a round of 5,000 reports accepted an answer at a time read them all again
    # for each answer.
    existing = set(
        ProgressReport.objects.standing()
        .filter(
            measure_id__in=measure_ids,
            fiscal_year__in={k[1] for k in keys if k[1] is not None},
            as_of__in={k[2] for k in keys if k[2] is not None},
        )
        .values_list("measure_id", "fiscal_year", "as_of")
    )
    seen: set = set()
    for index, key in enumerate(keys):
        if None in key or not reports[index]._state.adding:
            continue
        if key in existing or key in seen:
            # Beside the 報告基準日: the date is what a person changes (or withdraws the other report).
            add(index, ValidationError({"as_of": ValidationError(UNIQUE_MESSAGE, code=UNIQUE_CODE)}))
        seen.add(key)
    return errors


@transaction.atomic
def progress_reports_create(
    *, reports: Sequence[ProgressReport], author=None, change_reason: str = ""
) -> list[ProgressReport]:
    """Add new reports after validating all of them: the one way reports are written.

    The admin adds one, the upload (rounds.progress_imports) hundreds; either all are saved, each with
    its history entry (the author as who made it, ``change_reason`` as why), or, when any breaks
    a rule, none is and InvalidReports names each. The author is whoever creates the reports, set
    here by the server and never from a form; it never changes afterwards, not even by a
    withdrawal. A fixed number of queries, whatever the number of reports, but one INSERT per
    CREATE_BATCH_SIZE of them.

    Another request may add the same report between the check and the INSERT (two identical
    POSTs, two uploads of the same rows confirmed at once): the unique constraint refuses the
    second, which is then told what a later request would be told.
    """
    for report in reports:
        report.author = author
    return _reports_insert(reports, history_user=author, change_reason=change_reason)


@transaction.atomic
def progress_reports_accept(
    *, reports: Sequence[ProgressReport], authors: Sequence, accepted_by, change_reason: str = ""
) -> list[ProgressReport]:
    """Add the reports a department entered and the secretariat accepted (a collection round's
    answer, rounds.services): each with the member who entered it as its author and the accepter
    recorded, after the same checks as progress_reports_create, all or none."""
    if len(authors) != len(reports):
        raise ValueError("one author per report")
    for report, author in zip(reports, authors, strict=True):
        report.author = author
        report.accepted_by = accepted_by
    return _reports_insert(reports, history_user=accepted_by, change_reason=change_reason)


def _reports_insert(
    reports: Sequence[ProgressReport], *, history_user, change_reason: str
) -> list[ProgressReport]:
    """Validate all, then insert all with their history entries, or raise InvalidReports."""
    errors = progress_reports_validate(reports)
    if errors:
        raise InvalidReports(errors)
    try:
        # A savepoint: on PostgreSQL a failed INSERT aborts the transaction, and the check below
        # must still run in it (as must the caller's, the upload's confirmation).
        with transaction.atomic():
            return bulk_create_with_history(
                list(reports),
                ProgressReport,
                batch_size=CREATE_BATCH_SIZE,
                default_user=history_user,
                default_change_reason=change_reason or None,
            )
    except IntegrityError:
        # The other request has committed by now (PostgreSQL waits for it before refusing), so
        # the check sees its report. Anything else the database refused is no race: a 500.
        errors = progress_reports_validate(reports)
        if not errors:
            raise
        raise InvalidReports(errors) from None


def progress_report_create(*, report: ProgressReport, author=None) -> ProgressReport:
    """Add one report (the admin's form, the API): progress_reports_create for a list of one."""
    try:
        return progress_reports_create(reports=[report], author=author)[0]
    except InvalidReports as invalid:
        raise invalid.errors[0] from None


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
