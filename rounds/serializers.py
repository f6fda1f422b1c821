"""The API's shapes of collection rounds (docs/api.md, "Collection rounds")."""

from __future__ import annotations

from rest_framework import serializers

from core import api
from core.users import display_name

from .models import Answer, AnswerRow, Round


class RoundSerializer(api.ModelSerializer):
    fiscal_year_label = api.fiscal_year_label_field()
    state_label = serializers.CharField(
        source="get_state_display", read_only=True, help_text="状態の表示名。"
    )

    class Meta:
        model = Round
        fields = (
            "id",
            "plan",
            "fiscal_year",
            "fiscal_year_label",
            "as_of",
            "deadline",
            "message",
            "state",
            "state_label",
            "version",
        )
        read_only_fields = fields


class AnswerRowSerializer(api.ModelSerializer):
    entered_by_name = serializers.SerializerMethodField(
        help_text="最後に入力した職員(姓 名)。未入力ならnull。"
    )

    class Meta:
        model = AnswerRow
        fields = (
            "measure",
            "actual_value",
            "status",
            "progress_percent",
            "narrative",
            "issues",
            "next_steps",
            "return_comment",
            "entered_by_name",
            "version",
        )
        read_only_fields = fields

    def get_entered_by_name(self, row) -> str | None:
        return display_name(row.entered_by) if row.entered_by_id else None


class AnswerSerializer(api.ModelSerializer):
    state_label = serializers.CharField(
        source="get_state_display", read_only=True, help_text="状態の表示名。"
    )
    submitted_by_name = serializers.SerializerMethodField(help_text="提出した職員(姓 名)。未提出ならnull。")
    rows = AnswerRowSerializer(many=True, read_only=True, help_text="施策ごとの回答。")

    class Meta:
        model = Answer
        fields = (
            "id",
            "round",
            "department",
            "state",
            "state_label",
            "submitted_by_name",
            "submitted_at",
            "late",
            "return_reason",
            "version",
            "rows",
        )
        read_only_fields = fields

    def get_submitted_by_name(self, answer) -> str | None:
        return display_name(answer.submitted_by) if answer.submitted_by_id else None


class SubmittedRowSerializer(api.Serializer):
    """One measure's figures, as the department's page takes them."""

    measure = serializers.IntegerField(help_text="施策のid。この回答の施策だけを指定できます。")
    actual_value = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True, help_text="実績値。"
    )
    status = serializers.IntegerField(help_text="進捗状況のid。")
    progress_percent = serializers.IntegerField(min_value=0, max_value=100, help_text="進捗率(%)。0から100。")
    narrative = serializers.CharField(
        required=False, allow_blank=True, max_length=4000, help_text="取組実績。"
    )
    issues = serializers.CharField(required=False, allow_blank=True, max_length=4000, help_text="課題。")
    next_steps = serializers.CharField(
        required=False, allow_blank=True, max_length=4000, help_text="今後の方向性。"
    )


class AnswerSubmitSerializer(api.Serializer):
    """A department's system submits its answer: every row, and the answer's version it read."""

    version = serializers.IntegerField(min_value=1, help_text="読み込んだときの回答の version。")
    rows = SubmittedRowSerializer(many=True, help_text="施策ごとの回答。この回答のすべての施策を送ります。")
