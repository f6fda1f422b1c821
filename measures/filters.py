"""One FilterSet per list of the plan's records, for the API (docs/api.md).

The measures' own list, which reads progress as of a date, is reports.api.MeasureApiFilter: it
extends the report pages' MeasureProgressFilter, which measures may not import. The parameters
here mean the same as there: ``plan``, ``purpose``, ``department``, ``keyword``, ``technology``,
``status`` and ``fiscal_year`` (era forms too); ``updated_since`` reads the change history.
``as_of`` is there the 基準日, which reads each measure's latest standing report; the reports' own
list takes every report up to a date instead, so it names that ``reported_until``.
"""

from __future__ import annotations

import django_filters

from core.api import (
    BooleanFilter,
    DateFilter,
    FiscalYearFilter,
    UpdatedSinceFilter,
    choices_for_request,
)
from core.parameters import RetiredParametersForm

from .models import (
    AnnualTarget,
    Department,
    Keyword,
    Measure,
    NamedModel,
    Plan,
    ProgressReport,
    ProgressStatus,
    Purpose,
    Technology,
)
from .selectors import published_only

INVALID_CHOICE = {"invalid_choice": "指定されたものは登録されていません。一覧にあるidを指定してください。"}


def visible_choices(rows):
    """The rows a request may choose in a filter: a visitor's, those of published plans only."""
    return choices_for_request(rows, published_only)


def _choice(label: str, model, field_name: str) -> django_filters.ModelChoiceFilter:
    return django_filters.ModelChoiceFilter(
        label=label, field_name=field_name, queryset=visible_choices(model), error_messages=INVALID_CHOICE
    )


class PlanFilter(django_filters.FilterSet):
    published = BooleanFilter(label="公開")
    updated_since = UpdatedSinceFilter()

    class Meta:
        model = Plan
        fields = ("published", "updated_since")


class PurposeFilter(django_filters.FilterSet):
    plan = _choice("計画", Plan, "plan")
    keyword = _choice("施策のキーワード", Keyword, "keywords")
    technology = _choice("使用するテクノロジー等", Technology, "technologies")
    updated_since = UpdatedSinceFilter()

    class Meta:
        model = Purpose
        fields = ("plan", "keyword", "technology", "updated_since")


class _MeasureRecordFilter(django_filters.FilterSet):
    """The filters of records that belong to a measure (targets, reports), by the measure's traits."""

    plan = _choice("計画", Plan, "measure__plan")
    purpose = _choice("計画の目的", Purpose, "measure__purpose")
    measure = _choice("施策", Measure, "measure")
    department = _choice("所管課", Department, "measure__departments")
    keyword = _choice("施策のキーワード", Keyword, "measure__keywords")
    technology = _choice("使用するテクノロジー等", Technology, "measure__technologies")
    fiscal_year = FiscalYearFilter(label="年度(例: 2019、令和元年度、平成31年度)")

    @property
    def qs(self):
        return super().qs.distinct()


class AnnualTargetFilter(_MeasureRecordFilter):
    updated_since = UpdatedSinceFilter()

    class Meta:
        model = AnnualTarget
        fields = ("plan", "purpose", "measure", "department", "keyword", "technology", "fiscal_year")


class ProgressReportFilterForm(RetiredParametersForm):
    # as_of here meant every report up to that date; elsewhere it is the 基準日, the latest report.
    retired_parameters = {"as_of": "reported_until"}


class ProgressReportFilter(_MeasureRecordFilter):
    status = _choice("進捗状況", ProgressStatus, "status")
    reported_until = DateFilter(
        label="報告基準日がこの日までの報告(例: 2020-03-31、令和2年3月31日)",
        field_name="as_of",
        lookup_expr="lte",
    )
    standing = BooleanFilter(
        label="取り下げていない報告だけ(true)/取り下げた報告だけ(false)",
        field_name="withdrawn_on",
        lookup_expr="isnull",
    )
    updated_since = UpdatedSinceFilter()

    class Meta:
        model = ProgressReport
        form = ProgressReportFilterForm
        fields = (
            "plan",
            "purpose",
            "measure",
            "department",
            "keyword",
            "technology",
            "status",
            "fiscal_year",
            "reported_until",
            "standing",
        )


class NamedFilter(django_filters.FilterSet):
    """The filters of a list of names (NamedModel: departments, keywords, technologies)."""

    updated_since = UpdatedSinceFilter()

    class Meta:
        model = NamedModel
        fields = ("updated_since",)
