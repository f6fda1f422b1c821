from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.admin.widgets import AdminDateWidget, RelatedFieldWidgetWrapper
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from core import fiscal
from core.admin_base import (
    FiscalYearListFilter,
    SafeChangeList,
    TabularInline,
    TrackedAdmin,
    add_refusal,
    fiscal_year_column,
)
from core.clock import today
from core.fields import DateFormField, LongTextField, apply_input_rules
from core.templatetags.ja_format import plain_number
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
from .selectors import (
    UNREPORTED_LABEL,
    measure_progress_rows,
    measure_reports,
    new_report_defaults,
)
from .services import (
    ALREADY_SAVED,
    progress_report_create,
    progress_report_withdraw,
    progress_reports_validate,
)


@admin.register(Plan)
class PlanAdmin(TrackedAdmin):
    list_display = ("name", "period", "status", "adopted_on", "published", "evaluation_scale")
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


@admin.register(Keyword, Technology)
class KeywordTechnologyAdmin(TrackedAdmin):
    list_display = ("name", "order")
    list_filter = ("purposes__plan",)
    search_fields = ("name",)
    ordering = ("order", "name")


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


class AnnualTargetInline(TabularInline):
    """The measure's yearly targets, one row per fiscal year."""

    model = AnnualTarget
    form = VersionedModelForm
    formset = _YearUniqueInlineFormSet
    extra = 0
    fields = (
        "fiscal_year",
        "target_text",
        "indicator_name",
        "indicator_unit",
        "baseline_value",
        "target_value",
        "version",
    )
    ordering = ("fiscal_year",)
    # Narrow inputs, so that a year's row fits the width of a 1280 px screen; the year is wide
    # enough for 令和元年度(2019年度) whole, as the field shows it.
    sizes = {
        "fiscal_year": 17,
        "indicator_name": 12,
        "indicator_unit": 5,
        "baseline_value": 7,
        "target_value": 7,
    }

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is None:
            return field
        if db_field.name == "target_text":
            field.widget.attrs.update({"rows": 2, "style": "width: 16em"})
        elif db_field.name in self.sizes:
            field.widget.attrs["size"] = self.sizes[db_field.name]
            field.widget.attrs["style"] = f"width: {self.sizes[db_field.name] + 2}ch"
        return field


class _ReportAuthorMixin:
    @admin.display(description="報告者", ordering="author__last_name")
    def author_name(self, report) -> str:
        """Who recorded the report, named as every page names people."""
        return display_name(report.author) or "—"


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
    # Search-as-you-type boxes: three side-by-side pickers made the page 1,000 px taller.
    autocomplete_fields = ("departments", "keywords", "technologies")
    inlines = (AnnualTargetInline,)
    # The page opens on the measure's reports (a compact table, newest first, each linking to its
    # own read-only page) with a button to add one; a report is entered on its own short page.
    change_form_template = "admin/measures/measure/change_form.html"

    def get_changelist(self, request, **kwargs):
        return MeasureChangeList

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None and db_field.name == "title":
            field.widget.attrs["style"] = "width: 36em"  # the whole title, not its first 20 characters
        elif field is not None and db_field.name == "description":
            field.widget.attrs["rows"] = 5
        return field

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:  # the measure the page already read: no second look-up
            context["reports"] = measure_reports(obj)
            context["add_report_url"] = add_report_url(obj)
            context["may_add_report"] = request.user.has_perm("measures.add_progressreport")
        return super().render_change_form(request, context, add, change, form_url, obj)

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
    list_filter = (("fiscal_year", FiscalYearListFilter), "measure__plan", "measure__purpose")
    search_fields = ("measure__title", "target_text", "indicator_name")
    ordering = ("measure__order", "measure__number", "fiscal_year")
    list_select_related = ("measure",)


def add_report_url(measure) -> str:
    """The short page that adds a report to ``measure``."""
    return f"{reverse('admin:measures_progressreport_add')}?{urlencode({'measure': measure.pk})}"


class ProgressReportAddForm(VersionedModelForm):
    """The new report: the chosen measure's targets are read from the form's own input."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        source = self.data if self.is_bound else self.initial
        chosen = source.get("measure")
        if str(chosen or "").isdigit():
            self.instance.measure = Measure.objects.select_related("plan").filter(pk=chosen).first()
        try:
            self.instance.fiscal_year = fiscal.parse_fiscal_year(str(source.get("fiscal_year") or ""))
        except ValueError:
            pass  # the field says what is wrong with it

    def _post_clean(self):
        """The model's checks (Django's), then every rule the service will apply on saving
        (measures.services.progress_reports_validate: one standing report per measure, year and
        報告基準日 …), each beside its field, so that a valid form is one the service accepts."""
        super()._post_clean()
        if self._errors or self.instance.measure_id is None or self.instance.status_id is None:
            return  # the fields say what is wrong first; the service would repeat it in its words
        error = progress_reports_validate([self.instance]).get(0)
        if error is not None:
            add_refusal(self, error)


class WithdrawalForm(forms.Form):
    """取り下げ: the date and the reason, nothing else of the report."""

    withdrawn_on = DateFormField(
        label="取り下げ日",
        # The admin's own date input (calendar and 今日), as on every other admin page.
        widget=AdminDateWidget(format="%Y/%m/%d"),
        error_messages={"required": "取り下げ日を入力してください。"},
    )
    withdrawal_reason = ProgressReport._meta.get_field("withdrawal_reason").formfield(
        required=True,
        help_text="例: 別の施策の数値を誤って入力したため。"
        + ProgressReport._meta.get_field("withdrawal_reason").help_text,
        error_messages={"required": "取り下げの理由を入力してください。"},
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for formfield in self.fields.values():
            apply_input_rules(formfield)


@admin.register(ProgressReport)
class ProgressReportAdmin(_ReportAuthorMixin, TrackedAdmin):
    """Reports are added, never overwritten: a saved report is read-only, and may only be withdrawn.

    Withdrawal (取り下げ) is its own page (``<id>/withdraw/``), asking only for the date and the
    reason; the server records who withdrew it. Both writes go through measures.services.
    """

    # Narrow columns, so that 進捗率, 実績値 and 報告者 stay on screen at 1280 px; a withdrawn
    # report says so in its status, where the eye looks first.
    list_display = (
        "as_of",
        "measure_number",
        fiscal_year_column,
        "status_or_withdrawal",
        "progress_percent",
        "actual_label",
        "author_name",
    )
    list_display_links = ("as_of", "measure_number")
    list_filter = (
        ("fiscal_year", FiscalYearListFilter),
        "status",
        "measure__plan",
        "measure__purpose",
        "as_of",
        "withdrawn_on",
    )
    search_fields = ("measure__title", "narrative", "issues", "next_steps")
    ordering = ("-as_of", "-id")
    date_hierarchy = "as_of"
    list_select_related = ("measure", "status", "author")
    autocomplete_fields = ("measure",)
    change_form_template = "admin/measures/progressreport/change_form.html"

    add_fieldsets = (
        (None, {"fields": ("measure", ("fiscal_year", "as_of"))}),
        (
            "進捗",
            {
                "fields": ("year_targets", ("actual_value", "progress_percent"), "status"),
                "description": "実績値は、その年度の目標と同じ指標・単位で入力します。",
            },
        ),
        ("報告内容", {"fields": ("narrative", "issues", "next_steps")}),
    )
    # A saved report, for reading: years and dates as every page shows them (和暦 with the
    # Gregorian beside), figures without trailing zeros.
    fieldsets = (
        (None, {"fields": ("measure", "year_label", "as_of_label")}),
        ("進捗", {"fields": ("status", "progress_label", "actual_label")}),
        ("報告内容", {"fields": ("narrative", "issues", "next_steps")}),
        ("記録", {"fields": ("author_name", "created_label")}),
    )
    withdrawal_fieldset = (
        "取り下げ",
        {"fields": ("withdrawn_label", "withdrawer_name", "withdrawal_reason")},
    )

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.add_fieldsets
        if obj.withdrawn_on:
            return (*self.fieldsets, self.withdrawal_fieldset)
        return self.fieldsets

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ("year_targets",)
        return flatten_fieldsets(self.get_fieldsets(request, obj))

    class Media:
        js = ("measures/report_add.js",)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ProgressReportAddForm
        return super().get_form(request, obj, change, **kwargs)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is None:
            return field
        widget = field.widget
        if isinstance(widget, RelatedFieldWidgetWrapper):
            # A report picks a measure and a status; it does not edit them from here.
            widget.can_add_related = widget.can_change_related = False
            widget.can_delete_related = widget.can_view_related = False
            widget = widget.widget
        if db_field.name == "measure":
            widget.attrs["style"] = "width: 36em"  # the measure's whole title
        elif isinstance(db_field, LongTextField):
            widget.attrs["rows"] = 4
        return field

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # A saved report cannot be edited, so "save and continue editing" leads nowhere.
        context["show_save_and_continue"] = False
        if obj is not None:
            context["title"] = "進捗報告(登録済み)"
            context["may_withdraw"] = self.may_withdraw(request, obj)
            context["withdraw_url"] = reverse("admin:measures_progressreport_withdraw", args=[obj.pk])
            context["add_report_url"] = add_report_url(obj.measure)
            context["may_add"] = self.has_add_permission(request)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        measure_id = initial.get("measure")
        measure = (
            Measure.objects.select_related("plan").filter(pk=measure_id).first()
            if str(measure_id or "").isdigit()
            else None
        )
        if measure is None:
            initial.pop("measure", None)
            return initial
        defaults = new_report_defaults(measure)
        initial.setdefault("fiscal_year", defaults.fiscal_year)
        if defaults.as_of is not None:
            initial.setdefault("as_of", defaults.as_of)
        if defaults.status is not None:
            initial.setdefault("status", defaults.status.pk)
        if defaults.progress_percent is not None:
            initial.setdefault("progress_percent", defaults.progress_percent)
        return initial

    def has_change_permission(self, request, obj=None):
        # A saved report is a record: its page is for reading (and for the withdraw button).
        if obj is not None:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def may_withdraw(self, request, report) -> bool:
        return report.withdrawn_on is None and super().has_change_permission(request, report)

    def save_model(self, request, obj, form, change):
        if change:  # has_change_permission refuses this before it gets here
            raise PermissionDenied(ALREADY_SAVED)
        progress_report_create(report=obj, author=request.user)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/withdraw/",
                self.admin_site.admin_view(self.withdraw_view),
                name="measures_progressreport_withdraw",
            ),
            *super().get_urls(),
        ]

    def withdraw_view(self, request, object_id):
        report = self.get_object(request, object_id) if str(object_id).isdigit() else None
        if report is None:
            raise Http404("指定された進捗報告は見つかりません。")
        if not super().has_change_permission(request, report):
            raise PermissionDenied
        page = reverse("admin:measures_progressreport_change", args=[report.pk])
        if report.withdrawn_on is not None:
            self.message_user(request, "この進捗報告はすでに取り下げられています。", messages.WARNING)
            return HttpResponseRedirect(page)
        if request.method == "POST":
            form = WithdrawalForm(request.POST)
            if form.is_valid():
                try:
                    progress_report_withdraw(
                        report=report,
                        withdrawn_on=form.cleaned_data["withdrawn_on"],
                        reason=form.cleaned_data["withdrawal_reason"],
                        by=request.user,
                        loaded_version=form.cleaned_data["version"],
                    )
                except ValidationError as exc:
                    _add_errors(form, exc)
                else:
                    self.log_change(request, report, "取り下げ")
                    self.message_user(request, f"進捗報告「{report}」を取り下げました。", messages.SUCCESS)
                    return HttpResponseRedirect(page)
        else:
            form = WithdrawalForm(initial={"withdrawn_on": today(), "version": report.version})
        context = {
            **self.admin_site.each_context(request),
            "title": "進捗報告の取り下げ",
            "subtitle": str(report),
            "opts": self.opts,
            "report": report,
            "form": form,
            "report_url": page,
            "media": self.media + form.media,
        }
        status = 400 if form.is_bound and form.errors else 200
        return TemplateResponse(
            request, "admin/measures/progressreport/withdraw.html", context, status=status
        )

    @admin.display(description="年度別の目標")
    def year_targets(self, report):
        measure = getattr(report, "measure", None) if report.measure_id else None
        if measure is None:
            return "施策を選ぶと、その施策の年度別の目標と指標がここに表示されます。"
        targets = measure.annual_targets.order_by("fiscal_year")
        if not targets:
            return "この施策には年度目標が登録されていません(実績値は空欄でかまいません)。"
        return format_html(
            '<table class="year-targets"><thead><tr><th>年度</th><th>目標</th><th>指標</th>'
            "<th>目標値</th></tr></thead><tbody>{}</tbody></table>",
            format_html_join(
                "",
                '<tr class="{}"><th scope="row">{}</th><td>{}</td><td>{}</td><td class="num">{}</td></tr>',
                (
                    (
                        "current" if t.fiscal_year == report.fiscal_year else "",
                        fiscal.fiscal_year_label(t.fiscal_year),
                        t.target_text or "—",
                        t.indicator_name or "—",
                        f"{plain_number(t.target_value)} {t.indicator_unit}".strip()
                        if t.target_value is not None
                        else "—",
                    )
                    for t in targets
                ),
            ),
        )

    @admin.display(description="年度")
    def year_label(self, report) -> str:
        return fiscal.fiscal_year_label(report.fiscal_year)

    @admin.display(description="報告基準日")
    def as_of_label(self, report) -> str:
        return fiscal.wareki_date_with_western(report.as_of)

    @admin.display(description="進捗率")
    def progress_label(self, report) -> str:
        return f"{report.progress_percent}%"

    @admin.display(description="実績値", ordering="actual_value")
    def actual_label(self, report) -> str:
        return "—" if report.actual_value is None else plain_number(report.actual_value)

    @admin.display(description="登録日時")
    def created_label(self, report) -> str:
        created = timezone.localtime(report.created_at)
        return f"{fiscal.wareki_date(created.date())} {created:%H:%M}"

    @admin.display(description="取り下げ日")
    def withdrawn_label(self, report) -> str:
        return fiscal.wareki_date_with_western(report.withdrawn_on) if report.withdrawn_on else "—"

    @admin.display(description="取り下げた職員")
    def withdrawer_name(self, report) -> str:
        return display_name(report.withdrawn_by) or "—"

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


def _add_errors(form: forms.Form, exc: ValidationError) -> None:
    """A service's refusal shown on the form: by field where it names one, else above the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


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
