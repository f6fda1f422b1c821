"""The Excel upload's writes: keep the uploaded files, read them in the background into a preview, then
add its reports (the confirmation).

The upload request only keeps the files (progress_import_upload) and asks the worker (manage.py
db_worker, progress_import_read_task) to read them (progress_import_read): reading a file at the row limit takes
seconds, which no request worker should spend (docs/import-limits.md).

The reports are added by measures.services.progress_reports_create, the service the admin uses,
so the period rule, the unique 報告基準日, the history and the author hold for imported reports.
Either every row of an upload becomes a report or none does.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Min
from django_tasks import task

from core import clock, fiscal
from core.worker import WaitingJobs
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
from .models import ProgressImport, ProgressImportFile
from .xlsx_upload import DEFAULT_LIMITS

logger = logging.getLogger(__name__)

# A preview not confirmed within this long is dropped: its figures may no longer be the latest.
# So is an upload whose files the worker has not read by then (it was stopped all that time).
PREVIEW_KEPT = timedelta(days=7)
ALREADY_IMPORTED = "この取込はすでに登録済みです。同じ報告が二重に登録されることはありません。"
DISCARDED = "この取込は取りやめたか、期限が切れています。ファイルをもう一度アップロードしてください。"
HAS_PROBLEMS = "問題のある行があるため登録できません。ファイルを直して、もう一度アップロードしてください。"
NOTHING_TO_ADD = "登録する報告がありません(すべての行が登録済みの内容と同じか、未記入です)。"
NOT_YOURS = "この取込を登録できるのは、アップロードした職員だけです。"
STILL_READING = (
    "ファイルを読み込んでいる途中です。読み込みが終わって内容を確かめてから、もう一度操作してください。"
)
# The reader refuses every file it foresees with a message of its own (rounds.xlsx_upload); this is
# for what it does not foresee, whose traceback goes to the worker's log and its task's record.
READ_FAILED = (
    "ファイルを読み込む途中で予期しないエラーが起きたため、この取込は読み込めませんでした。何も登録していません。"
    "ファイルをExcelで開いて保存し直してから、もう一度アップロードしてください。"
    "同じファイルでまた起きるときは、システム管理者にお知らせください。"
)
# Told beside an upload ProgressImport.is_waiting_too_long, on its page and by its status for the
# page's script: the same rule and the same two causes as a workbook's (reports.workbook_jobs.NOT_STARTED_NOTICE).
NOT_STARTED_NOTICE = (
    "1分以上たっても読み込みが始まっていません。ファイルを読み込む処理(ワーカー)が止まっているか、"
    "ほかの処理(大きなExcelファイルの作成など)が続いている可能性があります。"
    "しばらく待っても始まらないときは、システム管理者に、ワーカー(manage.py db_worker)が動いているか"
    "確かめるよう依頼してください。"
)


def progress_import_upload(*, scope: ImportScope, files: Sequence, user) -> ProgressImport:
    """What the upload page does: keep the files and ask the worker to read them. Returns at once,
    the upload 読込中 (read already with the immediate backend of tests and development).

    ``files``: (name, binary file) pairs, already counted by the form.
    """
    # One transaction: the database backend's worker sees the task only with the files beside it.
    with transaction.atomic():
        upload = progress_import_store(scope=scope, files=files, user=user)
        progress_import_read_task.enqueue(upload.pk)
    upload.refresh_from_db()
    return upload


@transaction.atomic
def progress_import_store(*, scope: ImportScope, files: Sequence, user) -> ProgressImport:
    """Keep the uploaded files' bytes for the worker, in a new upload 読込中; nothing is read here.

    ``files``: (name, binary file) pairs. A file whose size is over the reader's limit is not kept:
    the reader refuses it by its size alone, as it would before reading a byte.
    """
    _discard_stale()
    upload = ProgressImport.objects.create(
        plan=scope.plan,
        fiscal_year=scope.fiscal_year,
        uploaded_by=user,
        state=ProgressImport.State.READING,
        files=[{"name": name} for name, _ in files],
    )
    ProgressImportFile.objects.bulk_create(
        _kept_file(upload, position, name, file) for position, (name, file) in enumerate(files)
    )
    return upload


def _kept_file(upload: ProgressImport, position: int, name: str, file) -> ProgressImportFile:
    size = getattr(file, "size", None)  # Django's UploadedFile knows it
    if size is not None and size > DEFAULT_LIMITS.max_file_bytes:
        content = b""
    else:
        chunks = getattr(file, "chunks", None)
        content = b"".join(chunks()) if chunks else file.read()
        size = len(content)
    return ProgressImportFile(upload=upload, position=position, name=name, size=size, content=content)


def _discard_stale() -> None:
    """Drop the previews not confirmed within PREVIEW_KEPT, and the uploads not read by then, with their files."""
    stale = ProgressImport.objects.filter(
        state__in=(ProgressImport.State.PREVIEW, ProgressImport.State.READING),
        uploaded_at__lt=clock.now() - PREVIEW_KEPT,
    )
    ProgressImportFile.objects.filter(upload__in=stale).delete()
    stale.update(state=ProgressImport.State.DISCARDED, reports=[], problems=[])


def progress_import_read(*, upload_id: int) -> str:
    """The worker's part: read an upload's kept files (rounds.importing.read_uploads), keep what they
    would add and every problem for the preview (確認待ち; 登録なし when there is neither), and delete
    the files. Returns the state.

    Run twice, or by two workers at once, it reads the files once: the first run claims the upload
    by setting read_started_at. A crash that the reader did not foresee leaves the upload 読込失敗
    (READ_FAILED, never 読込中) and is raised again for the worker's record; the files are deleted
    either way.
    """
    _discard_stale()
    uploads = ProgressImport.objects.filter(pk=upload_id)
    claimed = uploads.filter(state=ProgressImport.State.READING, read_started_at__isnull=True).update(
        read_started_at=clock.now()
    )
    if not claimed:
        return uploads.values_list("state", flat=True).first() or "gone"
    upload = uploads.select_related("plan").get()
    try:
        result = read_uploads(
            scope=ImportScope(plan=upload.plan, fiscal_year=upload.fiscal_year), files=_files_of(upload)
        )
    except Exception:
        logger.exception("The files of upload %s could not be read", upload_id)
        with transaction.atomic():
            uploads.filter(state=ProgressImport.State.READING).update(state=ProgressImport.State.READ_FAILED)
            ProgressImportFile.objects.filter(upload_id=upload_id).delete()
        raise
    kept = as_json(result)
    with transaction.atomic():
        # Not when it was dropped meanwhile (PREVIEW_KEPT): a record once 取りやめ stays so.
        uploads.filter(state=ProgressImport.State.READING).update(
            # Nothing to add and nothing wrong: nothing to confirm either, so the upload ends (登録なし)
            # instead of waiting as 確認待ち for ever.
            state=ProgressImport.State.PREVIEW
            if kept["reports"] or kept["problems"]
            else ProgressImport.State.NOTHING,
            files=result.files,
            reports=kept["reports"],
            problems=kept["problems"],
            warnings=kept["warnings"],
            sheets=kept["sheets"],
            unchanged_count=result.unchanged,
            blank_count=result.blank,
        )
        ProgressImportFile.objects.filter(upload_id=upload_id).delete()
    return uploads.values_list("state", flat=True).get()


@task()
def progress_import_read_task(upload_id: int) -> str:
    """Read the files of one Excel upload into its preview (progress_import_read), in the worker."""
    return progress_import_read(upload_id=upload_id)


def _files_of(upload: ProgressImport) -> list[tuple[str, io.BytesIO]]:
    """The kept files as the reader takes them: (name, binary file with the size received)."""
    files = []
    stored = ProgressImportFile.objects.filter(upload=upload).order_by("position")
    for name, size, content in stored.values_list("name", "size", "content"):
        file = io.BytesIO(content)
        file.size = size
        files.append((name, file))
    return files


def progress_imports_waiting_too_long() -> WaitingJobs | None:
    """Uploads of everyone, not dropped, that the worker has not started a minute after they were made;
    None when there are none. For the secretariat (the admin's front page). One query."""
    now = clock.now()
    waiting = ProgressImport.objects.waiting_too_long(now).filter(uploaded_at__gte=now - PREVIEW_KEPT)
    found = waiting.aggregate(count=Count("pk"), since=Min("uploaded_at"))
    return WaitingJobs(**found) if found["count"] else None


def progress_import_status(upload: ProgressImport) -> dict:
    """What the preview page's script needs while the files are read, as JSON."""
    from django.urls import reverse

    return {
        "id": upload.pk,
        "state": upload.state,
        "state_label": upload.get_state_display(),
        "started": upload.read_started_at is not None,
        "notice": NOT_STARTED_NOTICE if upload.is_waiting_too_long else "",
        "preview_url": reverse("admin:rounds_progressimport_preview", args=[upload.pk]),
    }


def import_note(upload: ProgressImport, row: NewReport) -> str:
    """The report's 備考: which upload and which file it came from."""
    return f"Excel取込(取込番号{upload.pk}): {row.file} {row.sheet} {row.row}行目"


@transaction.atomic
def progress_import_confirm(*, upload: ProgressImport, user) -> ProgressImport:
    """Add every report of the upload, or none.

    Refused when the upload is still read, could not be read, has problems, was confirmed or
    discarded already, is someone else's, or when a measure's latest report changed after the preview (the figures shown
    would not be what is added on). A fixed number of queries, however many rows.
    """
    upload = ProgressImport.objects.select_for_update().get(pk=upload.pk)
    if upload.uploaded_by_id != user.pk:
        raise PermissionDenied(NOT_YOURS)
    if upload.state != ProgressImport.State.PREVIEW:
        raise _refusal(upload.state)
    if upload.uploaded_at < clock.now() - PREVIEW_KEPT:
        raise ValidationError(DISCARDED, code="discarded")
    if upload.problems:
        raise ValidationError(HAS_PROBLEMS, code="has_problems")
    rows = [NewReport(**{**row, "changes": []}) for row in upload.reports]
    if not rows:
        raise ValidationError(NOTHING_TO_ADD, code="nothing_to_add")
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
            else f"「{row.file}」{row.row}行目(施策 {row.measure_label}): {messages} 何も登録していません。",
            code="invalid_reports",
        ) from None
    upload.state = ProgressImport.State.IMPORTED
    upload.imported_at = clock.now()
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
            "何も登録していません。ファイルをもう一度アップロードして、最新の内容と比べてください。",
            code="changed_since_preview",
        )


def progress_import_discard(*, upload: ProgressImport, user) -> ProgressImport:
    """取りやめ: the preview is dropped and nothing is added. Only a preview is: a confirmation
    running at the same moment (another tab) keeps its record, and an upload still 読込中 is read first."""
    if upload.uploaded_by_id != user.pk:
        raise PermissionDenied(NOT_YOURS)
    dropped = ProgressImport.objects.filter(pk=upload.pk, state=ProgressImport.State.PREVIEW).update(
        state=ProgressImport.State.DISCARDED, reports=[], problems=[]
    )
    upload.refresh_from_db()
    if not dropped:
        raise _refusal(upload.state)
    return upload


def _refusal(state: str) -> ValidationError:
    """Why an upload that is not 確認待ち can be neither confirmed nor dropped, coded by its state."""
    refusals = {
        ProgressImport.State.IMPORTED: ALREADY_IMPORTED,
        ProgressImport.State.READING: STILL_READING,
        ProgressImport.State.READ_FAILED: READ_FAILED,
    }
    if state in refusals:
        return ValidationError(refusals[state], code=str(state))
    return ValidationError(DISCARDED, code="discarded")
