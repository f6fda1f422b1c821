"""The Excel upload's writes: keep what an upload read (the preview), then add its reports (the confirmation).

The reports are added by measures.services.progress_reports_create, the service the admin uses,
so the period rule, the unique 報告基準日, the history and the author hold for imported reports.
Either every row of an upload becomes a report or none does.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from core import fiscal
from measures.models import ProgressStatus
from measures.selectors import reports_latest_as_of
from measures.services import InvalidReports, progress_reports_create

from .importing import (
    LATEST,
    ImportScope,
    NewReport,
    as_json,
    build_reports,
    measures_with_plans,
    read_uploads,
)
from .models import ProgressImport

# A preview not confirmed within this long is dropped: its figures may no longer be the latest.
PREVIEW_KEPT = timedelta(days=7)
ALREADY_IMPORTED = "この取込はすでに登録済みです。同じ報告が二重に登録されることはありません。"
DISCARDED = "この取込は取りやめたか、期限が切れています。ファイルをもう一度アップロードしてください。"
HAS_PROBLEMS = "問題のある行があるため登録できません。ファイルを直して、もう一度アップロードしてください。"
NOTHING_TO_ADD = "登録する報告がありません(すべての行が登録済みの内容と同じか、未記入です)。"
NOT_YOURS = "この取込を登録できるのは、アップロードした職員だけです。"


def progress_import_preview(*, scope: ImportScope, files: Sequence, user) -> ProgressImport:
    """Read the uploaded files and keep what they would add, and every problem, for the preview.

    ``files``: (name, binary file) pairs. Nothing but this record is saved.
    """
    ProgressImport.objects.filter(
        state=ProgressImport.State.PREVIEW, uploaded_at__lt=timezone.now() - PREVIEW_KEPT
    ).update(state=ProgressImport.State.DISCARDED, reports=[], problems=[])
    result = read_uploads(scope=scope, files=files)
    kept = as_json(result)
    return ProgressImport.objects.create(
        plan=scope.plan,
        fiscal_year=scope.fiscal_year,
        uploaded_by=user,
        files=result.files,
        reports=kept["reports"],
        problems=kept["problems"],
        unchanged_count=result.unchanged,
        blank_count=result.blank,
    )


def import_note(upload: ProgressImport, row: NewReport) -> str:
    """The report's 備考: which upload and which file it came from."""
    return f"Excel取込(取込番号{upload.pk}): {row.file} {row.sheet} {row.row}行目"


@transaction.atomic
def progress_import_confirm(*, upload: ProgressImport, user) -> ProgressImport:
    """Add every report of the upload, or none.

    Refused when the upload has problems, was confirmed or discarded already, is someone
    else's, or when a measure's latest report changed after the preview (the figures shown
    would not be what is added on). A fixed number of queries, however many rows.
    """
    upload = ProgressImport.objects.select_for_update().get(pk=upload.pk)
    if upload.uploaded_by_id != user.pk:
        raise PermissionDenied(NOT_YOURS)
    if upload.state == ProgressImport.State.IMPORTED:
        raise ValidationError(ALREADY_IMPORTED)
    if upload.state != ProgressImport.State.PREVIEW or upload.uploaded_at < timezone.now() - PREVIEW_KEPT:
        raise ValidationError(DISCARDED)
    if upload.problems:
        raise ValidationError(HAS_PROBLEMS)
    rows = [NewReport(**{**row, "changes": []}) for row in upload.reports]
    if not rows:
        raise ValidationError(NOTHING_TO_ADD)
    _refuse_if_changed_since_preview(upload, rows)
    scope = ImportScope(plan=upload.plan, fiscal_year=upload.fiscal_year)
    measures = measures_with_plans(row.measure_id for row in rows)
    statuses = ProgressStatus.objects.in_bulk({row.status_id for row in rows})
    reports = build_reports(rows, scope, measures, statuses)
    for report, row in zip(reports, rows, strict=True):
        report.notes = import_note(upload, row)
    try:
        progress_reports_create(reports=reports, author=user, change_reason=f"Excel取込(取込番号{upload.pk})")
    except InvalidReports as invalid:
        first = min(invalid.errors)
        row = rows[first]
        messages = " ".join(invalid.errors[first].messages)
        raise ValidationError(
            f"「{row.file}」{row.row}行目(施策 {row.measure_label}): {messages} "
            f"ほかにも問題のある行が{len(invalid.errors) - 1}行あります。何も登録していません。"
            if len(invalid.errors) > 1
            else f"「{row.file}」{row.row}行目(施策 {row.measure_label}): {messages} 何も登録していません。"
        ) from None
    upload.state = ProgressImport.State.IMPORTED
    upload.imported_at = timezone.now()
    upload.report_count = len(reports)
    upload.save(update_fields=["state", "imported_at", "report_count"])
    return upload


def _refuse_if_changed_since_preview(upload: ProgressImport, rows: Sequence[NewReport]) -> None:
    latest = dict(
        reports_latest_as_of(as_of=LATEST, fiscal_years=[upload.fiscal_year])
        .filter(measure_id__in={row.measure_id for row in rows})
        .values_list("measure_id", "pk")
    )
    # Each measure once, in the order of the rows: several files (or rows) may add to one measure.
    moved = {
        row.measure_id: row.measure_label for row in rows if latest.get(row.measure_id) != row.previous_id
    }
    if moved:
        labels = list(moved.values())
        names = "、".join(labels[:5]) + (" ほか" if len(labels) > 5 else "")
        raise ValidationError(
            f"プレビューの後で、次の施策の{fiscal.fiscal_year_label(upload.fiscal_year)}の報告が変わりました: {names}。"
            "何も登録していません。ファイルをもう一度アップロードして、最新の内容と比べてください。"
        )


def progress_import_discard(*, upload: ProgressImport, user) -> ProgressImport:
    """取りやめ: the preview is dropped and nothing is added. Only a preview is: a confirmation
    running at the same moment (another tab) keeps its record."""
    if upload.uploaded_by_id != user.pk:
        raise PermissionDenied(NOT_YOURS)
    dropped = ProgressImport.objects.filter(pk=upload.pk, state=ProgressImport.State.PREVIEW).update(
        state=ProgressImport.State.DISCARDED, reports=[], problems=[]
    )
    upload.refresh_from_db()
    if not dropped:
        raise ValidationError(
            ALREADY_IMPORTED if upload.state == ProgressImport.State.IMPORTED else DISCARDED
        )
    return upload
