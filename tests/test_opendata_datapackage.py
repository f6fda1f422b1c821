"""Open data as a program reads it: a Frictionless Data Package tells frictionless and pandas each
column's type, so the 全国地方公共団体コード 131059 is read as the text "131059", not a number.

Where a program reads the files, it reads what the server sends: the live server, at the address
the package names (SITE_URL), or the test client's answers saved as files beside the package.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import frictionless
import pandas
import pytest
import requests
from django.conf import settings as django_settings
from django.test import override_settings

from measures.models import Plan
from opendata.datasets import DATASETS, DATE, INTEGER, LICENSE_NAME, LICENSE_URL, NUMBER, STRING

from .test_opendata import body, csv_rows, json_file, published  # noqa: F401 (the fixture)

CODE = "全国地方公共団体コード"
URL = "/opendata/datapackage.json"
# How pandas holds each Table Schema type, empty cells included (dates: parse_dates).
PANDAS_DTYPES = {STRING: "string", INTEGER: "Int64", NUMBER: "Float64"}


def package_json(client) -> dict:
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.content)


def problems(report: frictionless.Report) -> str:
    """The report's errors, one a line, for an assertion's message."""
    lines = [f"{error.type}: {error.note}" for error in report.errors]
    for task in report.tasks:
        lines += [f"{task.name} {error.type}: {error.message}" for error in task.errors]
    return "\n".join(lines)


@pytest.fixture
def served(live_server, published, settings):  # noqa: F811
    """The ward's plan published, and the live server the site's canonical address (SITE_URL).

    frictionless reads through its own HTTP session, kept alive between requests; here each
    request closes its connection, so no server thread is left waiting once the test is over."""
    settings.SITE_URL = live_server.url
    with requests.Session() as session:
        session.headers.update({**frictionless.settings.DEFAULT_HTTP_HEADERS, "Connection": "close"})
        with frictionless.system.use_context(http_session=session):
            yield live_server.url


def read_csv_as_the_schema_says(resource: dict) -> pandas.DataFrame:
    schema = resource["schema"]
    fields = schema["fields"]
    return pandas.read_csv(
        resource["path"],
        encoding=resource["encoding"],
        dtype={f["name"]: PANDAS_DTYPES[f["type"]] for f in fields if f["type"] != DATE},
        parse_dates=[f["name"] for f in fields if f["type"] == DATE],
        keep_default_na=False,
        na_values=schema["missingValues"],
    )


# ---- A program reads the files the server sends -----------------------------------------------


def test_frictionless_validates_the_package_and_every_file_the_server_sends_keys_included(served):
    """`frictionless validate https://…/opendata/datapackage.json`, as a reader would run it."""
    report = frictionless.validate(f"{served}{URL}")
    assert report.valid, problems(report)
    assert [task.name for task in report.tasks] == [dataset.slug for dataset in DATASETS]
    assert all(task.stats["rows"] > 0 for task in report.tasks)
    # The keys were among what it checked: every file's ID, and the two files' joins.
    package = frictionless.Package(f"{served}{URL}")
    assert all(resource.schema.primary_key == ["ID"] for resource in package.resources)
    joins = {
        (resource.name, tuple(key["fields"]), key["reference"]["resource"], tuple(key["reference"]["fields"]))
        for resource in package.resources
        for key in resource.schema.foreign_keys
    }
    assert joins == {
        ("measures", ("進捗報告ID",), "reports", ("ID",)),
        ("reports", ("施策ID", "年度"), "measures", ("施策ID", "年度")),
    }


def test_frictionless_reads_the_code_as_the_text_131059_dates_as_dates_and_figures_as_numbers(served):
    package = frictionless.Package(f"{served}{URL}")
    assert [resource.name for resource in package.resources] == [d.slug for d in DATASETS]
    for resource in package.resources:
        rows = resource.read_rows()
        assert rows and {row[CODE] for row in rows} == {"131059"}, resource.name
        assert all(isinstance(row["年度"], int) for row in rows)
    measures = package.get_resource("measures").read_rows()
    row = next(r for r in measures if r["施策番号"] == 2 and r["年度"] == 2021)
    assert row["集計基準日"] == date(2022, 3, 31)
    assert (row["目標値"], row["実績値"], row["達成率(%)"]) == (160, 141, Decimal("88.1"))
    assert isinstance(row["達成率(%)"], Decimal) and row["進捗率(%)"] == 85
    reports = {r["ID"]: r for r in package.get_resource("reports").read_rows()}
    assert reports[row["進捗報告ID"]]["報告基準日"] == row["報告基準日"] == date(2022, 3, 31)
    schedule = package.get_resource("schedule").read_rows()
    assert any(isinstance(r["実施日"], date) for r in schedule)
    assert {r["予定月"] for r in schedule} <= set(range(1, 13))


def test_pandas_reads_each_file_with_the_types_the_schema_gives(served):
    package = json.loads(frictionless.Package(f"{served}{URL}").to_json())
    for resource in package["resources"]:
        frame = read_csv_as_the_schema_says(resource)
        assert list(frame.columns) == [field["name"] for field in resource["schema"]["fields"]]
        assert set(frame[CODE]) == {"131059"}, resource["name"]
        # Every value converted: a date pandas cannot read would leave its column as text.
        for field in resource["schema"]["fields"]:
            dtype = frame[field["name"]].dtype
            if field["type"] == DATE:
                assert dtype.kind == "M", (resource["name"], field["name"], dtype)
            else:
                assert str(dtype) == PANDAS_DTYPES[field["type"]], (resource["name"], field["name"], dtype)
    measures = read_csv_as_the_schema_says(package["resources"][0])
    row = measures[(measures["施策番号"] == 2) & (measures["年度"] == 2021)].iloc[0]
    assert row["集計基準日"] == pandas.Timestamp("2022-03-31")
    assert (row["目標値"], row["実績値"], row["達成率(%)"]) == (160.0, 141.0, 88.1)
    # What docs/api.md shows: naming the code's type is enough to keep it text.
    simple = pandas.read_csv(f"{served}/opendata/measures.csv", dtype={CODE: str})
    assert simple[CODE].iloc[0] == "131059"


# ---- What the package says -------------------------------------------------------------------


@pytest.mark.parametrize("dataset", DATASETS, ids=lambda d: d.slug)
def test_the_schema_names_every_csv_header_in_order_with_a_type(client, published, dataset):  # noqa: F811
    """A column added to a file without its type in the schema fails here."""
    resource = next(r for r in package_json(client)["resources"] if r["name"] == dataset.slug)
    header = csv_rows(client, dataset.slug)[0]
    fields = resource["schema"]["fields"]
    assert [field["name"] for field in fields] == header
    assert all(field["type"] in (STRING, INTEGER, NUMBER, DATE) for field in fields)
    assert all(field["description"] and field["title"] for field in fields)
    assert fields[0]["constraints"] == {"required": True, "pattern": r"^\d{6}$"}
    assert fields[0]["type"] == STRING
    assert resource["schema"]["missingValues"] == [""]


@pytest.mark.parametrize("dataset", DATASETS, ids=lambda d: d.slug)
def test_the_json_file_holds_each_value_in_its_columns_type(client, published, dataset):  # noqa: F811
    """One type per column, whichever file: the JSON file's values agree with the schema."""
    python_types = {STRING: str, INTEGER: int, NUMBER: (int, float), DATE: str}
    data = json_file(client, dataset.slug)["data"]
    assert data
    for row in data:
        for column in dataset.columns:
            value = row[column.key]
            assert value is None or isinstance(value, python_types[column.type]), (column.key, value)
            assert not isinstance(value, bool)
    meta = json_file(client, dataset.slug)["metadata"]
    assert [(c["type"], c["table_schema_type"]) for c in meta["columns"]] == [
        (c.type_label, c.type) for c in dataset.columns
    ]


def test_the_package_describes_the_csv_files_under_the_public_data_licence(client, published):  # noqa: F811
    package = package_json(client)
    assert package["profile"] == "tabular-data-package"
    assert package["name"].isascii() and package["name"] == package["name"].lower()
    assert "官民データ活用推進計画" in package["title"]
    assert published.name in package["description"]
    assert package["licenses"] == [{"path": LICENSE_URL, "title": f"{LICENSE_NAME}(PDL1.0)"}]
    # The JSON files are an object each (metadata, then data), not a table: only the CSVs are described.
    for resource, dataset in zip(package["resources"], DATASETS, strict=True):
        assert resource["profile"] == "tabular-data-resource"
        assert (resource["format"], resource["mediatype"], resource["encoding"]) == (
            "csv",
            "text/csv",
            "utf-8",
        )
        assert resource["dialect"] == {
            "delimiter": ",",
            "lineTerminator": "\r\n",
            "quoteChar": '"',
            "doubleQuote": True,
            "skipInitialSpace": False,
            "header": True,
        }
        assert resource["path"].endswith(f"/opendata/{dataset.slug}.csv")
        assert (resource["title"], resource["description"]) == (dataset.title, dataset.description)
    # frictionless finds nothing wrong with the descriptor itself.
    assert not list(frictionless.Package.metadata_validate(package))


def test_every_address_in_the_package_is_the_sites_own_whatever_host_was_asked(client, published, settings):  # noqa: F811
    settings.SITE_URL = "https://opendata.example.jp/bunkyo"
    response = client.get(URL, HTTP_HOST="127.0.0.1")
    text = response.content.decode()
    package = json.loads(text)
    assert "127.0.0.1" not in text and "testserver" not in text
    assert package["id"] == "https://opendata.example.jp/bunkyo/opendata/datapackage.json"
    assert package["homepage"] == "https://opendata.example.jp/bunkyo/opendata/"
    assert [r["path"] for r in package["resources"]] == [
        f"https://opendata.example.jp/bunkyo/opendata/{d.slug}.csv" for d in DATASETS
    ]
    # The page shows the canonical address and links within the site the reader is on.
    page = client.get("/opendata/", HTTP_HOST="127.0.0.1").content.decode()
    assert (
        '<a href="/opendata/datapackage.json">https://opendata.example.jp/bunkyo/opendata/datapackage.json</a>'
        in page
    )


# ---- The package catches what is wrong ---------------------------------------------------------


def test_a_file_that_breaks_a_key_or_the_codes_pattern_fails_validation(client, published, tmp_path):  # noqa: F811
    """The package with the files the test client sends, saved beside it: valid as sent; a report
    missing from its file, or a code that is not 6 digits, makes it invalid."""
    package = package_json(client)
    files = {}
    for resource in package["resources"]:
        files[resource["name"]] = body(client.get(f"/opendata/{resource['name']}.csv")).decode("utf-8")
        resource["path"] = f"{resource['name']}.csv"

    def validate() -> frictionless.Report:
        for name, text in files.items():
            (tmp_path / f"{name}.csv").write_bytes(text.encode("utf-8"))
        (tmp_path / "datapackage.json").write_text(json.dumps(package, ensure_ascii=False), encoding="utf-8")
        return frictionless.validate(str(tmp_path / "datapackage.json"))

    report = validate()
    assert report.valid, problems(report)
    # A measure-year row names a report that the reports file no longer has.
    lines = files["reports"].split("\r\n")
    header, rows = lines[0], lines[1:]
    measures = csv_rows(client, "measures")
    gone = next(row[measures[0].index("進捗報告ID")] for row in measures[1:] if row[-1])
    kept = [line for line in rows if not line.startswith(f"131059,{gone},")]
    assert len(kept) == len(rows) - 1
    files["reports"] = "\r\n".join([header, *kept])
    files["schedule"] = files["schedule"].replace("\r\n131059,", "\r\n13105,", 1)
    report = validate()
    assert not report.valid
    found = {(task.name, error.type) for task in report.tasks for error in task.errors}
    assert found == {("measures", "foreign-key"), ("schedule", "constraint-error")}, problems(report)


# ---- Who gets it -----------------------------------------------------------------------------------


def test_the_page_links_to_the_package_and_says_what_it_is(client, published):  # noqa: F811
    page = client.get("/opendata/").content.decode()
    url = f"{django_settings.SITE_URL}{URL}"
    assert f'<a href="{URL}">{url}</a>' in page
    assert "Frictionless Data Package" in page
    assert "全国地方公共団体コードは数値ではなく6桁の文字列に" in page


def test_without_a_published_plan_there_is_no_package(client, demo):
    Plan.objects.update(published=False)
    assert client.get(URL).status_code == 404
    assert "datapackage.json" not in client.get("/opendata/").content.decode()


def test_the_package_is_get_and_head_only(client, published):  # noqa: F811
    assert client.post(URL).status_code == 405
    assert client.head(URL).status_code == 200


def test_the_package_is_counted_with_the_api_once_a_request(client, published):  # noqa: F811
    rates = {**django_settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "visitor": "3/min"}
    with override_settings(
        REST_FRAMEWORK={**django_settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    ):
        # Once, as the catalogue: it holds none of the files' rows.
        assert [client.get(URL).status_code for _ in range(3)] == [200, 200, 200]
        refused = client.get(URL)
    assert refused.status_code == 429 and refused["Retry-After"]
