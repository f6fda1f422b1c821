"""What reports keeps: a workbook built in the background for one person (reports.workbook_jobs), and each
Excel upload of progress (進捗の取込) from its files, read in the background, to its confirmation."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models

from core import clock
from core.fields import FiscalYearField
from measures.models import Plan

# A running worker (manage.py db_worker --interval 2) starts a request within seconds, unless it is
# building another; a request still 作成待ち after this long is announced to the person who asked
# (/reports/) and to the secretariat (the admin's front page): the worker may be stopped.
START_EXPECTED_WITHIN = timedelta(minutes=1)


class WorkbookJobQuerySet(models.QuerySet):
    def waiting_too_long(self, now: datetime) -> WorkbookJobQuerySet:
        """Not started START_EXPECTED_WITHIN after being asked for: WorkbookJob.is_waiting_too_long in SQL."""
        return self.filter(status=WorkbookJob.Status.QUEUED, requested_at__lte=now - START_EXPECTED_WITHIN)


class WorkbookJob(models.Model):
    """One request for a large workbook: who asked, for which filters, how far it has got, where the file is.

    The file lives in settings.REPORTS_WORKBOOK_DIR under the job's id, and only the person who
    asked may download it, until ``expires_at``.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "作成待ち"
        RUNNING = "running", "作成中"
        DONE = "done", "作成済み"
        FAILED = "failed", "作成できませんでした"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name="依頼した人"
    )
    # The filters' query string, with the plan and the 基準日 filled in as they were when asked.
    query = models.TextField("条件", blank=True)
    filename = models.CharField("ファイル名", max_length=100)
    ascii_filename = models.CharField("ファイル名(ASCII)", max_length=100)
    measure_count = models.PositiveIntegerField("施策数")
    measures_done = models.PositiveIntegerField("書き出した施策数", default=0)
    status = models.CharField("状態", max_length=10, choices=Status.choices, default=Status.QUEUED)
    requested_at = models.DateTimeField("依頼日時")
    finished_at = models.DateTimeField("作成日時", null=True, blank=True)
    expires_at = models.DateTimeField("保存期限", db_index=True)

    objects = WorkbookJobQuerySet.as_manager()

    class Meta:
        verbose_name = "Excel作成の依頼"
        verbose_name_plural = "Excel作成の依頼"
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["requested_by", "-requested_at"], name="workbookjob_user_idx")]

    def __str__(self) -> str:
        return f"{self.filename}({self.get_status_display()})"

    @property
    def percent(self) -> int:
        """How far it has got, 0-100: the measures written, 100 only once the file is saved."""
        if self.status == self.Status.DONE:
            return 100
        if not self.measure_count:
            return 0
        return min(99, self.measures_done * 100 // self.measure_count)

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def is_waiting_too_long(self) -> bool:
        """Still 作成待ち START_EXPECTED_WITHIN after it was asked for: the worker has not started it.
        (Once started, it is 作成中, and the worker writes its progress.) The same rule in SQL:
        WorkbookJobQuerySet.waiting_too_long()."""
        return self.status == self.Status.QUEUED and self.requested_at <= clock.now() - START_EXPECTED_WITHIN


class ProgressImportQuerySet(models.QuerySet):
    def waiting_too_long(self, now: datetime) -> ProgressImportQuerySet:
        """Not started START_EXPECTED_WITHIN after the upload: ProgressImport.is_waiting_too_long in SQL."""
        return self.filter(
            state=ProgressImport.State.READING,
            read_started_at__isnull=True,
            uploaded_at__lte=now - START_EXPECTED_WITHIN,
        )


class ProgressImport(models.Model):
    """One upload of filled-in templates: what it would add, what is wrong with it, and whether it was imported.

    The upload keeps the files (ProgressImportFile) until the worker has read them once
    (reports.services.progress_import_read, with reports.importing) into the rows kept here; the
    preview shows them, and the confirmation adds them (reports.services). The files are then gone.
    """

    class State(models.TextChoices):
        READING = "reading", "読込中"
        PREVIEW = "preview", "確認待ち"
        IMPORTED = "imported", "取込済み"
        DISCARDED = "discarded", "取りやめ"
        READ_FAILED = "read_failed", "読込失敗"
        # Read, with no report to add and no problem: nothing to confirm, so it ends here.
        NOTHING = "nothing", "登録なし"

    # Nothing here is typed in a form (editable=False): the upload, the worker and the confirmation write it all.
    plan = models.ForeignKey(
        Plan, verbose_name="計画", on_delete=models.PROTECT, related_name="+", editable=False
    )
    fiscal_year = FiscalYearField("年度", editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="取込者",
        on_delete=models.PROTECT,
        related_name="progress_imports",
        editable=False,
    )
    uploaded_at = models.DateTimeField("アップロード日時", auto_now_add=True)
    state = models.CharField(
        "状態", max_length=20, choices=State.choices, default=State.READING, editable=False
    )
    # Set by the worker as it begins: until then the upload waits in the queue (is_waiting_too_long).
    read_started_at = models.DateTimeField("読込開始日時", null=True, blank=True, editable=False)
    # [{"name"}] while the files wait to be read, then [{"name", "sha256"}] of each file that opened
    files = models.JSONField("ファイル", default=list, editable=False)
    # reports.importing.NewReport and Problem, as dicts
    reports = models.JSONField("登録する報告", default=list, editable=False)
    problems = models.JSONField("問題", default=list, editable=False)
    # Problem dicts too, for what was left unread without stopping the upload (a note below the table)
    warnings = models.JSONField("注意", default=list, editable=False)
    # Each sheet of each file: {"file", "sheet", "year" (its label), "read", "reason" (why not read)}
    sheets = models.JSONField("シート", default=list, editable=False)
    unchanged_count = models.PositiveIntegerField("変更のない行", default=0, editable=False)
    blank_count = models.PositiveIntegerField("未記入の行", default=0, editable=False)
    imported_at = models.DateTimeField("取込日時", null=True, blank=True, editable=False)
    report_count = models.PositiveIntegerField("登録した報告", default=0, editable=False)

    objects = ProgressImportQuerySet.as_manager()

    class Meta:
        verbose_name = "進捗のExcel取込"
        verbose_name_plural = "進捗のExcel取込"
        ordering = ("-uploaded_at", "-id")

    def __str__(self):
        return f"取込 {self.pk}({', '.join(f['name'] for f in self.files)})"

    @property
    def file_names(self) -> str:
        return "、".join(f["name"] for f in self.files)

    @property
    def is_waiting_too_long(self) -> bool:
        """Still not started by the worker START_EXPECTED_WITHIN after the upload (the same rule as a
        workbook's, WorkbookJob.is_waiting_too_long). In SQL: ProgressImportQuerySet.waiting_too_long()."""
        return (
            self.state == self.State.READING
            and self.read_started_at is None
            and self.uploaded_at <= clock.now() - START_EXPECTED_WITHIN
        )


class ProgressImportFile(models.Model):
    """One uploaded file's bytes, kept from the upload until the worker has read them, then deleted.

    In the database rather than on disk so that a worker on another host reads them too; an upload
    is at most the web server's 10 MB. Not in the backup (docs/operations.md): the bytes live seconds.
    """

    upload = models.ForeignKey(
        ProgressImport, verbose_name="取込", on_delete=models.CASCADE, related_name="stored_files"
    )
    position = models.PositiveSmallIntegerField("順番")  # as chosen: problems are listed file by file
    name = models.CharField("ファイル名", max_length=255)  # Django cuts an uploaded name to 255
    # As received. A file over the upload's size limit is not kept (content is empty): the reader
    # refuses it by this size with its usual message, as it did when it read the upload itself.
    size = models.PositiveBigIntegerField("サイズ(バイト)")
    content = models.BinaryField("内容")

    class Meta:
        verbose_name = "読込待ちのファイル"
        verbose_name_plural = "読込待ちのファイル"
        ordering = ("upload", "position")
        constraints = [
            models.UniqueConstraint(fields=["upload", "position"], name="progressimportfile_unique_position")
        ]

    def __str__(self) -> str:
        return self.name
