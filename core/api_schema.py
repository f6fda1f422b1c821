"""What /api/schema/ says beyond what drf-spectacular reads by itself (docs/api.md, issue 22).

- One shape per resource for everyone: a serializer's ``staff_only_fields`` (core.api.StaffFieldsMixin)
  are declared, not required, and described as returned to the staff only.
- Every query parameter a list reads: its FilterSet's filters, described by their labels, and
  the fields of the FilterSet's form that are not filters (the report pages' plan, as_of and
  fiscal_year), then ``format``.
- The errors each operation can answer, with the one error body (``Error``) the exception handler
  (core.api.exception_handler) returns.
- A Japanese tag per operation: the model's verbose_name, described in SPECTACULAR_SETTINGS["TAGS"].

Loaded by drf-spectacular when it first builds a schema (DEFAULT_SCHEMA_CLASS and
POSTPROCESSING_HOOKS name this module), which registers the extensions below.
"""

from __future__ import annotations

from django import forms
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import build_basic_type, build_parameter_type, get_view_model
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.permissions import SAFE_METHODS
from rest_framework.settings import api_settings

from .api_throttling import WAIT_MESSAGE, wait_message

STAFF_ONLY = "職員だけに返ります。"
FORMAT_DESCRIPTION = (
    "応答の形式。json(省略しても JSON)。ブラウザーで開くと、サインインした職員には画面(api)で表示されます。"
)


def _sentence(text) -> str:
    text = str(text or "").strip()
    return text if not text or text.endswith(("。", ")", ")")) else f"{text}。"


def describe(label, help_text=None) -> str:
    """A parameter's description: its label and, when it has one, its help text."""
    return " ".join(part for part in (_sentence(label), _sentence(help_text)) if part).replace("。 ", "。")


# ---- Components -----------------------------------------------------------------------------------


class SerializerExtension(OpenApiSerializerExtension):
    """Every serializer of the API (core.api.DescribedSerializerMixin): its component described by
    its model's name, not by a docstring meant for programmers (drf-spectacular takes the nearest
    one, the mixin's English), and its ``staff_only_fields`` (core.api.StaffFieldsMixin) optional
    and described as returned to the staff only: one shape for everyone."""

    target_class = "core.api.DescribedSerializerMixin"
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        model = getattr(getattr(self.target, "Meta", None), "model", None)
        if model is not None:
            schema["description"] = _sentence(model._meta.verbose_name)
        else:
            schema.pop("description", None)
        staff_only = set(getattr(self.target, "staff_only_fields", ()))
        if staff_only:
            schema["required"] = [name for name in schema.get("required", []) if name not in staff_only]
            for name in staff_only:
                field = schema["properties"][name]
                field["description"] = f"{_sentence(field.get('description'))}{STAFF_ONLY}"
        return schema


# ---- Query parameters --------------------------------------------------------------------------------


def form_field_parameter(name: str, field: forms.Field) -> dict:
    """A query parameter read by a form field (not a filter): an id for a choice of a row, else text
    (dates and years are read in every form the pages print: core.fiscal)."""
    kind = OpenApiTypes.INT if isinstance(field, forms.ModelChoiceField) else OpenApiTypes.STR
    return build_parameter_type(
        name=name,
        location=OpenApiParameter.QUERY,
        schema=build_basic_type(kind),
        description=describe(field.label, field.help_text),
    )


def form_parameters(form_class, names=None) -> list[OpenApiParameter]:
    """``extend_schema`` parameters for the named fields of a form (a view that reads them itself)."""
    fields = form_class.base_fields
    return [
        OpenApiParameter(
            name,
            int if isinstance(fields[name], forms.ModelChoiceField) else str,
            OpenApiParameter.QUERY,
            description=describe(fields[name].label, fields[name].help_text),
        )
        for name in names or fields
    ]


class FilterSetExtension(DjangoFilterExtension):
    """drf-spectacular's django-filter reading, for core.api.FilterBackend: a filter typed with
    ``extend_schema_field`` keeps its label as description, and the fields of the FilterSet's form
    that are not filters (reports.filters.ReportScopeForm: plan, as_of, fiscal_year) are declared."""

    target_class = "core.api.FilterBackend"
    match_subclasses = True
    priority = 1

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field):
        parameters = super().resolve_filter_field(
            auto_schema, model, filterset_class, field_name, filter_field
        )
        for parameter in parameters:
            if not parameter.get("description"):
                parameter["description"] = describe(filter_field.label, filter_field.extra.get("help_text"))
        return parameters

    def get_schema_operation_parameters(self, auto_schema, *args, **kwargs):
        parameters = super().get_schema_operation_parameters(auto_schema, *args, **kwargs)
        model = get_view_model(auto_schema.view)
        filterset_class = self.target.get_filterset_class(auto_schema.view, model._default_manager.none())
        if filterset_class is None:
            return parameters
        form_only = {
            name: field
            for name, field in filterset_class._meta.form.base_fields.items()
            if name not in filterset_class.base_filters
        }
        return [*(form_field_parameter(name, field) for name, field in form_only.items()), *parameters]


# ---- Tags ----------------------------------------------------------------------------------------------


class AutoSchema(SpectacularAutoSchema):
    """Each operation tagged with its model's name (計画, 施策, 進捗報告 …), described in
    SPECTACULAR_SETTINGS["TAGS"]."""

    def get_tags(self):
        model = get_view_model(self.view, emit_warnings=False)
        return [str(model._meta.verbose_name)] if model is not None else super().get_tags()

    def get_auth(self):
        """Every read may also come without signing in (core.api_permissions.ApiPermission: a visitor
        reads what is published), which OpenAPI says with an empty requirement, ``{}``."""
        auths = super().get_auth()
        if self.method in SAFE_METHODS and {} not in auths:
            auths.append({})
        return auths


# ---- Errors and the format, for every operation --------------------------------------------------------

_OPERATIONS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}

ERROR_COMPONENT = {
    "type": "object",
    "description": "APIが断るときの本文。どのエラーも同じ形です。",
    "properties": {
        "detail": {"type": "string", "description": "理由。", "example": "指定の施策は見つかりません。"},
        "errors": {
            "type": "object",
            "description": (
                "400のとき、パラメーター・項目ごとの理由。"
                "どの項目にも当たらない理由は non_field_errors にあります。"
            ),
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "example": {"as_of": ["日付を正しく入力してください。"]},
        },
        "conflicts": {
            "type": "object",
            "description": (
                "409のとき、他の職員が先に別の値に変更した項目ごとに、送った値(yours)と保存されている値(theirs)。"
            ),
            "additionalProperties": {"$ref": "#/components/schemas/ConflictingValues"},
        },
    },
    "required": ["detail"],
}
CONFLICTING_VALUES = {
    "type": "object",
    "properties": {
        "yours": {"nullable": True, "description": "送った値。"},
        "theirs": {"nullable": True, "description": "保存されている値。"},
    },
    "required": ["yours", "theirs"],
}

ERROR_DESCRIPTIONS = {
    "400": "入力に誤りがあります。パラメーター・項目ごとの理由が errors にあります。",
    "403": "サインインしていない、トークンが正しくない、または権限がありません。",
    "404": "指定のものは見つかりません(公開していないものも同じです)。",
    "409": "読み込んだ後に他の職員が変更しました。version を読み直して送り直してください。",
    "415": "本文が JSON ではありません(Content-Type: application/json で送ってください)。",
    "429": WAIT_MESSAGE,
}


SUCCESS_DESCRIPTIONS = {"200": "成功しました。", "201": "追加しました。"}
SIGN_IN_DESCRIPTIONS = {
    "cookieAuth": "サインイン(/accounts/login/)したブラウザーのセッション。書き込みには X-CSRFToken ヘッダーも要ります。",
    "tokenAuth": (
        "他のシステムから: Authorization: Token <トークン>。トークンはサーバーの管理者が "
        "manage.py drf_create_token で事務局のアカウントに作ります。"
    ),
}


def _error(code: str) -> dict:
    response = {
        "description": ERROR_DESCRIPTIONS[code],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    if code == "429":
        response["headers"] = {
            "Retry-After": {
                "schema": {"type": "integer", "minimum": 1},
                "description": "再度お試しいただけるまでの秒数。",
            }
        }
        response["content"]["application/json"]["example"] = {"detail": wait_message(40)}
    return response


def _schema_of(result, body) -> dict:
    schema = (body or {}).get("content", {}).get("application/json", {}).get("schema", {})
    if "$ref" in schema:
        return result["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _errors_of(result, path: str, operation: dict) -> list[str]:
    """The errors an operation can answer: 400 for a bad query parameter or body, 403 for a bad
    token or a role without the permission (never 401: the first authentication is the session's),
    404 for an id in the path, 409 for a write that carries the version read, 415 for a body that is
    not JSON, 429 for too many requests."""
    query = [p for p in operation.get("parameters", []) if p["in"] == "query" and p["name"] != "format"]
    body = operation.get("requestBody")
    codes = ["403"]
    if query or body:
        codes.append("400")
    if "{" in path:
        codes.append("404")
    if body and "version" in _schema_of(result, body).get("properties", {}):
        codes.append("409")
    if body:
        codes.append("415")
    codes.append("429")
    return sorted(codes)


def _format_parameter() -> dict:
    return build_parameter_type(
        name=api_settings.URL_FORMAT_OVERRIDE,
        location=OpenApiParameter.QUERY,
        schema={"$ref": "#/components/schemas/FormatEnum"},
        description=FORMAT_DESCRIPTION,
    )


def _named_enums(schemas: dict) -> dict[frozenset, str]:
    return {frozenset(schema["enum"]): name for name, schema in schemas.items() if "enum" in schema}


def _parameter_schema(schema: dict, enums: dict[frozenset, str]) -> dict:
    """A query parameter's schema without its title (a generated client names a type after it:
    ``BodiesList種別``), and a choice the components name already by that name (``BodyKindEnum``)."""
    schema = {key: value for key, value in schema.items() if key != "title"}
    name = enums.get(frozenset(schema.get("enum", ())))
    return {"$ref": f"#/components/schemas/{name}"} if name else schema


def declare_errors_and_format(result, generator, request, public):
    """drf-spectacular's post-processing hook: the one error body and, on each operation, the errors
    it can answer and the ``format`` parameter every view of the API reads; the success answers
    and the ways to sign in described in Japanese (drf-spectacular leaves the first empty and
    words the second in English)."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_COMPONENT
    schemas["ConflictingValues"] = CONFLICTING_VALUES
    schemas["FormatEnum"] = {"type": "string", "enum": ["json"], "description": "応答の形式。"}
    enums = _named_enums(schemas)
    for name, scheme in result["components"].get("securitySchemes", {}).items():
        if name in SIGN_IN_DESCRIPTIONS:
            scheme["description"] = SIGN_IN_DESCRIPTIONS[name]
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if method not in _OPERATIONS:
                continue
            parameters = operation.setdefault("parameters", [])
            for parameter in parameters:
                if "schema" in parameter:
                    parameter["schema"] = _parameter_schema(parameter["schema"], enums)
            parameters.append(_format_parameter())
            responses = operation.setdefault("responses", {})
            for code, response in responses.items():
                if not response.get("description") and code in SUCCESS_DESCRIPTIONS:
                    response["description"] = SUCCESS_DESCRIPTIONS[code]
            for code in _errors_of(result, path, operation):
                responses[code] = _error(code)
    return result
