"""The one FilterSet behind the report page, the Excel download, the printable pages and the API.

A manager's bookmarked query string means the same thing everywhere.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.functional import cached_property

from . import fiscal
from .fields import FiscalYearFormField, date_in_range_error
from .models import (
    Department,
    Keyword,
    Measure,
    Plan,
    ProgressStatus,
    Purpose,
)
from .selectors import plan_current, reports_latest_as_of, today


class FiscalYearFilter(django_filters.Filter):
    field_class = FiscalYearFormField


class MeasureProgressFilter(django_filters.FilterSet):
    plan = django_filters.ModelChoiceFilter(
        label="計画",
        queryset=Plan.objects.all(),
        empty_label="現行の計画",
        method="read_by_reports",
        error_messages={"invalid_choice": "指定された計画は登録されていません。一覧から選んでください。"},
    )
    as_of = django_filters.DateFilter(
        label="基準日",
        method="read_by_reports",
        help_text="この日までの報告で集計します(例: 2020/03/31)。空欄は今日です。",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    objective = django_filters.ModelChoiceFilter(
        label="計画の目的",
        field_name="purpose",
        queryset=Purpose.objects.select_related("plan"),
        empty_label="すべて",
    )
    department = django_filters.ModelChoiceFilter(
        label="所管課", field_name="departments", queryset=Department.objects.all(), empty_label="すべて"
    )
    keyword = django_filters.ModelChoiceFilter(
        label="施策のキーワード", field_name="keywords", queryset=Keyword.objects.all(), empty_label="すべて"
    )
    fiscal_year = FiscalYearFilter(
        label="年度",
        method="read_by_reports",
        help_text="例: 2019、令和元年度、平成31年度。空欄は計画期間のすべての年度です。",
    )
    status = django_filters.ModelChoiceFilter(
        label="進捗状況",
        queryset=ProgressStatus.objects.all(),
        empty_label="すべて",
        method="read_by_reports",
    )

    class Meta:
        model = Measure
        fields = ("plan", "as_of", "objective", "department", "keyword", "fiscal_year", "status")

    def __init__(self, data=None, queryset=None, **kwargs):
        if queryset is None:
            queryset = Measure.objects.all()
        super().__init__(data, queryset, **kwargs)

    def read_by_reports(self, queryset, name, value):
        """plan, as_of, fiscal_year and status filter nothing by themselves: the reports read them
        through the properties below, and filter_queryset applies plan and status in order."""
        return queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset).filter(plan=self.selected_plan).distinct()
        status = self.form.cleaned_data.get("status")
        if status is not None:
            current = reports_latest_as_of(as_of=self.as_of_date, fiscal_years=self.fiscal_years).filter(
                status=status
            )
            queryset = queryset.filter(pk__in=current.values("measure_id"))
        return queryset

    def clean_against_plan(self):
        """Cross-field checks django-filter cannot express: the year and purpose must fit the plan."""
        plan = self.selected_plan
        data = self.form.cleaned_data
        year = data.get("fiscal_year")
        if plan is None:
            self.form.add_error("plan", "計画が登録されていません。")
            return
        if year is not None and not plan.covers(year):
            self.form.add_error(
                "fiscal_year",
                f"{fiscal.fiscal_year_label(year)}は計画期間({plan.period_label})の外です。",
            )
        error = date_in_range_error(data.get("as_of"), "基準日")
        if error:
            self.form.add_error("as_of", error)
        objective = data.get("objective")
        if objective is not None and objective.plan_id != plan.pk:
            self.form.add_error("objective", "選んだ目的はこの計画のものではありません。")

    def is_valid(self):
        valid = super().is_valid()
        if valid:
            self.clean_against_plan()
        return valid and not self.form.errors

    @cached_property
    def selected_plan(self) -> Plan | None:
        """The chosen plan, or the current one; looked up once per request (read after is_valid())."""
        return self.form.cleaned_data.get("plan") or plan_current()

    @property
    def as_of_date(self):
        return self.form.cleaned_data.get("as_of") or today()

    @property
    def fiscal_years(self) -> list[int]:
        year = self.form.cleaned_data.get("fiscal_year")
        return [year] if year is not None else self.selected_plan.fiscal_years

    def applied_filters(self) -> list[tuple[str, str]]:
        """(label, value) for each filter the user set, for a report's cover."""
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
