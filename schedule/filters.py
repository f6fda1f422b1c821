"""One FilterSet per list of the drafting schedule, for the API (docs/api.md)."""

from __future__ import annotations

import django_filters

from core.api import DateFilter, FiscalYearFilter, UpdatedSinceFilter, choices_for_request
from core.parameters import RetiredParametersForm

from .models import Body, Phase, PublicCommentPeriod, ScheduledItem
from .selectors import schedule_public_only

INVALID_CHOICE = {"invalid_choice": "指定されたものは登録されていません。一覧にあるidを指定してください。"}
YEAR_LABEL = "年度(例: 2018、平成30年度)"


def _visible(model):
    """The rows of ``model`` a request may choose: a visitor's, only the public ones."""
    return choices_for_request(model, schedule_public_only)


class BodyFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label="種別", choices=Body.Kind.choices)
    updated_since = UpdatedSinceFilter()

    class Meta:
        model = Body
        fields = ("kind", "updated_since")


class PhaseFilter(django_filters.FilterSet):
    fiscal_year = FiscalYearFilter(label=YEAR_LABEL)
    updated_since = UpdatedSinceFilter()

    class Meta:
        model = Phase
        fields = ("fiscal_year", "updated_since")


class ScheduledItemFilterForm(RetiredParametersForm):
    # as_of, which meant "held by that date" here alone, is the 基準日 everywhere else.
    retired_parameters = {"as_of": "held_until"}


class ScheduledItemFilter(django_filters.FilterSet):
    body = django_filters.ModelChoiceFilter(
        label="会議体", queryset=_visible(Body), error_messages=INVALID_CHOICE
    )
    phase = django_filters.ModelChoiceFilter(
        label="検討段階", queryset=_visible(Phase), error_messages=INVALID_CHOICE
    )
    kind = django_filters.ChoiceFilter(label="種別", choices=ScheduledItem.Kind.choices)
    status = django_filters.ChoiceFilter(label="状況", choices=ScheduledItem.Status.choices)
    fiscal_year = FiscalYearFilter(label=YEAR_LABEL)
    held_until = DateFilter(
        label="この日までに実施したもの(実施日。例: 2019-03-31、平成31年3月31日)",
        field_name="actual_date",
        lookup_expr="lte",
    )
    updated_since = UpdatedSinceFilter()

    class Meta:
        model = ScheduledItem
        form = ScheduledItemFilterForm
        fields = ("body", "phase", "kind", "status", "fiscal_year", "held_until", "updated_since")


class PublicCommentPeriodFilter(django_filters.FilterSet):
    body = django_filters.ModelChoiceFilter(
        label="会議体", queryset=_visible(Body), error_messages=INVALID_CHOICE
    )
    fiscal_year = FiscalYearFilter(label=YEAR_LABEL)
    updated_since = UpdatedSinceFilter()

    class Meta:
        model = PublicCommentPeriod
        fields = ("body", "fiscal_year", "updated_since")
