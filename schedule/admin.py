from django.contrib import admin

from core import fiscal
from core.admin_base import TrackedAdmin, fiscal_year_column

from .models import Body, Phase, PublicCommentPeriod, ScheduledItem, public_comment_start_month
from .services import scheduled_items_mark_held


@admin.register(Body)
class BodyAdmin(TrackedAdmin):
    list_display = ("name", "row_label", "kind", "parent", "order")
    list_filter = ("kind",)
    search_fields = ("name", "row_label")
    ordering = ("order", "name")
    list_select_related = ("parent",)


@admin.register(Phase)
class PhaseAdmin(TrackedAdmin):
    list_display = ("name", fiscal_year_column, "first_month_label", "last_month_label", "order")
    list_filter = ("fiscal_year",)
    search_fields = ("name",)
    ordering = ("fiscal_year", "order", fiscal.fiscal_month_order("first_month"))

    # Months sort in fiscal order, April first (10月 before 1月), within each fiscal year.
    @admin.display(description="開始月", ordering=fiscal.fiscal_month_sequence("fiscal_year", "first_month"))
    def first_month_label(self, obj):
        return fiscal.month_label(obj.first_month)

    @admin.display(description="終了月", ordering=fiscal.fiscal_month_sequence("fiscal_year", "last_month"))
    def last_month_label(self, obj):
        return fiscal.month_label(obj.last_month)


@admin.register(ScheduledItem)
class ScheduledItemAdmin(TrackedAdmin):
    list_display = (
        "body",
        "phase",
        "month_label",
        "kind",
        "status",
        "planned_date",
        "actual_date",
        "subject",
    )
    list_display_links = ("body", "month_label")
    # Grouped as the secretariat reads the table: by body, then by phase.
    list_filter = ("body", "phase", "status", "kind", "fiscal_year")
    search_fields = ("subject", "notes", "body__name")
    ordering = (
        "fiscal_year",
        "body__order",
        "phase__order",
        fiscal.fiscal_month_order("planned_month"),
        "planned_date",
    )
    list_select_related = ("body", "phase")
    actions = ("mark_held",)

    # Sorted as the column reads: by fiscal year, then month in fiscal order (10月 before 1月).
    @admin.display(
        description="予定月", ordering=fiscal.fiscal_month_sequence("fiscal_year", "planned_month")
    )
    def month_label(self, obj):
        return f"{fiscal.fiscal_year_label(obj.fiscal_year)} {obj.planned_month}月"

    @admin.action(description="選択した予定を実施済にする", permissions=("change",))
    def mark_held(self, request, queryset):
        count = scheduled_items_mark_held(items=queryset)
        self.message_user(request, f"{count}件を実施済にしました。")


@admin.register(PublicCommentPeriod)
class PublicCommentPeriodAdmin(TrackedAdmin):
    list_display = (
        "subject",
        fiscal_year_column,
        "start_month_label",
        "start_date",
        "end_date",
        "days",
        "comments_received",
        "answers_published_on",
    )
    list_filter = ("fiscal_year", "body")
    search_fields = ("subject", "notes")
    ordering = ("fiscal_year", fiscal.fiscal_month_order(public_comment_start_month()), "start_date")
    list_select_related = ("body",)

    @admin.display(
        description="開始月",
        ordering=fiscal.fiscal_month_sequence("fiscal_year", public_comment_start_month()),
    )
    def start_month_label(self, obj):
        return fiscal.month_label(obj.start_month)

    @admin.display(description="期間(日)")
    def days(self, obj):
        return obj.days
