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

    plan = models.ForeignKey(Plan, verbose_name="計画", on_delete=models.PROTECT, related_name="+")
    fiscal_year = FiscalYearField("年度")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="取込者", on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("アップロード日時", auto_now_add=True)
    state = models.CharField("状態", max_length=20, choices=State.choices, default=State.PREVIEW)
    files = models.JSONField("ファイル", default=list)  # [{"name", "sha256"}]
    reports = models.JSONField("登録する報告", default=list)  # reports.importing.NewReport, as dicts
    problems = models.JSONField("問題", default=list)  # reports.importing.Problem, as dicts
    unchanged_count = models.PositiveIntegerField("変更のない行", default=0)
    blank_count = models.PositiveIntegerField("未記入の行", default=0)
    imported_at = models.DateTimeField("取込日時", null=True, blank=True)
    report_count = models.PositiveIntegerField("登録した報告", default=0)

    class Meta:
        verbose_name = "進捗のExcel取込"
        verbose_name_plural = "進捗のExcel取込"
        ordering = ("-uploaded_at", "-id")

    def __str__(self):
        return f"取込 {self.pk}({', '.join(f['name'] for f in self.files)})"

    @property
    def file_names(self) -> str:
        return "、".join(f["name"] for f in self.files)
