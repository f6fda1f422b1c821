"""What reports keeps: a workbook built in the background for one person (reports.workbook_jobs)."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.db import models

from core import clock
from core.worker import START_EXPECTED_WITHIN


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
