"""What /api/schema/ says, against what the API does (docs/api.md, issue 22).

One schema for everyone, whoever asks: the fields only the staff receive are declared once, not
required, and say so. Every query parameter an endpoint reads (its FilterSet and the FilterSet's
form, its pagination, ``ordering``, ``format``) is declared with a type and a Japanese description,
and nothing else is. Every operation declares the errors it can answer with the one error body.
Every operation has a Japanese tag described in the settings. A browser can display the schema.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from rest_framework.settings import api_settings

from bunkyo.api import router

from .factories import seed_plan

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@pytest.fixture
def schema(client, db):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def _component(schema, reference: dict) -> dict:
    return schema["components"]["schemas"][reference["$ref"].rsplit("/", 1)[-1]]


def _operation(schema, path: str, method: str = "get") -> dict:
    return schema["paths"][path][method]


def _list_path(prefix: str) -> str:
    return f"/api/{prefix}/"


# ---- One schema, both shapes -----------------------------------------------------------------------


def test_the_schema_is_the_same_for_a_visitor_and_for_each_role(client, demo, secretariat, manager, council):
    seed_plan()
    served = client.get("/api/schema/?format=json").content
    for user in (secretariat, manager, council):
        client.force_login(user)
        assert client.get("/api/schema/?format=json").content == served, user.username


@pytest.mark.parametrize(
    ("path", "component", "staff_only"),
    [
        (
            "/api/progress-reports/{id}/",
            "ProgressReport",
            {"author_name", "withdrawn_on", "withdrawal_reason", "withdrawn_by_name"},
        ),
        ("/api/scheduled-items/{id}/", "ScheduledItem", {"notes"}),
        ("/api/public-comments/{id}/", "PublicCommentPeriod", {"notes"}),
    ],
)
def test_the_fields_only_the_staff_receive_are_declared_optional_and_say_so(
    schema, path, component, staff_only
):
    response = _operation(schema, path)["responses"]["200"]["content"]["application/json"]["schema"]
    assert response == {"$ref": f"#/components/schemas/{component}"}
    body = schema["components"]["schemas"][component]
    assert staff_only <= set(body["properties"])
    assert not staff_only & set(body["required"])
    for name in staff_only:
        assert body["properties"][name]["description"].endswith("職員だけに返ります。"), name
    # Every other field is returned to everyone, and required.
    assert set(body["required"]) == set(body["properties"]) - staff_only


def test_the_staff_only_fields_that_may_be_empty_are_nullable(schema):
    report = schema["components"]["schemas"]["ProgressReport"]["properties"]
    assert report["withdrawn_on"]["nullable"] is True
    assert report["withdrawn_by_name"]["nullable"] is True
    assert report["author_name"]["nullable"] is True


def test_no_component_exists_per_role(schema):
    names = set(schema["components"]["schemas"])
    assert not {"ProgressReportStaff", "ScheduledItemPublic", "PublicCommentPeriodPublic"} & names


# ---- Every parameter an endpoint reads ------------------------------------------------------------


def _accepted_query_parameters(viewset) -> set[str]:
    """What the list's code reads from the query string, from the code itself."""
    names = {api_settings.URL_FORMAT_OVERRIDE}
    filterset = getattr(viewset, "filterset_class", None)
    if filterset is not None:
        names |= set(filterset.base_filters)
        names |= set(filterset._meta.form.base_fields)
    pagination = viewset.pagination_class
    for attribute in ("page_query_param", "cursor_query_param", "page_size_query_param"):
        if getattr(pagination, attribute, None):
            names.add(getattr(pagination, attribute))
    if getattr(viewset, "ordering_fields", None):
        names.add("ordering")
    return names


def _declared_query_parameters(operation) -> dict[str, dict]:
    return {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "query"}


@pytest.mark.parametrize(("prefix", "viewset"), [(prefix, viewset) for prefix, viewset, _ in router.registry])
def test_every_list_declares_exactly_the_parameters_it_reads(schema, prefix, viewset):
    declared = _declared_query_parameters(_operation(schema, _list_path(prefix)))
    assert set(declared) == _accepted_query_parameters(viewset)
    for name, parameter in declared.items():
        kind = parameter["schema"].get("type") or _component(schema, parameter["schema"])["type"]
        assert kind in ("string", "integer", "boolean"), name
        assert JAPANESE.search(parameter.get("description", "")), name


def test_the_measures_list_declares_the_report_pages_scope(schema):
    declared = _declared_query_parameters(_operation(schema, "/api/measures/"))
    assert declared["plan"]["schema"]["type"] == "integer"
    assert declared["as_of"]["schema"]["type"] == "string"
    assert declared["fiscal_year"]["schema"]["type"] == "string"
    assert declared["as_of"]["description"].startswith("基準日。この日までの報告で集計します")
    assert declared["fiscal_year"]["description"].startswith("年度。例: 2019、令和元年度")


def test_a_measure_read_alone_declares_its_date_and_year(schema):
    declared = _declared_query_parameters(_operation(schema, "/api/measures/{id}/"))
    assert set(declared) == {"as_of", "fiscal_year", "format"}


def test_the_ordering_parameter_names_the_fields_it_takes(schema):
    ordering = _declared_query_parameters(_operation(schema, "/api/plans/"))["ordering"]
    assert ordering["description"].endswith("使える項目: id、name、first_fiscal_year、last_fiscal_year。")


def test_the_path_id_is_described_in_japanese(schema):
    parameters = _operation(schema, "/api/measures/{id}/")["parameters"]
    (identifier,) = [p for p in parameters if p["in"] == "path"]
    assert identifier["name"] == "id" and identifier["description"] == "この施策を識別する一意の整数。"


# ---- The errors each operation can answer ------------------------------------------------------------


def _responses(schema, path, method="get") -> set[str]:
    return set(_operation(schema, path, method)["responses"])


def test_each_operation_declares_the_errors_it_can_answer(schema):
    assert _responses(schema, "/api/plans/") == {"200", "400", "403", "429"}
    assert _responses(schema, "/api/plans/{id}/") == {"200", "403", "404", "429"}
    assert _responses(schema, "/api/measures/{id}/") == {"200", "400", "403", "404", "429"}
    assert _responses(schema, "/api/progress-reports/", "post") == {"201", "400", "403", "415", "429"}
    assert _responses(schema, "/api/progress-reports/{id}/withdraw/", "post") == {
        "200",
        "400",
        "403",
        "404",
        "409",
        "415",
        "429",
    }
    assert _responses(schema, "/api/scheduled-items/{id}/", "patch") == {
        "200",
        "400",
        "403",
        "404",
        "409",
        "415",
        "429",
    }


def test_every_error_has_the_one_error_body_and_a_japanese_description(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for code, response in operation["responses"].items():
                if code.startswith(("4", "5")):
                    content = response["content"]["application/json"]["schema"]
                    assert content == {"$ref": "#/components/schemas/Error"}, (path, method, code)
                    assert JAPANESE.search(response["description"]), (path, method, code)
    error = schema["components"]["schemas"]["Error"]
    assert error["required"] == ["detail"]
    assert set(error["properties"]) == {"detail", "errors", "conflicts"}
    assert error["properties"]["errors"]["additionalProperties"] == {
        "type": "array",
        "items": {"type": "string"},
    }


def test_every_answer_and_way_to_sign_in_is_described_in_japanese(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for code, response in operation["responses"].items():
                assert JAPANESE.search(response["description"]), (path, method, code)
    for name, scheme in schema["components"]["securitySchemes"].items():
        assert JAPANESE.search(scheme.get("description", "")), name


# ---- Tags, names, and the schema in a browser -----------------------------------------------------------


def test_every_operation_has_a_japanese_tag_described_in_the_settings(schema):
    described = {tag["name"]: tag["description"] for tag in settings.SPECTACULAR_SETTINGS["TAGS"]}
    used = {
        tag for item in schema["paths"].values() for operation in item.values() for tag in operation["tags"]
    }
    assert used == set(described)
    assert all(JAPANESE.search(name) and JAPANESE.search(text) for name, text in described.items())
    assert _operation(schema, "/api/measures/")["tags"] == ["施策"]
    assert _operation(schema, "/api/progress-reports/{id}/withdraw/", "post")["tags"] == ["進捗報告"]
    assert [tag["name"] for tag in schema["tags"]] == list(described)


def test_component_names_are_identifiers_and_enum_values_are_ascii(schema):
    for name, component in schema["components"]["schemas"].items():
        assert re.fullmatch(r"[A-Z][A-Za-z0-9]*", name), name
        if "enum" in component:
            assert all(
                value is None or re.fullmatch(r"[a-z0-9_]+", str(value)) for value in component["enum"]
            ), name


def test_a_browser_displays_the_schema_and_a_program_gets_openapi(client, db):
    as_a_browser = {"HTTP_ACCEPT": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    page = client.get("/api/schema/", **as_a_browser)
    assert page.status_code == 200
    assert page["Content-Type"] == "text/plain; charset=utf-8"
    assert page["Content-Disposition"].startswith("inline")
    assert page.content.decode().startswith("openapi: 3.0.3")
    as_json = client.get("/api/schema/?format=json", **as_a_browser)
    assert as_json["Content-Type"] == "application/json"
    assert as_json.json()["openapi"] == "3.0.3"
    program = client.get("/api/schema/")
    assert program["Content-Type"] == "application/vnd.oai.openapi; charset=utf-8"
    assert client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")["Content-Type"] == (
        "application/vnd.oai.openapi+json"
    )


def test_the_browsable_root_is_titled_in_japanese(client, manager):
    client.force_login(manager)
    page = client.get("/api/", HTTP_ACCEPT="text/html").content.decode()
    assert "Api Root" not in page and "DefaultRouter" not in page
    assert "<h1>文京区官民データ活用推進計画 進捗管理 API</h1>" in page
    assert "計画・目的・施策・年度目標・進捗報告と策定スケジュールの一覧です。" in page
    listing = client.get("/api/plans/", HTTP_ACCEPT="text/html").content.decode()
    assert "<h1>計画の一覧</h1>" in listing
