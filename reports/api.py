"""The measures under /api/, each with its state for every fiscal year as of a date (docs/api.md).

This lives in reports, not measures, because it reads progress the way the report pages do and
takes the same query string: its FilterSet extends reports.filters.MeasureProgressFilter (plan,
as_of, fiscal_year, purpose, department, keyword, status, with ReportScopeForm's checks and
measures.selectors.plan_default_as_of for the default 基準日), and measures may not import
reports. Each page's yearly state comes from measures.selectors.measure_progress_rows, the same
rows as the workbook and the printable pages, in a fixed number of queries whatever the page size.
"""

from __future__ import annotations

import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, serializers
from rest_framework.generics import get_object_or_404
from rest_framework.relations import MANY_RELATION_KWARGS
from rest_framework.response import Response

from core import api
from core.api_schema import form_parameters
from measures.api import PublishedViewSet
from measures.filters import visible_choices
from measures.models import (
    AnnualTarget,
    EvaluationGrade,
    Measure,
    Plan,
    ProgressReport,
    ProgressStatus,
    Technology,
)
from measures.selectors import measure_link_ids, measure_progress_rows, plan_current, published_only

from .filters import MeasureProgressFilter, ReportScopeForm

EVALUATION_HELP = "評価(例: A)。選んだ年度のどれかがこの評価の施策。"
# What a measure read alone takes of the list's query string.
RETRIEVE_SCOPE = ("as_of", "fiscal_year")


class MeasureApiScopeForm(ReportScopeForm):
    """ReportScopeForm, plus: a visitor who is not signed in reads published plans only (the
    current published plan when none is named; none at all when nothing is published), and
    ``evaluation`` must be a grade of the plan's scale."""

    public_only = False

    def clean(self):
        if self.public_only and not self.has_error("plan") and self.cleaned_data.get("plan") is None:
            plan = plan_current(plans=published_only(Plan.objects.all()))
            if plan is None:  # nothing is published: an empty list, not someone else's plan
                self.selected_plan = None
                return self.cleaned_data
            self.cleaned_data["plan"] = plan
        cleaned = super().clean()
        code = cleaned.get("evaluation")
        plan = self.selected_plan
        if code and plan is not None:
            codes = list(
                EvaluationGrade.objects.filter(scale_id=plan.evaluation_scale_id).values_list(
                    "code", flat=True
                )
            )
            if code not in codes:
                self.add_error(
                    "evaluation",
                    f"評価「{code}」はこの計画の評価基準にありません。使える評価: {'、'.join(codes) or 'なし'}。",
                )
        return cleaned


@extend_schema_field(OpenApiTypes.INT)
class _IdFilter(django_filters.ModelChoiceFilter):
    """A choice by id, said so in the schema (a filter with a method gives drf-spectacular no type)."""


class MeasureApiFilter(MeasureProgressFilter):
    """The report pages' filters, and the API's: technology, evaluation and updated_since."""

    # The report pages' status filter, typed for the schema.
    status = _IdFilter(
        label=MeasureProgressFilter.base_filters["status"].label,
        queryset=visible_choices(ProgressStatus),
        method="filter_status",
    )

    technology = django_filters.ModelChoiceFilter(
        label="使用するテクノロジー等",
        field_name="technologies",
        queryset=visible_choices(Technology),
        error_messages={"invalid_choice": "指定されたテクノロジー等は登録されていません。"},
    )
    updated_since = api.UpdatedSinceFilter(
        Measure,
        AnnualTarget,
        ProgressReport,
        label="この日時以降に施策・年度目標・進捗報告が変更された施策(変更履歴の日時)",
    )
    # Last: it reads the progress of the measures the other filters leave.
    evaluation = django_filters.CharFilter(label=EVALUATION_HELP, method="filter_evaluation", max_length=4)

    class Meta(MeasureProgressFilter.Meta):
        form = MeasureApiScopeForm
        fields = (*MeasureProgressFilter.Meta.fields, "technology", "updated_since", "evaluation")

    def __init__(self, data=None, queryset=None, *, request=None, **kwargs):
        super().__init__(data, queryset, request=request, **kwargs)
        self.public_only = request is not None and api.is_public(request)

    @property
    def form(self):
        if not hasattr(self, "_form"):
            form = super().form
            if self.public_only:
                form.public_only = True
                form.fields["plan"].queryset = published_only(Plan.objects.all())
        return self._form

    def filter_evaluation(self, queryset, name, value):
        """Measures with this grade in one of the years, as of the date: from the progress rows."""
        rows = measure_progress_rows(
            plan=self.selected_plan,
            as_of=self.as_of_date,
            measures=queryset,
            fiscal_years=self.fiscal_years,
            with_names=False,
        )
        graded = [
            row.pk for row in rows if any(y.grade is not None and y.grade.code == value for y in row.years)
        ]
        return queryset.filter(pk__in=graded)

    def filter_queryset(self, queryset):
        if self.selected_plan is None:
            return queryset.none()
        return super().filter_queryset(queryset)


class _KeepFilterSet(api.FilterBackend):
    """DRF's django-filter backend, keeping the validated FilterSet on the view: its plan, date
    and years say how the page's progress is read."""

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        view.filterset = filterset
        return filterset


# ---- The yearly state ----------------------------------------------------------------------------


class TargetSerializer(api.RecordSerializer):
    target_text = serializers.CharField(read_only=True, help_text="年度目標。")
    indicator_name = serializers.CharField(read_only=True, help_text="指標名。")
    indicator_unit = serializers.CharField(read_only=True, help_text="単位。")
    target_value = serializers.DecimalField(
        max_digits=14, decimal_places=2, read_only=True, allow_null=True, help_text="目標値。"
    )


def _year_field(field_class, source: str, help_text: str, **kwargs):
    return field_class(source=source, read_only=True, allow_null=True, help_text=help_text, **kwargs)


class YearProgressSerializer(api.RecordSerializer):
    """One fiscal year of a measure as of the date: measures.selectors.YearProgress."""

    fiscal_year = serializers.IntegerField(read_only=True, help_text="年度(西暦)。")
    fiscal_year_label = api.fiscal_year_label_field()
    target = TargetSerializer(read_only=True, allow_null=True, help_text="その年度の目標(なければnull)。")
    report_id = _year_field(
        serializers.IntegerField, "report.pk", "状態を決めた進捗報告のid(報告がなければnull)。"
    )
    report_as_of = _year_field(serializers.DateField, "report.as_of", "その報告の報告基準日。")
    status = _year_field(serializers.IntegerField, "report.status.pk", "進捗状況のid。")
    status_name = _year_field(serializers.CharField, "report.status.name", "進捗状況(報告がなければnull)。")
    actual_value = _year_field(
        serializers.DecimalField, "report.actual_value", "実績値。", max_digits=14, decimal_places=2
    )
    progress_percent = _year_field(serializers.IntegerField, "report.progress_percent", "進捗率(%)。")
    achievement_rate = _year_field(
        serializers.DecimalField,
        "rate",
        "達成率(%) = 実績値 ÷ 目標値 × 100。",
        max_digits=12,
        decimal_places=1,
    )
    evaluation = _year_field(serializers.CharField, "grade.code", "評価(例: A)。報告がなければnull。")
    evaluation_label = _year_field(serializers.CharField, "grade.label", "評価の説明。")


class _PageLinkIds(serializers.ManyRelatedField):
    """A measure's departments, keywords or technologies as ids, from those read for the whole page
    (``links`` in the context: measures.selectors.measure_link_ids, in plain SQL) rather than from a prefetch."""

    def get_attribute(self, instance):
        return self.represent(instance, self.context)

    def represent(self, instance, context):
        """The ids, for core.api.ListWriter: a field that reads the request's context says so."""
        return context["links"][self.source].get(instance.pk, [])

    def to_representation(self, value):
        return value


class _PageLinkField(serializers.PrimaryKeyRelatedField):
    """The model's relations as ModelSerializer builds them (so the schema is the same); a
    many-to-many one reads the page's ids (_PageLinkIds)."""

    @classmethod
    def many_init(cls, *args, **kwargs):
        # DRF's RelatedField.many_init, with _PageLinkIds for its ManyRelatedField.
        list_kwargs = {"child_relation": cls(*args, **kwargs)}
        list_kwargs.update((key, kwargs[key]) for key in kwargs if key in MANY_RELATION_KWARGS)
        return _PageLinkIds(**list_kwargs)


class MeasureSerializer(api.ModelSerializer):
    serializer_related_field = _PageLinkField
    purpose_code = serializers.CharField(
        source="purpose.code", read_only=True, help_text="計画の目的の項番。"
    )
    as_of = serializers.SerializerMethodField(help_text="各年度の状態を読んだ基準日。")
    years = serializers.SerializerMethodField(help_text="計画期間の各年度の、基準日時点の状態。")

    class Meta:
        model = Measure
        fields = (
            "id",
            "plan",
            "purpose",
            "purpose_code",
            "number",
            "title",
            "description",
            "departments",
            "keywords",
            "technologies",
            "order",
            "as_of",
            "years",
        )

    @extend_schema_field(OpenApiTypes.DATE)
    def get_as_of(self, measure):
        as_of = self.context.get("as_of")
        return as_of.isoformat() if as_of else None

    @extend_schema_field(YearProgressSerializer(many=True))
    def get_years(self, measure):
        row = self.context["progress"].get(measure.pk)
        # YearProgressSerializer's fields as declared, not built again for each measure and request.
        return api.ListWriter(YearProgressSerializer).write(row.years if row else [], context=self.context)


class MeasureViewSet(PublishedViewSet):
    """施策と、計画期間の各年度の基準日時点の状態(目標・実績値・達成率・評価・進捗状況・進捗率)。

    絞り込みは報告のページ(/reports/)と同じ意味です。
    plan を省くと現行の計画(サインインしていない場合は公開の計画)、
    as_of を省くと今日(終了した計画では計画期間の最終日)です。
    """

    # The departments, keywords and technologies are read for the page (measure_link_ids).
    queryset = Measure.objects.select_related("purpose")
    serializer_class = MeasureSerializer
    filterset_class = MeasureApiFilter
    filter_backends = (_KeepFilterSet, api.StrictOrderingFilter)
    ordering_fields = ("id", "number", "order")
    ordering = ("purpose__order", "order", "number", "id")

    def _with_progress(self, measures: list[Measure], filterset: MeasureApiFilter) -> dict:
        rows = measure_progress_rows(
            plan=filterset.selected_plan,
            as_of=filterset.as_of_date,
            # The page as read (with its purposes): its figures by the measures' ids.
            measures=measures,
            fiscal_years=filterset.fiscal_years,
            with_names=False,
        )
        return {
            **self.get_serializer_context(),
            "progress": {row.pk: row for row in rows},
            "links": measure_link_ids([m.pk for m in measures]),
            "as_of": filterset.as_of_date,
        }

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        filterset = self.filterset
        context = self._with_progress(page, filterset) if filterset.selected_plan else {"progress": {}}
        context.setdefault("as_of", filterset.as_of_date if filterset.selected_plan else None)
        # MeasureSerializer's fields as declared, written without DRF building them for each request.
        return self.get_paginated_response(api.ListWriter(MeasureSerializer).write(page, context=context))

    @extend_schema(parameters=form_parameters(MeasureApiScopeForm, RETRIEVE_SCOPE))
    def retrieve(self, request, *args, **kwargs):
        """施策と、計画期間の各年度の基準日時点の状態。as_of と fiscal_year は一覧と同じ意味です。"""
        measure = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        # The measure's own plan; of the list's parameters, only the date and the years apply.
        data = {name: request.query_params[name] for name in RETRIEVE_SCOPE if name in request.query_params}
        data["plan"] = str(measure.plan_id)
        filterset = MeasureApiFilter(data, queryset=Measure.objects.all(), request=request)
        if not filterset.is_valid():
            raise exceptions.ValidationError(filterset.errors)
        context = self._with_progress([measure], filterset)
        return Response(MeasureSerializer(measure, context=context).data)
