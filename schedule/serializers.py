"""The drafting schedule as the API shows it (docs/api.md). Fields listed, described in Japanese.
The secretariat's notes (備考) are ``staff_only_fields`` (core.api.StaffFieldsMixin): a visitor's
answer leaves them out, as the open data does."""

from __future__ import annotations

from rest_framework import serializers

from core import api

from .models import Body, Phase, PublicCommentPeriod, ScheduledItem


class BodySerializer(api.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True, help_text="種別の表示名。")

    class Meta:
        model = Body
        fields = ("id", "name", "row_label", "kind", "kind_label", "order", "parent")


class PhaseSerializer(api.ModelSerializer):
    fiscal_year_label = api.fiscal_year_label_field()

    class Meta:
        model = Phase
        fields = ("id", "fiscal_year", "fiscal_year_label", "name", "first_month", "last_month", "order")


ITEM_FIELDS = (
    "body",
    "kind",
    "fiscal_year",
    "planned_month",
    "planned_date",
    "actual_date",
    "status",
    "subject",
    "phase",
    "notes",
)


class ScheduledItemSerializer(api.StaffFieldsMixin, api.ModelSerializer):
    fiscal_year_label = api.fiscal_year_label_field()
    kind_label = serializers.CharField(source="get_kind_display", read_only=True, help_text="種別の表示名。")
    status_label = serializers.CharField(
        source="get_status_display", read_only=True, help_text="状況の表示名。"
    )
    body_name = serializers.CharField(source="body.label", read_only=True, help_text="会議体(表の行名)。")

    staff_only_fields = ("notes",)

    class Meta:
        model = ScheduledItem
        fields = (
            "id",
            *ITEM_FIELDS,
            "fiscal_year_label",
            "kind_label",
            "status_label",
            "body_name",
            "version",
        )
        read_only_fields = fields


class ScheduledItemUpdateSerializer(api.ModelSerializer):
    """A PATCH: any of the item's fields, and the version read with it (a stale one is refused, 409)."""

    version = serializers.IntegerField(
        label="版", min_value=1, help_text="読み込んだときの版(version)。他の職員が先に変更していれば409。"
    )

    class Meta:
        model = ScheduledItem
        fields = (*ITEM_FIELDS, "version")
        # The model's rules are checked by full_clean() in schedule.services.scheduled_item_update.
        validators = []


class PublicCommentPeriodSerializer(api.StaffFieldsMixin, api.ModelSerializer):
    fiscal_year_label = api.fiscal_year_label_field()
    days = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="意見募集の日数(公表日を1日目)。"
    )

    staff_only_fields = ("notes",)

    class Meta:
        model = PublicCommentPeriod
        fields = (
            "id",
            "body",
            "subject",
            "fiscal_year",
            "fiscal_year_label",
            "planned_start_month",
            "start_date",
            "end_date",
            "days",
            "comments_received",
            "answers_published_on",
            "notes",
        )
        read_only_fields = fields
