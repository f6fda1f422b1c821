"""The one FilterSet behind the report page, the Excel download, the printable pages and the export command.

A manager's bookmarked query string means the same thing everywhere. It has two parts:

- the scope, which says what the report covers: the plan (the current one when none is
  chosen), the as-of date and the fiscal years. These are fields of ReportScopeForm, the
  FilterSet's form, because they choose how progress is read rather than which measures;
- the filters, which narrow the plan's measures: purpose, department, keyword and status.
  The status filter reads each measure's standing on the scope's date, in the scope's years.

``as_of`` here is the 基準日: each measure's latest standing report by that date speaks for it.
The purpose filter was called ``objective`` before; that name is refused with a message naming
``purpose`` (core.parameters), so a bookmark that used it is not silently widened to every purpose.
"""

from __future__ import annotations

from datetime import date

import django_filters
from django import forms
from django.db.models import QuerySet

from core import fiscal
from core.api import FormClassOnce
from core.clock import today
from core.fields import DateFormField, FiscalYearFormField, date_in_range_error
from core.parameters import RetiredParametersForm
from measures.filters import visible_choices
from measures.models import Department, Keyword, Measure, Plan, ProgressStatus, Purpose
from measures.selectors import plan_current_with_default_as_of, plan_default_as_of, reports_latest_as_of


class ReportScopeForm(RetiredParametersForm):
    """The scope of a report, checked against the plan it names (or the current plan)."""

    retired_parameters = {"objective": "purpose"}

    plan = forms.ModelChoiceField(
        label="計画",
        queryset=Plan.objects.all(),
        required=False,
        empty_label="現行の計画",
        error_messages={"invalid_choice": "指定された計画は登録されていません。一覧から選んでください。"},
    )
    as_of = DateFormField(
        label="基準日",
        required=False,
        help_text=(
            "この日までの報告で集計します(例: 2020/03/31、令和2年3月31日)。空欄は今日、"
            "終了した計画では計画期間の最終日(それより後の報告があればその最新の日)です。"
        ),
    )
    fiscal_year = FiscalYearFormField(
        label="年度",
        required=False,
        help_text="例: 2019、令和元年度、平成31年度。空欄は計画期間のすべての年度です。",
    )

    # The filters' fields are added by the FilterSet; this is the order a person reads them in.
    field_order = ("plan", "as_of", "purpose", "department", "keyword", "fiscal_year", "status")

    selected_plan: Plan | None = None
    # The 基準日 when none is typed (measures.selectors.plan_default_as_of), set by clean().
    default_as_of: date | None = None

    def clean(self):
        """The chosen plan (or the current one) must exist, and the year and purpose must belong to it."""
        cleaned = super().clean()
        if self.has_error("plan"):
            return cleaned  # an unknown plan: nothing else can be checked against it
        plan, default_as_of = cleaned.get("plan"), None
        if plan is None:
            # The current plan and its default 基準日 in one read, whether or not a date was typed.
            plan, default_as_of = plan_current_with_default_as_of()
        elif cleaned.get("as_of") is None:
            default_as_of = plan_default_as_of(plan)
        self.selected_plan = plan
        if plan is None:
            self.add_error("plan", "計画が登録されていません。")
            return cleaned
        if cleaned.get("as_of") is None:
            self.default_as_of = default_as_of
        year = cleaned.get("fiscal_year")
        if year is not None and not plan.covers(year):
            self.add_error(
                "fiscal_year", f"{fiscal.fiscal_year_label(year)}は計画期間({plan.period_label})の外です。"
            )
        error = date_in_range_error(cleaned.get("as_of"), "基準日")
        if error:
            self.add_error("as_of", error)
        purpose = cleaned.get("purpose")
        if purpose is not None and purpose.plan_id != plan.pk:
            self.add_error("purpose", "選んだ目的はこの計画のものではありません。")
        return cleaned


class MeasureProgressFilter(FormClassOnce, django_filters.FilterSet):
    purpose = django_filters.ModelChoiceFilter(
        label="計画の目的",
        field_name="purpose",
        queryset=visible_choices(Purpose.objects.select_related("plan")),
        empty_label="すべて",
    )
    department = django_filters.ModelChoiceFilter(
        label="所管課",
        field_name="departments",
        queryset=visible_choices(Department),
        empty_label="すべて",
    )
    keyword = django_filters.ModelChoiceFilter(
        label="施策のキーワード",
        field_name="keywords",
        queryset=visible_choices(Keyword),
        empty_label="すべて",
    )
    status = django_filters.ModelChoiceFilter(
        label="進捗状況",
        queryset=visible_choices(ProgressStatus),
        empty_label="すべて",
        method="filter_status",
    )

    class Meta:
        model = Measure
        form = ReportScopeForm
        fields = ("purpose", "department", "keyword", "status")

    # The choices are cut to published plans for a visitor when a request is given (the API's
    # subclass); the report pages behind the sign-in pass none and choose among every plan.
    def __init__(self, data=None, queryset=None, **kwargs):
        if queryset is None:
            queryset = Measure.objects.all()
        super().__init__(data, queryset, **kwargs)

    def filter_status(self, queryset, name, value):
        """Measures whose latest report as of the date, in one of the years, has this status."""
        current = reports_latest_as_of(as_of=self.as_of_date, fiscal_years=self.fiscal_years)
        return queryset.filter(pk__in=current.filter(status=value).values("measure_id"))

    def filter_queryset(self, queryset) -> QuerySet[Measure]:
        """The selected plan's measures, narrowed by each filter.

        django-filter's own version passes every cleaned field to a filter of the same name;
        the scope's fields have none, because they choose how progress is read, not which measures.
        """
        queryset = queryset.filter(plan=self.selected_plan)
        for name, measure_filter in self.filters.items():
            queryset = measure_filter.filter(queryset, self.form.cleaned_data.get(name))
        return queryset.distinct()

    @property
    def selected_plan(self) -> Plan | None:
        """The chosen plan, or the current one: looked up once, when the form is validated."""
        return self.form.selected_plan

    @property
    def as_of_date(self) -> date:
        """The 基準日 typed, else the plan's default (the end of a plan that has ended), else today."""
        return self.form.cleaned_data.get("as_of") or self.form.default_as_of or today()

    @property
    def as_of_is_default(self) -> bool:
        """Whether the 基準日 was chosen for the user (nothing typed), so a report can say how."""
        return self.form.cleaned_data.get("as_of") is None

    @property
    def fiscal_years(self) -> list[int]:
        year = self.form.cleaned_data.get("fiscal_year")
        return [year] if year is not None else self.selected_plan.fiscal_years

    def applied_filters(self) -> list[tuple[str, str]]:
        """(label, value) for each condition the user set, in the form's order, for a report's cover."""
        applied = []
        for name, field in self.form.fields.items():
            value = self.form.cleaned_data.get(name)
            if value in (None, ""):
                continue
            if name == "fiscal_year":
                value = fiscal.fiscal_year_label(value)
            elif name == "as_of":
                value = fiscal.wareki_date_with_western(value)
            applied.append((str(field.label), str(value)))
        return applied
