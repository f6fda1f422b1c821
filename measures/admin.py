from django.contrib import admin
from django.forms.models import BaseInlineFormSet
from django.utils.html import format_html, format_html_join

from core.admin_base import SafeChangeList, StackedInline, TabularInline, TrackedAdmin, fiscal_year_column
from core.users import display_name
from core.versioning import VersionedModelForm

from .models import (
    AnnualTarget,
    Department,
    EvaluationGrade,
    EvaluationScale,
    Keyword,
    Measure,
    Plan,
    ProgressReport,
    ProgressStatus,
    Purpose,
    Technology,
)
from .selectors import UNREPORTED_LABEL, measure_progress_rows, today
from .services import progress_report_save


@admin.register(Plan)
class PlanAdmin(TrackedAdmin):
    list_display = ("name", "period", "status", "adopted_on", "evaluation_scale")
    list_filter = ("status",)
    search_fields = ("name", "legal_basis")
    ordering = ("-first_fiscal_year", "name")
    list_select_related = ("evaluation_scale",)

    @admin.display(description="計画期間", ordering="first_fiscal_year")
    def period(self, obj):
        return obj.period_label


@admin.register(Department)
class DepartmentAdmin(TrackedAdmin):
    list_display = ("name", "division", "order")
    list_filter = ("division",)
    search_fields = ("name", "division")
    ordering = ("order", "name")


class _NamedOrderedAdmin(TrackedAdmin):
    list_display = ("name", "order")
    list_filter = ("purposes__plan",)
    search_fields = ("name",)
    ordering = ("order", "name")


@admin.register(Keyword)
class KeywordAdmin(_NamedOrderedAdmin):
    pass


@admin.register(Technology)
class TechnologyAdmin(_NamedOrderedAdmin):
    pass


@admin.register(Purpose)
class PurposeAdmin(TrackedAdmin):
    list_display = ("code", "short_text", "plan", "order")
    list_filter = ("plan",)
    search_fields = ("code", "text")
    ordering = ("plan", "order", "code")
    list_select_related = ("plan",)
    filter_horizontal = ("keywords", "technologies")

    @admin.display(description="計画の目的", ordering="text")
    def short_text(self, obj):
        return obj.short_text


class _YearUniqueInlineFormSet(BaseInlineFormSet):
    """Says in Japanese which year is entered twice (Django's default names the raw field)."""

    def get_unique_error_message(self, unique_check):
        fields = set(unique_check) - {self.fk.name}
        if fields == {"fiscal_year", "as_of"}:
            return "同じ年度・報告基準日の進捗報告が2回入力されています。報告基準日を見直してください。"
        if fields == {"fiscal_year"}:
            return "同じ年度が2回入力されています。1つの施策に1年度1件までです。年度を見直してください。"
        return super().get_unique_error_message(unique_check)


class AnnualTargetInline(StackedInline):
    model = AnnualTarget
    form = VersionedModelForm
    formset = _YearUniqueInlineFormSet
    extra = 0
    fields = (
        ("fiscal_year", "target_text"),
        ("indicator_name", "indicator_unit", "baseline_value", "target_value"),
        "version",
    )
    ordering = ("fiscal_year",)


class _ReportAuthorMixin:
    @admin.display(description="報告者", ordering="author__last_name")
    def author_name(self, report) -> str:
        """Who recorded the report, named as every page names people."""
        return display_name(report.author) or "—"


class ProgressReportInline(_ReportAuthorMixin, StackedInline):
    model = ProgressReport
    form = VersionedModelForm
    formset = _YearUniqueInlineFormSet
    extra = 0
    # Reports are never deleted; a wrong one is withdrawn (取り下げ) with its reason.
    can_delete = False
    fields = (
        ("fiscal_year", "as_of", "status", "progress_percent", "actual_value"),
        "narrative",
        ("issues", "next_steps"),
        ("withdrawn_on", "withdrawal_reason"),
        ("author_name", "created_at"),
        "version",
    )
    readonly_fields = ("author_name", "created_at")
    ordering = ("-as_of", "-id")
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("measure", "author", "status")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "status":
            # One query for the choices of every report's form, not one per report.
            field.choices = list(field.choices)
        return field


class MeasureChangeList(SafeChangeList):
    """The measure list, each row carrying its progress as of today (measure_progress_rows)."""

    def get_results(self, request):
        super().get_results(request)
        by_plan: dict[int, list[Measure]] = {}
        for measure in self.result_list:
            by_plan.setdefault(measure.plan_id, []).append(measure)
        # One read per plan on the page (usually one), whatever the number of rows.
        for measures in by_plan.values():
            plan = measures[0].plan
            ids = [measure.pk for measure in measures]
            rows = {
                row.pk: row
                for row in measure_progress_rows(
                    plan=plan, as_of=today(), measures=Measure.objects.filter(pk__in=ids)
                )
            }
            for measure in measures:
                measure.progress_row = rows.get(measure.pk)


@admin.register(Measure)
class MeasureAdmin(TrackedAdmin):
    list_display = ("number", "title", "purpose_code", "department_names", "current_progress")
    list_display_links = ("number", "title")
    list_filter = ("plan", "purpose", "departments", "keywords", "technologies")
    search_fields = ("title", "description", "departments__name", "keywords__name")
    ordering = ("plan", "order", "number")
    list_select_related = ("plan", "purpose")
    filter_horizontal = ("departments", "keywords", "technologies")
    inlines = (AnnualTargetInline, ProgressReportInline)

    def get_changelist(self, request, **kwargs):
        return MeasureChangeList

    def save_formset(self, request, form, formset, change):
        for obj in formset.save(commit=False):
            if isinstance(obj, ProgressReport):
                progress_report_save(report=obj, author=request.user)
            else:
                obj.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()

    @admin.display(description="目的", ordering="purpose__order")
    def purpose_code(self, obj):
        return obj.purpose.code

    @admin.display(description="所管課")
    def department_names(self, obj):
        return "、".join(obj.progress_row.departments) if getattr(obj, "progress_row", None) else ""

    @admin.display(description="年度別の進捗状況(本日時点)")
    def current_progress(self, obj):
        if getattr(obj, "progress_row", None) is None:
            return ""
        return format_html_join(
            "",
            "<div>{}: {} {}%</div>",
            (
                (year.label, year.report.status, year.report.progress_percent)
                if year.report
                else (year.label, UNREPORTED_LABEL, "—")
                for year in obj.progress_row.years
            ),
        )


@admin.register(AnnualTarget)
class AnnualTargetAdmin(TrackedAdmin):
    list_display = (
        "measure",
        fiscal_year_column,
        "target_text",
        "indicator_name",
        "target_value",
        "indicator_unit",
    )
    list_filter = ("fiscal_year", "measure__plan", "measure__purpose")
    search_fields = ("measure__title", "target_text", "indicator_name")
    ordering = ("measure__order", "measure__number", "fiscal_year")
    list_select_related = ("measure",)


@admin.register(ProgressReport)
class ProgressReportAdmin(_ReportAuthorMixin, TrackedAdmin):
    # Narrow columns, so that 進捗率, 実績値 and 報告者 stay on screen at 1280 px; a withdrawn
    # report says so in its status, where the eye looks first.
    list_display = (
        "as_of",
        "measure_number",
        fiscal_year_column,
        "status_or_withdrawal",
        "progress_percent",
        "actual_value",
        "author_name",
    )
    list_display_links = ("as_of", "measure_number")
    list_filter = ("fiscal_year", "status", "measure__plan", "measure__purpose", "as_of", "withdrawn_on")
    search_fields = ("measure__title", "narrative", "issues", "next_steps")
    ordering = ("-as_of", "-id")
    date_hierarchy = "as_of"
    list_select_related = ("measure", "status", "author")
    readonly_fields = ("author_name", "created_at")
    autocomplete_fields = ("measure",)

    fieldsets = (
        (
            None,
            {"fields": ("measure", ("fiscal_year", "as_of"), ("status", "progress_percent", "actual_value"))},
        ),
        ("報告内容", {"fields": ("narrative", "issues", "next_steps")}),
        (
            "取り下げ",
            {
                "fields": (("withdrawn_on", "withdrawal_reason"),),
                "description": "誤った報告は削除せず、取り下げ日と理由を入れて取り下げます。取り下げた報告は集計に使われず、記録として残ります。",
            },
        ),
        ("記録", {"fields": (("author_name", "created_at"), "version")}),
    )

    @admin.display(description="施策", ordering="measure__number")
    def measure_number(self, report):
        return f"施策{report.measure.number} {report.measure.title}"

    @admin.display(description="進捗状況", ordering="status__order")
    def status_or_withdrawal(self, report):
        if report.withdrawn_on:
            return format_html(
                '<strong class="withdrawn">取り下げ({})</strong>', report.withdrawn_on.strftime("%Y/%m/%d")
            )
        return str(report.status)

    def save_model(self, request, obj, form, change):
        progress_report_save(report=obj, author=request.user)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ProgressStatus)
class ProgressStatusAdmin(TrackedAdmin):
    list_display = ("name", "symbol", "color", "order")
    search_fields = ("name",)
    ordering = ("order", "name")
    list_filter = ("reports__measure__plan",)


class EvaluationGradeInline(TabularInline):
    model = EvaluationGrade
    form = VersionedModelForm
    extra = 0
    ordering = ("order",)


@admin.register(EvaluationScale)
class EvaluationScaleAdmin(TrackedAdmin):
    list_display = ("name", "description")
    list_filter = ("plans",)
    search_fields = ("name", "description")
    ordering = ("name",)
    inlines = (EvaluationGradeInline,)


@admin.register(EvaluationGrade)
class EvaluationGradeAdmin(TrackedAdmin):
    list_display = ("code", "label", "min_rate", "scale", "order")
    list_filter = ("scale",)
    search_fields = ("code", "label")
    ordering = ("scale", "order")
    list_select_related = ("scale",)
