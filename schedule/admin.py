from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.utils.text import capfirst

from core import fiscal
from core.admin_base import FiscalYearListFilter, TrackedAdmin, fiscal_year_column

from .checks import schedule_check
from .forms import HeldDateForm
from .models import Body, Phase, PublicCommentPeriod, ScheduledItem, public_comment_start_month
from .services import (
    MARK_HELD_ORDER,
    MarkHeldRefused,
    scheduled_items_mark_held,
    scheduled_items_mark_held_refusals,
)


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
        """実施済 needs a 実施日: a page asks for each selected item's, and all are saved or none.

        Django's pattern for an action that asks for input: the action draws the page (the
        selection in hidden ``_selected_action`` inputs), and the page is sent back to the list
        with ``post``, which runs the action again with the dates.
        """
        items = list(
            queryset.exclude(status=ScheduledItem.Status.HELD)
            .select_related("body")
            .order_by(*MARK_HELD_ORDER)
        )
        if not items:
            self.message_user(request, "選択した予定はすべて実施済です。", messages.WARNING)
            return None
        sent = "post" in request.POST
        data = request.POST.copy() if sent else None
        rows = [
            (
                item,
                HeldDateForm(
                    data,
                    prefix=f"item-{item.pk}",
                    initial={"actual_date": item.actual_date or item.planned_date, "version": item.version},
                    item_label=f"{item.body} {self.month_label(item)}",
                ),
            )
            for item in items
        ]
        if not sent:
            return self._mark_held_page(request, queryset, rows)
        valid = [form.is_valid() for _, form in rows]  # every row, so that each shows its errors
        dates = {item.pk: form.cleaned_data["actual_date"] for item, form in rows if form.is_valid()}
        versions = {
            item.pk: form.cleaned_data["version"]
            for item, form in rows
            if form.is_valid() and form.cleaned_data["version"] is not None
        }
        if all(valid):
            try:
                marked = scheduled_items_mark_held(items=queryset, dates=dates, loaded_versions=versions)
            except MarkHeldRefused as refused:
                refusals = refused.refusals
            else:
                self._log_marked(request, marked, held_meanwhile=_held_meanwhile(request, marked))
                return None
        else:
            # Nothing will be saved; the other rows' reasons are shown now, not after the next try.
            refusals = scheduled_items_mark_held_refusals(
                items=queryset.filter(pk__in=dates), dates=dates, loaded_versions=versions
            )
        for item, form in rows:
            if item.pk in refusals:
                form.add_error("actual_date", refusals[item.pk].messages)
                if getattr(refusals[item.pk], "code", None) == "concurrent_edit":
                    # Shown as it is now; sent again, the page's date is saved over the other's change.
                    data[f"{form.prefix}-version"] = str(item.version)
        return self._mark_held_page(request, queryset, rows, status=400)

    def _mark_held_page(self, request, queryset, rows, status=200):
        """The page of dates: one row per selected item not yet 実施済, the selection kept in hidden inputs."""
        selected = [str(pk) for pk in queryset.values_list("pk", flat=True)]
        media = self.media
        for _, form in rows:
            media += form.media
        context = {
            **self.admin_site.each_context(request),
            "title": "選択した予定を実施済にする",
            "opts": self.opts,
            "rows": [(item, self.month_label(item), form) for item, form in rows],
            "selected": selected,
            "already_held": len(selected) - len(rows),
            "refused": any(form.errors for _, form in rows),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": media,
        }
        return TemplateResponse(
            request, "admin/schedule/scheduleditem/mark_held.html", context, status=status
        )

    def _log_marked(self, request, marked, *, held_meanwhile: int):
        """Each item marked in the admin's 最近行った操作, as a change made on its page, and the count."""
        for item, fields in marked:
            labels = [str(capfirst(ScheduledItem._meta.get_field(name).verbose_name)) for name in fields]
            self.log_change(request, item, [{"changed": {"fields": labels}}])
        message = f"{len(marked)}件を実施済にしました。"
        if held_meanwhile:
            message += f"ほかの{held_meanwhile}件は、この画面を開いた後にほかの職員が実施済にしていたため、そのままにしました。"
        self.message_user(request, message, messages.SUCCESS)


def _held_meanwhile(request, marked) -> int:
    """How many rows the page of dates showed whose item was not marked: someone else marked it
    実施済 after the page was drawn (every other row is marked, or nothing is)."""
    shown = {
        key.split("-")[1] for key in request.POST if key.startswith("item-") and key.endswith("-version")
    }
    return len(shown - {str(item.pk) for item, _ in marked})


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
