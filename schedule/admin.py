from django.contrib import admin, messages
from django.utils.text import capfirst

from core import fiscal
from core.admin_base import FiscalYearListFilter, TrackedAdmin, fiscal_year_column

from .checks import schedule_check
from .models import Body, Phase, PublicCommentPeriod, ScheduledItem, public_comment_start_month
from .services import scheduled_items_mark_held


class ScheduleFindingsMixin:
    """The change page of a phase, an item or a public comment period shows what schedule/checks.py
    finds about it (admin/schedule/change_form.html), as saved: the year is read in four queries."""

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk is not None:
            context["schedule_findings"] = schedule_check(fiscal_year=obj.fiscal_year).about(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)


@admin.register(Body)
class BodyAdmin(TrackedAdmin):
    list_display = ("name", "row_label", "kind", "parent", "order", "flow_position")
    list_filter = ("kind",)
    search_fields = ("name", "row_label")
    ordering = ("order", "name")
    list_select_related = ("parent",)


@admin.register(Phase)
class PhaseAdmin(ScheduleFindingsMixin, TrackedAdmin):
    list_display = ("name", fiscal_year_column, "first_month_label", "last_month_label", "order")
    list_filter = (("fiscal_year", FiscalYearListFilter),)
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
class ScheduledItemAdmin(ScheduleFindingsMixin, TrackedAdmin):
    # Narrow columns, so that 状況 and 実施日 stay on screen at 1280 px (the 種別 is the body's).
    list_display = ("month_label", "body", "phase_name", "status", "planned_date", "actual_date", "subject")
    list_display_links = ("month_label", "body")
    # Grouped as the secretariat reads the table: by body, then by phase.
    list_filter = ("body", "phase", "status", "kind", ("fiscal_year", FiscalYearListFilter))
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
        return f"{fiscal.fiscal_year_label(obj.fiscal_year)} {fiscal.month_label(obj.planned_month)}"

    @admin.display(description="検討段階", ordering="phase__order")
    def phase_name(self, obj):
        return obj.phase.name if obj.phase else "—"

    @admin.action(description="選択した予定を実施済にする", permissions=("change",))
    def mark_held(self, request, queryset):
        """実施済 needs a 実施日: an item without one takes its 予定日, and the message says which."""
        result = scheduled_items_mark_held(items=queryset)
        for item, fields in result.held:
            labels = [str(capfirst(ScheduledItem._meta.get_field(name).verbose_name)) for name in fields]
            self.log_change(request, item, [{"changed": {"fields": labels}}])
        if result.held or not (result.undated or result.refused):
            message = f"{len(result.held)}件を実施済にしました。"
            if result.dated_from_plan:
                message += (
                    f"実施日が空欄だった次の{len(result.dated_from_plan)}件は、予定日を実施日にしました: "
                    + "、".join(
                        f"{item}(予定日 {item.planned_date:%Y/%m/%d})" for item in result.dated_from_plan
                    )
                )
            self.message_user(request, message, messages.SUCCESS)
        if result.undated:
            self.message_user(
                request,
                f"次の{len(result.undated)}件は実施日も予定日もないため、実施済にしていません。"
                "各予定の画面で実施日を入力してから実施済にしてください: "
                + "、".join(str(item) for item in result.undated),
                messages.WARNING,
            )
        if result.refused:
            self.message_user(
                request,
                f"次の{len(result.refused)}件は実施済にできませんでした: "
                + "、".join(f"{item}({' '.join(reasons)})" for item, reasons in result.refused),
                messages.ERROR,
            )


@admin.register(PublicCommentPeriod)
class PublicCommentPeriodAdmin(ScheduleFindingsMixin, TrackedAdmin):
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
    list_filter = (("fiscal_year", FiscalYearListFilter), "body")
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
