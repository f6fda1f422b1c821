"""The plan's records under /api/ (docs/api.md), registered on the router in bunkyo/api.py.

Anyone may read a published plan and what is in it; a visitor who is not signed in never sees an
unpublished plan, a withdrawn report or a person's name. The signed-in roles read everything
their view permissions allow. Writes go through measures.services, as in the admin.
The measures' list with their yearly progress is reports.api.MeasureViewSet (it shares the
report pages' FilterSet, which lives in reports).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from core.api import CursorPagination, ReadViewSet, is_public, raise_for
from core.versioning import ConcurrentEditError, concurrent_edit_message

from . import filters, serializers
from .models import (
    AnnualTarget,
    Department,
    EvaluationGrade,
    Keyword,
    Plan,
    ProgressReport,
    Purpose,
    Technology,
)
from .selectors import published_only
from .services import progress_report_create, progress_report_withdraw


class PublishedViewSet(ReadViewSet):
    """A list of the plan's records: a visitor who is not signed in reads those of published plans
    (measures.selectors.published_only)."""

    def public_queryset(self, queryset):
        return published_only(queryset)


class PlanViewSet(PublishedViewSet):
    """計画。"""

    queryset = Plan.objects.select_related("evaluation_scale").prefetch_related(
        Prefetch("evaluation_scale__grades", queryset=EvaluationGrade.objects.order_by("order", "code"))
    )
    serializer_class = serializers.PlanSerializer
    filterset_class = filters.PlanFilter
    ordering_fields = ("id", "name", "first_fiscal_year", "last_fiscal_year")
    ordering = ("-first_fiscal_year", "name")


class PurposeViewSet(PublishedViewSet):
    """計画の目的。"""

    queryset = Purpose.objects.prefetch_related("keywords", "technologies")
    serializer_class = serializers.PurposeSerializer
    filterset_class = filters.PurposeFilter
    ordering_fields = ("id", "plan", "order", "code")
    ordering = ("plan", "order", "code")


class NamedViewSet(PublishedViewSet):
    """A list of names (measures.models.NamedModel), in their order."""

    filterset_class = filters.NamedFilter
    ordering_fields = ("id", "name", "order")
    ordering = ("order", "name")


class DepartmentViewSet(NamedViewSet):
    """所管課。サインインしていない場合は、公開の計画の施策が使うものだけ。"""

    queryset = Department.objects.all()
    serializer_class = serializers.DepartmentSerializer


class KeywordViewSet(NamedViewSet):
    """施策のキーワード。サインインしていない場合は、公開の計画の施策か目的が使うものだけ。"""

    queryset = Keyword.objects.all()
    serializer_class = serializers.KeywordSerializer


class TechnologyViewSet(NamedViewSet):
    """使用するテクノロジー等。サインインしていない場合は、公開の計画の施策か目的が使うものだけ。"""

    queryset = Technology.objects.all()
    serializer_class = serializers.TechnologySerializer


class AnnualTargetViewSet(PublishedViewSet):
    """年度目標。"""

    queryset = AnnualTarget.objects.all()
    serializer_class = serializers.AnnualTargetSerializer
    filterset_class = filters.AnnualTargetFilter
    ordering_fields = ("id", "measure", "fiscal_year")
    ordering = ("measure", "fiscal_year")


class ProgressReportViewSet(mixins.CreateModelMixin, PublishedViewSet):
    """進捗報告。サインインしていない場合は、公開の計画の取り下げていない報告だけ(報告者名なし)。

    追加と取り下げは事務局だけです。報告者・取り下げた職員はサーバーが記録します。
    """

    queryset = ProgressReport.objects.select_related("status", "author", "withdrawn_by")
    filterset_class = filters.ProgressReportFilter
    # New reports arrive while someone pages through: a cursor skips none and repeats none.
    pagination_class = CursorPagination
    ordering_fields = ("id", "as_of", "fiscal_year", "measure", "created_at")
    ordering = ("-as_of", "-id")
    write_permissions = {
        "create": ["measures.add_progressreport"],
        "withdraw": ["measures.change_progressreport"],
    }

    def get_queryset(self):
        queryset = super().get_queryset()
        if is_public(self.request):
            queryset = queryset.standing()
        return queryset

    def get_serializer_class(self):
        if self.action == "create":
            return serializers.ProgressReportCreateSerializer
        if self.action == "withdraw":
            return serializers.ProgressReportWithdrawSerializer
        # The names and the withdrawal are left out for a visitor (its staff_only_fields).
        return serializers.ProgressReportSerializer

    @extend_schema(
        request=serializers.ProgressReportCreateSerializer,
        responses={201: serializers.ProgressReportSerializer},
    )
    def create(self, request, *args, **kwargs):
        """進捗報告を追加します(事務局)。報告者は送信した職員です。"""
        incoming = serializers.ProgressReportCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        report = ProgressReport(**incoming.validated_data)
        try:
            report = progress_report_create(report=report, author=request.user)
        except ValidationError as error:
            raise_for(error)
        report = self.get_queryset().get(pk=report.pk)
        body = serializers.ProgressReportSerializer(report, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=serializers.ProgressReportWithdrawSerializer,
        responses={200: serializers.ProgressReportSerializer},
    )
    @action(detail=True, methods=["post"], name="進捗報告の取り下げ")
    def withdraw(self, request, pk=None):
        """進捗報告を取り下げます(事務局)。取り下げた職員はサーバーが記録します。"""
        report = get_object_or_404(self.get_queryset(), pk=pk)
        incoming = serializers.ProgressReportWithdrawSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        try:
            report = progress_report_withdraw(
                report=report,
                withdrawn_on=data["withdrawn_on"],
                reason=data["withdrawal_reason"],
                by=request.user,
                loaded_version=data["version"],
            )
        except ConcurrentEditError:
            raise_for(
                ValidationError(concurrent_edit_message(report, data["version"]), code="concurrent_edit")
            )
        except ValidationError as error:
            raise_for(error)
        report = self.get_queryset().get(pk=report.pk)
        body = serializers.ProgressReportSerializer(report, context=self.get_serializer_context()).data
        return Response(body)
