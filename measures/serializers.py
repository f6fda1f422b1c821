"""The plan's records as the API shows them (docs/api.md). Fields are listed, never ``__all__``;
each is described in Japanese (core.api.DescribedSerializerMixin). People's names and the
withdrawal are a report's ``staff_only_fields`` (core.api.StaffFieldsMixin): a visitor's answer
leaves them out, and the schema declares them once, optional."""

from __future__ import annotations

from rest_framework import serializers

from core import api
from core.users import display_name

from .models import (
    AnnualTarget,
    Department,
    EvaluationGrade,
    Keyword,
    Plan,
    ProgressReport,
    Purpose,
    Technology,
)


class NamedSerializer(api.ModelSerializer):
    class Meta:
        fields = ("id", "name", "order")


class DepartmentSerializer(NamedSerializer):
    class Meta:
        model = Department
        fields = ("id", "name", "division", "order")


class KeywordSerializer(NamedSerializer):
    class Meta(NamedSerializer.Meta):
        model = Keyword


class TechnologySerializer(NamedSerializer):
    class Meta(NamedSerializer.Meta):
        model = Technology


class EvaluationGradeSerializer(api.ModelSerializer):
    class Meta:
        model = EvaluationGrade
        fields = ("code", "label", "min_rate")


class PlanSerializer(api.ModelSerializer):
    period_label = serializers.CharField(read_only=True, help_text="計画期間の表示名(和暦と西暦)。")
    status_label = serializers.CharField(
        source="get_status_display", read_only=True, help_text="策定状況の表示名。"
    )
    evaluation_grades = EvaluationGradeSerializer(
        source="evaluation_scale.grades", many=True, read_only=True, help_text="評価基準の評価区分。"
    )

    class Meta:
        model = Plan
        fields = (
            "id",
            "name",
            "legal_basis",
            "first_fiscal_year",
            "last_fiscal_year",
            "period_label",
            "status",
            "status_label",
            "adopted_on",
            "published",
            "evaluation_grades",
        )


class PurposeSerializer(api.ModelSerializer):
    class Meta:
        model = Purpose
        fields = ("id", "plan", "code", "text", "order", "keywords", "technologies")


class AnnualTargetSerializer(api.ModelSerializer):
    fiscal_year_label = api.fiscal_year_label_field()

    class Meta:
        model = AnnualTarget
        fields = (
            "id",
            "measure",
            "fiscal_year",
            "fiscal_year_label",
            "target_text",
            "indicator_name",
            "indicator_unit",
            "baseline_value",
            "target_value",
        )


REPORT_FIELDS = (
    "id",
    "measure",
    "fiscal_year",
    "fiscal_year_label",
    "as_of",
    "status",
    "status_name",
    "actual_value",
    "progress_percent",
    "narrative",
    "issues",
    "next_steps",
    "created_at",
    "version",
)


class ProgressReportSerializer(api.StaffFieldsMixin, api.ModelSerializer):
    """A report: as anyone reads a standing one, and for the signed-in roles who reported it and,
    if withdrawn, when, why and who (``staff_only_fields``)."""

    fiscal_year_label = api.fiscal_year_label_field()
    status_name = serializers.CharField(source="status.name", read_only=True, help_text="進捗状況の名称。")
    author_name = serializers.SerializerMethodField(help_text="報告者(姓 名)。")
    withdrawn_by_name = serializers.SerializerMethodField(
        help_text="取り下げた職員(姓 名)。取り下げていなければnull。"
    )

    staff_only_fields = ("author_name", "withdrawn_on", "withdrawal_reason", "withdrawn_by_name")

    class Meta:
        model = ProgressReport
        fields = (*REPORT_FIELDS, "author_name", "withdrawn_on", "withdrawal_reason", "withdrawn_by_name")
        read_only_fields = fields

    def get_author_name(self, report) -> str | None:
        return display_name(report.author) if report.author_id else None

    def get_withdrawn_by_name(self, report) -> str | None:
        return display_name(report.withdrawn_by) if report.withdrawn_by_id else None


class ProgressReportCreateSerializer(api.ModelSerializer):
    """What the secretariat sends to add a report; the author is whoever sends it."""

    class Meta:
        model = ProgressReport
        fields = (
            "measure",
            "fiscal_year",
            "as_of",
            "status",
            "actual_value",
            "progress_percent",
            "narrative",
            "issues",
            "next_steps",
        )
        # The model's constraints (one standing report per measure, year and date …) are checked
        # by full_clean() in measures.services.progress_report_create, with their Japanese messages.
        validators = []


class ProgressReportWithdrawSerializer(api.Serializer):
    withdrawn_on = serializers.DateField(label="取り下げ日", help_text="取り下げ日(報告基準日から今日まで)。")
    withdrawal_reason = serializers.CharField(
        label="取り下げの理由", max_length=1000, help_text="取り下げの理由。"
    )
    version = serializers.IntegerField(
        label="版", min_value=1, help_text="読み込んだときの版(version)。他の職員が先に変更していれば409。"
    )
