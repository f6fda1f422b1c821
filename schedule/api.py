"""The drafting schedule under /api/ (docs/api.md), registered on the router in bunkyo/api.py.

A visitor who is not signed in reads the years a published plan shows (from the year before it
to its last: core.publication, which measures fills, since schedule may not import it). The
secretariat may change a scheduled item (PATCH) by the admin's rules and version check.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.response import Response

from core.api import CursorPagination, ReadViewSet, raise_conflict, raise_for
from core.versioning import ConcurrentEditError, EditConflict, concurrent_edit_message

from . import filters, serializers
from .models import Body, Phase, PublicCommentPeriod, ScheduledItem
from .selectors import schedule_public_only
from .services import scheduled_item_update


class _PublicViewSet(ReadViewSet):
    """A visitor reads the public years (schedule.selectors.schedule_public_only); the secretariat's
    notes (備考) are the serializers' ``staff_only_fields``, left out of a visitor's answer."""

    def public_queryset(self, queryset: QuerySet) -> QuerySet:
        return schedule_public_only(queryset)


class BodyViewSet(_PublicViewSet):
    """会議体。サインインしていない場合は、公開の年度に予定かパブリック・コメントがあるものだけ。"""

    queryset = Body.objects.all()
    serializer_class = serializers.BodySerializer
    filterset_class = filters.BodyFilter
    ordering_fields = ("id", "name", "order")
    ordering = ("order", "name")


class PhaseViewSet(_PublicViewSet):
    """検討段階。"""

    queryset = Phase.objects.all()
    serializer_class = serializers.PhaseSerializer
    filterset_class = filters.PhaseFilter
    ordering_fields = ("id", "fiscal_year", "order")
    ordering = ("fiscal_year", "order", "id")


class ScheduledItemViewSet(mixins.UpdateModelMixin, _PublicViewSet):
    """会議・報告の予定。変更(PATCH)は事務局だけです。"""

    queryset = ScheduledItem.objects.select_related("body")
    serializer_class = serializers.ScheduledItemSerializer
    filterset_class = filters.ScheduledItemFilter
    # Items move as they are held or postponed: a cursor skips none and repeats none.
    pagination_class = CursorPagination
    # Only columns that are never empty: a cursor cannot stand on an empty date.
    ordering_fields = ("id", "fiscal_year", "planned_month")
    ordering = ("fiscal_year", "planned_month", "id")
    http_method_names = ["get", "head", "options", "patch"]

    @extend_schema(
        request=serializers.ScheduledItemUpdateSerializer,
        responses={200: serializers.ScheduledItemSerializer},
    )
    def partial_update(self, request, *args, **kwargs):
        """予定を変更します(事務局)。読み込んだときの version を付けて送ります。"""
        item = self.get_object()
        incoming = serializers.ScheduledItemUpdateSerializer(item, data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        changes = dict(incoming.validated_data)
        loaded = changes.pop("version", None)
        if loaded is None:
            raise_for(ValidationError({"version": "読み込んだときの version を指定してください。"}))
        try:
            item = scheduled_item_update(item=item, changes=changes, loaded_version=loaded)
        except EditConflict as conflict:
            raise_conflict(conflict, serializers.ScheduledItemSerializer(item))
        except ConcurrentEditError:
            raise_for(ValidationError(concurrent_edit_message(item, loaded), code="concurrent_edit"))
        except ValidationError as error:
            raise_for(error)
        return Response(self.get_serializer(item).data)


class PublicCommentPeriodViewSet(_PublicViewSet):
    """パブリック・コメント。"""

    queryset = PublicCommentPeriod.objects.all()
    serializer_class = serializers.PublicCommentPeriodSerializer
    filterset_class = filters.PublicCommentPeriodFilter
    ordering_fields = ("id", "fiscal_year", "start_date")
    ordering = ("fiscal_year", "start_date", "id")
