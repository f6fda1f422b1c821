"""Collection rounds under /api/ (docs/api.md, "Collection rounds"), on the router in bunkyo/api.py.

The secretariat reads every round and answer; a department's staff (or its system, with a member's
token) reads its own departments' answers and submits one, through the same services and checks as
the department's page. Nobody else reads them, and a visitor who is not signed in reads none.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from core.api import CONCURRENT_EDIT, Conflict, ReadViewSet, is_public, raise_for
from core.versioning import ConcurrentEditError, concurrent_edit_message
from measures.models import ProgressStatus

from . import filters, serializers
from .models import ROW_FIELDS, Answer, AnswerRow, Round
from .selectors import user_department_ids
from .services import ANSWER_MOVES, MANAGE_ROUNDS, answer_rows_save, answer_transition

FOREIGN_MEASURE = "この施策はこの回答にありません(他の所管課の施策か、ない施策です)。回答の rows にある施策だけを送ってください。"
UNKNOWN_STATUS = "進捗状況を選んでください。一覧にある進捗状況のidを指定してください。"


class RoundsPermission(permissions.BasePermission):
    """Reads: anyone signed in may ask, and reads what is theirs (the querysets below); a visitor
    reads nothing. Writes: a member of the answer's department (services check it again)."""

    def has_permission(self, request, view):
        if is_public(request):
            return request.method in permissions.SAFE_METHODS
        return request.user.has_perm(MANAGE_ROUNDS) or bool(user_department_ids(request.user))


class RoundViewSet(ReadViewSet):
    """進捗照会。事務局と、照会された所管課の担当者が読めます。"""

    queryset = Round.objects.select_related("plan")
    serializer_class = serializers.RoundSerializer
    filterset_class = filters.RoundFilter
    permission_classes = (RoundsPermission,)
    ordering_fields = ("id", "fiscal_year", "as_of", "deadline")
    ordering = ("-fiscal_year", "-as_of", "-id")

    def get_queryset(self):
        queryset = super().get_queryset()
        user = self.request.user
        if (
            is_public(self.request)
            or getattr(self, "swagger_fake_view", False)
            or user.has_perm(MANAGE_ROUNDS)
        ):
            return queryset
        return (
            queryset.filter(answers__department_id__in=user_department_ids(user))
            .exclude(state=Round.State.PREPARING)
            .distinct()
        )


class AnswerViewSet(ReadViewSet):
    """照会への回答。事務局はすべて、所管課の担当者は自分の課の回答だけを読めます。提出は担当者だけです。"""

    queryset = Answer.objects.select_related("submitted_by").prefetch_related(
        Prefetch(
            "rows",
            queryset=AnswerRow.objects.select_related("entered_by").order_by(
                "measure__order", "measure__number"
            ),
        )
    )
    serializer_class = serializers.AnswerSerializer
    filterset_class = filters.AnswerFilter
    permission_classes = (RoundsPermission,)
    ordering_fields = ("id", "round")
    ordering = ("-round", "id")

    def get_queryset(self):
        queryset = super().get_queryset()
        user = self.request.user
        if (
            is_public(self.request)
            or getattr(self, "swagger_fake_view", False)
            or user.has_perm(MANAGE_ROUNDS)
        ):
            return queryset
        return queryset.filter(department_id__in=user_department_ids(user)).exclude(
            round__state=Round.State.PREPARING
        )

    def get_serializer_class(self):
        if self.action == "submit":
            return serializers.AnswerSubmitSerializer
        return serializers.AnswerSerializer

    @extend_schema(request=serializers.AnswerSubmitSerializer, responses={200: serializers.AnswerSerializer})
    @action(detail=True, methods=["post"], name="回答の提出")
    def submit(self, request, pk=None):
        """回答を提出します(所管課の担当者、またはその担当者のトークンを使う課のシステム)。
        画面と同じ確認をして、すべての施策の値を保存してから提出します。"""
        answer = get_object_or_404(self.get_queryset(), pk=pk)
        incoming = serializers.AnswerSubmitSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        try:
            with transaction.atomic():
                # The answer, then its rows, locked until the end (the services' order): what is
                # compared is what is written.
                locked = Answer.objects.select_for_update().get(pk=answer.pk)
                if locked.version != data["version"] and locked.state in ANSWER_MOVES["submit"].sources:
                    raise ValidationError(
                        concurrent_edit_message(locked, data["version"]), code=CONCURRENT_EDIT
                    )
                rows = _rows_changed(locked, data["rows"])
                current = answer_rows_save(answer=locked, rows=rows, by=request.user) if rows else locked
                # The version sent is the one the system read; this save's own move to 入力中 is not
                # someone else's change.
                answer_transition(
                    answer=current, action="submit", by=request.user, loaded_version=current.version
                )
        except ValidationError as error:
            raise_for(_row_messages(error))
        except ConcurrentEditError as error:
            raise Conflict([concurrent_edit_message(error.instance, error.instance.version)]) from error
        answer = self.get_queryset().get(pk=answer.pk)
        return Response(serializers.AnswerSerializer(answer, context=self.get_serializer_context()).data)


def _rows_changed(answer: Answer, sent: list[dict]) -> list[AnswerRow]:
    """The answer's rows with the values sent; a measure not in the answer or an unknown status is
    refused, naming the row (rows[2].measure)."""
    rows = {row.measure_id: row for row in answer.rows.select_for_update()}
    statuses = {status.pk: status for status in ProgressStatus.objects.all()}
    errors = {}
    changed = []
    for index, values in enumerate(sent):
        row = rows.get(values["measure"])
        if row is None:
            errors[f"rows[{index}].measure"] = FOREIGN_MEASURE
            continue
        if values["status"] not in statuses:
            errors[f"rows[{index}].status"] = UNKNOWN_STATUS
            continue
        before = [getattr(row, name) for name in ROW_FIELDS]
        row.status = statuses[values["status"]]
        for name in ("actual_value", "progress_percent", "narrative", "issues", "next_steps"):
            if name in values:
                setattr(row, name, values[name])
        if [getattr(row, name) for name in ROW_FIELDS] != before:
            changed.append(row)
    if errors:
        raise ValidationError(errors)
    return changed


def _row_messages(error: ValidationError) -> ValidationError:
    """A refusal of rows (services.RowErrors), each row's message keyed by its measure."""
    rows = getattr(error, "rows", None)
    if not rows:
        return error
    by_pk = dict(AnswerRow.objects.filter(pk__in=rows).values_list("pk", "measure_id"))
    return ValidationError(
        {
            f"rows[measure={by_pk[pk]}].{name}": messages
            for pk, row_error in rows.items()
            for name, messages in row_error.update_error_dict({}).items()
        }
    )
