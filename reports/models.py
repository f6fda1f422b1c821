"""The Excel upload of progress (進捗の取込): each upload, kept from its preview to its confirmation."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from core.fields import FiscalYearField
from measures.models import Plan


class ProgressImport(models.Model):
    """One upload of filled-in templates: what it would add, what is wrong with it, and whether it was imported.

    The upload reads the files once (reports.importing) and keeps the rows here; the preview
    shows them, and the confirmation adds them (reports.services). The files themselves are not kept.
    """

    class State(models.TextChoices):
        PREVIEW = "preview", "確認待ち"
        IMPORTED = "imported", "取込済み"
        DISCARDED = "discarded", "取りやめ"

    # Nothing here is typed in a form (editable=False): the upload and its confirmation write it all.
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
        "状態", max_length=20, choices=State.choices, default=State.PREVIEW, editable=False
    )
    files = models.JSONField("ファイル", default=list, editable=False)  # [{"name", "sha256"}]
    # reports.importing.NewReport and Problem, as dicts
    reports = models.JSONField("登録する報告", default=list, editable=False)
    problems = models.JSONField("問題", default=list, editable=False)
    unchanged_count = models.PositiveIntegerField("変更のない行", default=0, editable=False)
    blank_count = models.PositiveIntegerField("未記入の行", default=0, editable=False)
    imported_at = models.DateTimeField("取込日時", null=True, blank=True, editable=False)
    report_count = models.PositiveIntegerField("登録した報告", default=0, editable=False)

    class Meta:
        verbose_name = "進捗のExcel取込"
        verbose_name_plural = "進捗のExcel取込"
        ordering = ("-uploaded_at", "-id")

    def __str__(self):
        return f"取込 {self.pk}({', '.join(f['name'] for f in self.files)})"

    @property
    def file_names(self) -> str:
        return "、".join(f["name"] for f in self.files)
