"""The API's building blocks, shared by every app's endpoints (docs/api.md).

Who may do what (ApiPermission), the pagination (by page, or by cursor where rows shift), the
filter fields that read fiscal years and dates as the rest of the site does, a strict ordering
filter, and the serializer base that describes each field in Japanese and refuses what the admin
refuses. Every bad query parameter is a 400 naming the parameter, never a 404 or a 500.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import QuerySet
from django.http import Http404, JsonResponse
from django.utils import timezone
from django.utils.functional import cached_property
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, filters, pagination, serializers, status, viewsets
from rest_framework import views as drf_views
from rest_framework.relations import PKOnlyObject
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from .api_permissions import ApiPermission, is_public  # noqa: F401 - used by every app's API
from .database import BUSY_MESSAGE, RETRY_AFTER_SECONDS, database_busy, log_busy
from .fields import ControlCharacterValidator, DateFormField, FiscalYearFormField, HandledDateValidator

CONCURRENT_EDIT = "concurrent_edit"


# ---- Who may do what ---------------------------------------------------------------------------


class PrivateCacheMixin:
    """What a signed-in user reads is kept by no shared cache or browser (as every page behind the sign-in)."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.user.is_authenticated:
            response["Cache-Control"] = "private, no-store"
        return response


# ---- Errors -----------------------------------------------------------------------------------


NON_FIELD_ERRORS = serializers.api_settings.NON_FIELD_ERRORS_KEY


def django_errors(error: DjangoValidationError) -> dict:
    """A model's or service's ValidationError by field, else under non_field_errors."""
    if hasattr(error, "error_dict"):
        return {
            (NON_FIELD_ERRORS if name == "__all__" else name): messages
            for name, messages in error.message_dict.items()
        }
    return {NON_FIELD_ERRORS: error.messages}


class Conflict(exceptions.APIException):
    """409: someone else saved first. ``detail`` says so; ``conflicts``, for each field changed to
    another value than the one sent, holds both values."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "他の職員が先に変更しました。"
    default_code = CONCURRENT_EDIT

    def __init__(self, messages: list[str], conflicts: dict | None = None):
        super().__init__("".join(messages))
        self.conflicts = conflicts


def raise_for(error: DjangoValidationError):
    """Answer a refused write: 409 when someone else saved first (the version), else 400."""
    codes = [e.code for e in error.error_list] if not hasattr(error, "error_dict") else []
    if hasattr(error, "error_dict"):
        codes = [e.code for errors in error.error_dict.values() for e in errors]
    if CONCURRENT_EDIT in codes:
        raise Conflict(error.messages)
    raise serializers.ValidationError(django_errors(error))


def raise_conflict(conflict, serializer) -> None:
    """A change refused because another saved the same fields first (core.versioning.EditConflict):
    409 with the message and, for each field, the value sent and the value saved, as the API
    shows them (``serializer``'s fields)."""
    fields = serializer.fields
    raise Conflict(
        conflict.messages,
        conflicts={
            name: {
                "yours": fields[name].to_representation(yours) if yours is not None else None,
                "theirs": fields[name].to_representation(theirs) if theirs is not None else None,
            }
            for name, (yours, theirs) in conflict.conflicts.items()
        },
    )


INVALID_MESSAGE = "入力に誤りがあります。項目ごとの理由は errors にあります。"
PARSE_MESSAGE = "リクエストの本文を JSON として読み取れません。"
NO_ROUTE_MESSAGE = "指定のURLのAPIはありません。/api/ に一覧があります。"
API_PREFIX = "/api/"


def no_route_response(request) -> JsonResponse | None:
    """The 404 for an address under /api/ that matches no route (an id the router's pattern does not
    take, a list that does not exist): the API's own Error body, as every other refusal, instead of
    the site's HTML page. None for an address outside the API (bunkyo.views.page_not_found)."""
    if not request.path_info.startswith(API_PREFIX):
        return None
    return JsonResponse({"detail": NO_ROUTE_MESSAGE}, status=404, json_dumps_params={"ensure_ascii": False})


def _messages(value) -> list[str]:
    """Every message in a DRF error detail (a string, a list, or nested by field), as strings."""
    if isinstance(value, dict):
        return [message for item in value.values() for message in _messages(item)]
    if isinstance(value, list | tuple):
        return [message for item in value for message in _messages(item)]
    return [str(value)]


def error_body(exc: exceptions.APIException) -> dict:
    """The one body of every refusal (the schema's ``Error``, core.api_schema): ``detail``, the
    reason; on a 400 ``errors``, the reasons by parameter or field; on a 409 ``conflicts``."""
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {NON_FIELD_ERRORS: exc.detail}
        return {
            "detail": INVALID_MESSAGE,
            "errors": {name: _messages(value) for name, value in detail.items()},
        }
    body = {"detail": "".join(_messages(exc.detail))}
    if isinstance(exc, Conflict) and exc.conflicts:
        body["conflicts"] = exc.conflicts
    return body


def _not_found_message(view) -> str:
    model = getattr(getattr(view, "queryset", None), "model", None)
    if model is None:
        return str(exceptions.NotFound.default_detail)
    return f"指定の{model._meta.verbose_name}は見つかりません。"


def exception_handler(exc, context):
    """DRF's, answering every refusal with one body (``error_body``) and in Japanese: a Django
    ValidationError (a model's clean, a service) is a 400, an id that is not found names what was
    looked for (Django's is English), a body that is not JSON says so (Python's reason is English),
    and a database error that a repeat would cure (core.database) is a 503 saying to try again."""
    if isinstance(exc, DjangoValidationError):
        exc = serializers.ValidationError(django_errors(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(_not_found_message(context.get("view")))
    elif isinstance(exc, exceptions.ParseError):
        exc = exceptions.ParseError(PARSE_MESSAGE)
    if database_busy(exc):
        log_busy(context["request"], exc)
        set_rollback()
        return Response(
            {"detail": BUSY_MESSAGE},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.APIException):
        response.data = error_body(exc)
    return response


# ---- Pagination ----------------------------------------------------------------------------------

PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
PAGE_SIZE_MESSAGE = f"page_size は1から{MAX_PAGE_SIZE}までの整数で指定してください。"


def _page_size(request, default: int) -> int:
    raw = request.query_params.get("page_size")
    if raw in (None, ""):
        return default
    try:
        size = int(raw)
    except ValueError:
        size = 0
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise exceptions.ValidationError({"page_size": [PAGE_SIZE_MESSAGE]})
    return size


class FirstPageFirstPaginator(Paginator):
    """Django's Paginator, reading the first page before counting: when it is not full, its rows
    are the count (a list of a few rows, the usual first page: one query, not two). A full first
    page, and every other page, is counted as Django counts it."""

    def page(self, number):
        if number not in (1, "1") or self.orphans or "count" in self.__dict__:
            return super().page(number)
        rows = list(self.object_list[: self.per_page])
        if len(rows) < self.per_page:
            self.count = len(rows)
        self.validate_number(1)
        return self._get_page(rows, 1, self)


class PagePagination(pagination.PageNumberPagination):
    """?page=2&page_size=20. A page beyond the last, or no page number, is a 400 naming ``page``."""

    django_paginator_class = FirstPageFirstPaginator
    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    page_query_description = "ページ番号(1から)。"
    page_size_query_description = f"1ページの件数(1〜{MAX_PAGE_SIZE}、既定{PAGE_SIZE})。"

    def get_page_size(self, request):
        return _page_size(request, self.page_size)

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except exceptions.NotFound:
            raise exceptions.ValidationError(
                {"page": ["page はありません。1から最後のページまでの番号を指定してください。"]}
            ) from None


CURSOR_MESSAGE = "cursor が正しくありません。一覧の next / previous の値をそのまま使ってください。"


class CursorPagination(pagination.CursorPagination):
    """For lists whose rows shift while someone pages through them (new reports, moved meetings):
    the ``next`` and ``previous`` links carry a cursor, and no row is skipped or shown twice.
    The ordering chosen with ``ordering`` is followed by the id, so that it is total."""

    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    cursor_query_description = "前のページの next / previous にある値。自分で作らないでください。"
    page_size_query_description = f"1ページの件数(1〜{MAX_PAGE_SIZE}、既定{PAGE_SIZE})。"

    def get_page_size(self, request):
        return _page_size(request, self.page_size)

    def get_ordering(self, request, queryset, view):
        ordering = tuple(super().get_ordering(request, queryset, view))
        if not any(name.lstrip("-") in ("id", "pk") for name in ordering):
            ordering += ("-id" if ordering and ordering[0].startswith("-") else "id",)
        return ordering

    def paginate_queryset(self, queryset, request, view=None):
        self._model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        """The cursor sent, refused (400) unless its position is a value of the ordering's column:
        a cursor is only base64, and a typed one would otherwise reach the query (a 500)."""
        try:
            cursor = super().decode_cursor(request)
            if cursor is not None and cursor.position is not None:
                self._position_value(cursor.position)
        except (exceptions.NotFound, DjangoValidationError, ValueError, TypeError, OverflowError):
            raise exceptions.ValidationError({"cursor": [CURSOR_MESSAGE]}) from None
        return cursor

    def _ordering_field(self):
        name = self.ordering[0].lstrip("-")
        field = self._model._meta.pk if name == "pk" else self._model._meta.get_field(name)
        return field.target_field if field.is_relation else field

    def _position_value(self, position: str):
        field = self._ordering_field()
        value = field.to_python(position)
        if isinstance(value, int):
            low, high = connection.ops.integer_field_range(field.get_internal_type())
            if (low is not None and value < low) or (high is not None and value > high):
                raise ValueError(position)
        return value

    def _get_position_from_instance(self, instance, ordering):
        """The row's value of the ordering's column; of a link, the id it holds (DRF's would take
        the linked object's name, which the next page could not compare)."""
        name = ordering[0].lstrip("-")
        field = instance._meta.pk if name == "pk" else instance._meta.get_field(name)
        return str(getattr(instance, field.attname))


# ---- Filters ---------------------------------------------------------------------------------------


class StrictOrderingFilter(filters.OrderingFilter):
    """``ordering`` as DRF reads it, but a field it does not offer is a 400 naming the parameter."""

    ordering_description = "並べ替え。項目名、降順は先頭に「-」(例: -id)。カンマ区切りで複数指定できます。"

    def get_schema_operation_parameters(self, view):
        """DRF's, naming the fields the list offers."""
        parameters = super().get_schema_operation_parameters(view)
        offered = "、".join(view.ordering_fields)
        for parameter in parameters:
            parameter["description"] = f"{parameter['description']}使える項目: {offered}。"
        return parameters

    def get_ordering(self, request, queryset, view):
        raw = request.query_params.get(self.ordering_param)
        if raw:
            fields = [term.strip() for term in raw.split(",") if term.strip()]
            allowed = {name for name, _ in self.get_valid_fields(queryset, view, {"request": request})}
            unknown = [term for term in fields if term.lstrip("-") not in allowed]
            if unknown or not fields:
                raise exceptions.ValidationError(
                    {
                        self.ordering_param: [
                            f"ordering に使えない項目です: {'、'.join(unknown) or raw}。"
                            f"使える項目: {'、'.join(sorted(allowed))}。"
                        ]
                    }
                )
        return super().get_ordering(request, queryset, view)


def choices_for_request(rows, narrow):
    """A filter's choices as django-filter asks for them, with the request: ``rows`` (a model or a
    queryset), cut by ``narrow`` (each app's public rule) for a visitor who is not signed in, so
    that neither a choice list nor a refusal tells an unpublished record from one that does not
    exist. Without a request (the report pages behind the sign-in, the export command): every row."""

    def choices(request):
        queryset = rows.all() if isinstance(rows, QuerySet) else rows.objects.all()
        return narrow(queryset) if request is not None and is_public(request) else queryset

    return choices


class FormClassOnce:
    """A FilterSet that builds its form's class once for each set of choices (a visitor's and
    everyone's: choices_for_request's only difference), not on every request. django-filter makes
    the class anew for each FilterSet, every filter building its field and each choice list
    narrowing its queryset: for the API's measures, a sixth of the request. The class holds fields
    with querysets never evaluated (each form works on copies of them), not data.

    Only for a FilterSet whose filters are the same for every request but for their choices."""

    _form_classes: dict = {}  # (FilterSet class, visitor or not) -> form class

    def get_form_class(self):
        key = (type(self), self.request is not None and is_public(self.request))
        form_class = FormClassOnce._form_classes.get(key)
        if form_class is None:
            form_class = FormClassOnce._form_classes[key] = super().get_form_class()
        return form_class


@extend_schema_field(OpenApiTypes.STR)
class FiscalYearFilter(django_filters.NumberFilter):
    """A fiscal year typed as 2019, 2019年度, 令和元年度 or 平成31年度 (core.fields.FiscalYearFormField)."""

    field_class = FiscalYearFormField


@extend_schema_field(OpenApiTypes.STR)
class DateFilter(django_filters.DateFilter):
    """A date typed as 2020-03-31, 2020/03/31, 令和2年3月31日, R2.3.31 … (core.fiscal.parse_date), in 1989–2100."""

    field_class = DateFormField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("validators", [HandledDateValidator(str(kwargs.get("label", "日付")))])
        super().__init__(*args, **kwargs)


class StrictBooleanField(forms.NullBooleanField):
    """true or false (also 1/0); anything else is an error, not silently ignored as by Django's."""

    widget = forms.TextInput
    _values = {"true": True, "1": True, "false": False, "0": False}

    def to_python(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        try:
            return self._values[str(value).strip().lower()]
        except KeyError:
            raise forms.ValidationError("true または false を指定してください。", code="invalid") from None

    def validate(self, value):
        pass


class BooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class UpdatedSinceField(forms.DateTimeField):
    """A date and time (2021-04-01T09:00:00+09:00), or a date (2021-04-01: from 0:00 in Japan)."""

    default_error_messages = {
        "invalid": "日時を正しく入力してください。2021-04-01 または 2021-04-01T09:00:00+09:00 のように入力します。"
    }

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is not None:
            HandledDateValidator("updated_since")(moment)
        return moment


def changed_since(queryset, value, *models):
    """Rows of ``queryset`` (whose model is ``models[0]``) with a history entry at or after ``value``.

    No table has an updated-at column; the change history (django-simple-history) records every
    save with its time, so it is the one record of when a row changed. Each further model is one
    that points at the first through ``measure`` (a measure changed when its targets or reports did).
    """
    if value is None:
        return queryset
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    own, *related = models
    changed = queryset.filter(pk__in=own.history.filter(history_date__gte=value).values("id"))
    for model in related:
        changed = changed | queryset.filter(
            pk__in=model.history.filter(history_date__gte=value).values("measure_id")
        )
    return changed


@extend_schema_field(OpenApiTypes.STR)
class UpdatedSinceFilter(django_filters.Filter):
    """``updated_since`` of every list: the rows ``changed_since`` the moment, by the history of
    ``models`` (the list's own model first; by default, the list's own model alone)."""

    field_class = UpdatedSinceField

    def __init__(self, *models, label="この日時以降に変更されたもの(変更履歴の日時)", **kwargs):
        super().__init__(label=label, **kwargs)
        self.models = models

    def filter(self, qs, value):
        return changed_since(qs, value, *(self.models or (qs.model,)))


# ---- Serializers ------------------------------------------------------------------------------------


class DescribedSerializerMixin:
    """Every field described in Japanese (its label, from the model's verbose_name, when it has no
    help text), and every field written follows the admin's input rules (core.fields.apply_input_rules):
    text without control characters, dates in 1989–2100."""

    def get_fields(self):
        fields = super().get_fields()
        for name, field in fields.items():
            if not field.help_text and field.label:
                field.help_text = str(field.label)
            if field.read_only:
                continue
            if isinstance(field, serializers.CharField):
                field.validators.append(ControlCharacterValidator())
            if isinstance(field, serializers.DateField):
                field.validators.append(HandledDateValidator(str(field.label or name)))
        return fields


class StaffFieldsMixin:
    """A serializer whose ``staff_only_fields`` (people's names, withdrawals, the secretariat's notes)
    are returned to signed-in users only: a visitor's answer, or one without a request, leaves them
    out. One serializer per resource, so that the schema describes one shape for everyone, with
    these fields optional and saying so (core.api_schema)."""

    staff_only_fields: tuple[str, ...] = ()

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is None or is_public(request):
            for name in self.staff_only_fields:
                data.pop(name, None)
        return data


class Serializer(DescribedSerializerMixin, serializers.Serializer):
    pass


class ModelSerializer(DescribedSerializerMixin, serializers.ModelSerializer):
    pass


class RecordSerializer(Serializer):
    """A read-only serializer of plain records (a selector's dataclasses, never model instances):
    each field's value is read along its source's attributes, None anywhere on the way giving None,
    as DRF gives a nullable field, and then formatted by the field as DRF does. What it leaves out
    is DRF's per-value machinery (each field's get_attribute, its checks for callables, mappings and
    missing relations), which cost more than the fields themselves on a page of a few records. The
    fields, their help and the schema are the serializer's as declared."""

    @cached_property
    def _paths(self) -> list[tuple[str, tuple[str, ...], serializers.Field]]:
        return [(field.field_name, tuple(field.source_attrs), field) for field in self._readable_fields]

    def to_representation(self, instance):
        data = {}
        for name, attrs, field in self._paths:
            value = instance
            for attr in attrs:
                value = getattr(value, attr)
                if value is None:
                    break
            data[name] = None if value is None else field.to_representation(value)
        return data


class ListWriter:
    """A serializer's representation of many records without DRF building its fields for every
    request: the fields are the serializer's as declared (the one declaration, which the schema
    and the detail use too), built once per serializer class (from the code, never from data, as
    FormClassOnce builds a form class), and each record is written as DRF's
    ``Serializer.to_representation`` writes it: each field's ``get_attribute``, None kept as
    None, else its ``to_representation``.

    The shared fields hold no request: a field that needs the request's context says so, a
    SerializerMethodField (called on a serializer made with the context, whose own fields are
    never built) or a field with ``represent(instance, context)``. Any other field that could read
    the context (a hyperlink, a relation other than by primary key), or a serializer that changes
    DRF's ``to_representation``, is refused when the writer is built, not written wrongly.

    For a list of a few records (the API's measures: 5 a page in the demo), building the fields
    cost more than writing them (docs/PERFORMANCE.md, issue 23, item 13)."""

    _writers: dict = {}  # serializer class -> [(field name, kind, field)]
    _records: dict = {}  # RecordSerializer class -> the one instance whose fields write its records

    def __init__(self, serializer_class: type[serializers.Serializer]):
        self.serializer_class = serializer_class
        writers = ListWriter._writers.get(serializer_class)
        if writers is None:
            writers = ListWriter._writers[serializer_class] = self._build(serializer_class)
        self.writers = writers

    @staticmethod
    def _build(serializer_class) -> list:
        if serializer_class.to_representation not in (
            serializers.Serializer.to_representation,
            RecordSerializer.to_representation,
        ):
            raise TypeError(
                f"{serializer_class.__name__} changes to_representation: ListWriter cannot write it"
            )
        writers = []
        if issubclass(serializer_class, RecordSerializer):
            # Its fields read no context (RecordSerializer reads each along its source's attributes).
            ListWriter._records[serializer_class] = serializer_class()
            return writers
        for field in serializer_class()._readable_fields:
            if isinstance(field, serializers.SerializerMethodField):
                kind = "method"
            elif hasattr(field, "represent"):
                kind = "context"
            elif isinstance(field, serializers.ManyRelatedField | serializers.HyperlinkedRelatedField) or (
                isinstance(field, serializers.RelatedField)
                and not isinstance(field, serializers.PrimaryKeyRelatedField)
            ):
                raise TypeError(f"{serializer_class.__name__}.{field.field_name}: ListWriter cannot write it")
            else:
                kind = "field"
            writers.append((field.field_name, kind, field))
        return writers

    def write(self, instances, *, context: dict) -> list[dict]:
        if issubclass(self.serializer_class, RecordSerializer):
            # Plain records: the serializer's own way (RecordSerializer), on fields built once.
            return [
                ListWriter._records[self.serializer_class].to_representation(record) for record in instances
            ]
        serializer = self.serializer_class(context=context)  # for its methods: its fields are never built
        methods = {
            name: getattr(serializer, field.method_name)
            for name, kind, field in self.writers
            if kind == "method"
        }
        data = []
        for instance in instances:
            record = {}
            for name, kind, field in self.writers:
                if kind == "method":
                    record[name] = methods[name](instance)
                    continue
                if kind == "context":
                    record[name] = field.represent(instance, context)
                    continue
                try:
                    attribute = field.get_attribute(instance)
                except serializers.SkipField:
                    continue
                check = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
                record[name] = None if check is None else field.to_representation(attribute)
            data.append(record)
        return data


class FiscalYearLabelField(serializers.CharField):
    """The label of the row's fiscal year (令和元年度(2019年度)), from core.fiscal."""

    def __init__(self, **kwargs):
        kwargs.setdefault("source", "fiscal_year")
        kwargs.setdefault("help_text", "年度の表示名(例: 令和元年度(2019年度))。")
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value):
        from .fiscal import fiscal_year_label

        return fiscal_year_label(value)


def fiscal_year_label_field() -> FiscalYearLabelField:
    return FiscalYearLabelField()


# ---- Views ---------------------------------------------------------------------------------------

_VIEW_SUFFIXES = {"List": "の一覧", "Instance": "の詳細"}


def view_name(view) -> str:
    """A view's name in the browsable API (VIEW_NAME_FUNCTION): its own ``name``, else its model's
    verbose_name with 「の一覧」 or 「の詳細」 (DRF's would be "Plan List")."""
    name = getattr(view, "name", None)
    if name is not None:
        return name
    model = getattr(getattr(view, "queryset", None), "model", None)
    if model is None:
        return drf_views.get_view_name(view)
    return f"{model._meta.verbose_name}{_VIEW_SUFFIXES.get(getattr(view, 'suffix', None), '')}"


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, whose 400 keeps a message as it is when it has no parameters.

    django-filter formats every message with its parameters, none or not (``message % ()``): a
    message that repeats what was typed, 「%s」は年度として読み取れません, then raised a TypeError (a 500).
    """

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid() and self.raise_exception:
            raise exceptions.ValidationError(
                {
                    name: [
                        exceptions.ErrorDetail(
                            error.message % error.params if error.params else error.message, code=error.code
                        )
                        for error in errors
                    ]
                    for name, errors in filterset.errors.as_data().items()
                }
            )
        return filterset.qs


class VisitorJsonMixin:
    """A visitor who is not signed in is answered in JSON only, even when a browser asks for HTML.

    DRF's browsable API draws forms from querysets (a filter's choices, a write's fields): for
    residents it adds nothing the documentation page (/api/docs/) does not, and is one more place
    where something unpublished could show. Signed-in staff keep it.
    """

    def get_renderers(self):
        renderers = super().get_renderers()
        if is_public(self.request):
            return [renderer for renderer in renderers if renderer.format == "json"]
        return renderers

    def perform_content_negotiation(self, request, force=False):
        # ?format=api or Accept: text/html from a visitor: JSON, not a 404 or a 406.
        return super().perform_content_negotiation(request, force=force or is_public(request))


class ReadViewSet(VisitorJsonMixin, PrivateCacheMixin, viewsets.ReadOnlyModelViewSet):
    """A list and a detail, narrowed to what is published for a visitor who is not signed in."""

    filter_backends = (FilterBackend, StrictOrderingFilter)
    pagination_class = PagePagination

    def public_queryset(self, queryset: QuerySet) -> QuerySet:
        """What a visitor who is not signed in may read of ``queryset``. Each app says, for each of its
        lists; a list that does not say shows a visitor nothing."""
        return queryset.none()

    def get_queryset(self) -> QuerySet:
        queryset = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reading the model, not a request
            return queryset
        if is_public(self.request):
            queryset = self.public_queryset(queryset)
        return queryset
