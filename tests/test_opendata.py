"""Open data: a visitor without an account downloads a published plan's progress and schedule.

Only a plan the secretariat marked 公開 is served, and only its standing reports, without
anyone's name. The files follow the 自治体標準オープンデータセット rules: the body's code in every
row, ISO dates beside the fiscal year and its label, a BOM and one header row in CSV.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rdflib import RDF, Graph, Literal, Namespace, URIRef

from core.fiscal import fiscal_year_label
from measures.models import Measure, Plan, ProgressReport
from measures.services import progress_report_withdraw
from opendata.datasets import DATASETS, DATE, LICENSE_URL

from .conftest import ROOT
from .factories import add_report, add_target, make_measure, make_plan, seed_plan

DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
FILES = [f"/opendata/{d.slug}.{fmt}" for d in DATASETS for fmt in ("csv", "json")]
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def csv_rows(client, slug: str) -> list[list[str]]:
    response = client.get(f"/opendata/{slug}.csv")
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(body(response).decode("utf-8-sig"), newline="")))


def json_file(client, slug: str) -> dict:
    response = client.get(f"/opendata/{slug}.json")
    assert response.status_code == 200
    return json.loads(body(response))


@pytest.fixture
def published(demo) -> Plan:
    """The ward's plan, with its demo progress, marked 公開 by the secretariat."""
    plan = seed_plan()
    Plan.objects.filter(pk=plan.pk).update(published=True)
    plan.refresh_from_db()
    return plan


def test_without_a_published_plan_the_page_says_so_and_there_are_no_files(client, demo):
    Plan.objects.update(published=False)  # the demo publishes its plan (load_plan --demo)
    response = client.get("/opendata/")
    assert response.status_code == 200
    assert "現在、公開している計画はありません。" in response.content.decode()
    for url in FILES:
        assert client.get(url).status_code == 404, url
    catalog = json.loads(client.get("/opendata/catalog.jsonld").content)
    assert catalog["@type"] == "dcat:Catalog" and catalog.get("dcat:dataset", []) == []


def test_a_visitor_without_an_account_gets_every_file_of_a_published_plan(client, published):
    for url in FILES:
        response = client.get(url)
        assert response.status_code == 200, url
    measures = csv_rows(client, "measures")
    # One row per measure and fiscal year, after the header.
    assert len(measures) - 1 == Measure.objects.filter(plan=published).count() * 3
    page = client.get("/opendata/").content.decode()
    assert published.name in page
    for dataset in DATASETS:
        assert f"/opendata/{dataset.slug}.csv" in page and f"/opendata/{dataset.slug}.json" in page


def test_an_unpublished_plan_and_everything_in_it_stay_invisible(client, published):
    hidden = make_plan(name="非公開の次期計画", first=2022, last=2024)
    measure = make_measure(plan=hidden, number=1, title="非公開の施策")
    add_target(measure, 2022, 10, text="非公開の目標")
    add_report(measure, 2022, date(2022, 9, 30), actual=3, narrative="非公開の実績")
    texts = [body(client.get(url)).decode("utf-8-sig") for url in FILES]
    texts.append(client.get("/opendata/").content.decode())
    texts.append(client.get("/opendata/catalog.jsonld").content.decode())
    for text in texts:
        for secret in ("非公開の次期計画", "非公開の施策", "非公開の目標", "非公開の実績"):
            assert secret not in text
    # Unpublishing the ward's plan takes its files down too.
    Plan.objects.filter(pk=published.pk).update(published=False)
    for url in FILES:
        assert client.get(url).status_code == 404


def test_no_withdrawn_report_and_no_persons_name_is_ever_in_a_file(client, published, secretariat):
    measure = Measure.objects.get(plan=published, number=1)
    report = add_report(
        measure, 2021, date(2021, 12, 1), actual=1, narrative="誤って登録した報告", author=secretariat
    )
    progress_report_withdraw(
        report=report,
        withdrawn_on=date(2021, 12, 2),
        reason="数値の入力誤りのため",
        by=secretariat,
        loaded_version=report.version,
    )
    kept = add_report(measure, 2021, date(2021, 12, 3), actual=2, narrative="正しい報告", author=secretariat)
    texts = {url: body(client.get(url)).decode("utf-8-sig") for url in FILES}
    assert "正しい報告" in texts["/opendata/reports.csv"]
    for url, text in texts.items():
        for never in ("誤って登録した報告", "数値の入力誤りのため", "事務局", "太郎", "jimu"):
            assert never not in text, f"{never} in {url}"
    ids = [row[1] for row in csv_rows(client, "reports")[1:]]
    assert str(kept.pk) in ids and str(report.pk) not in ids
    assert ProgressReport.objects.filter(withdrawn_on__isnull=False).exists()


@pytest.mark.parametrize("dataset", DATASETS, ids=lambda d: d.slug)
def test_csv_is_utf8_with_a_bom_crlf_and_one_header_row_of_japanese_names(client, published, dataset):
    raw = body(client.get(f"/opendata/{dataset.slug}.csv"))
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")  # no text in the demo has a line break
    header = text.split("\r\n")[0].split(",")
    assert header == [column.name for column in dataset.columns]
    assert header[:3] == ["全国地方公共団体コード", "ID", "地方公共団体名"]


@pytest.mark.parametrize("dataset", DATASETS, ids=lambda d: d.slug)
def test_every_row_carries_the_code_131059_and_the_ward_name(client, published, dataset):
    rows = csv_rows(client, dataset.slug)[1:]
    assert rows
    assert all(row[0] == "131059" and row[2] == "東京都文京区" for row in rows)
    data = json_file(client, dataset.slug)["data"]
    assert len(data) == len(rows)
    assert all(
        r["local_government_code"] == "131059" and r["local_government_name"] == "東京都文京区" for r in data
    )
    # The IDs are the database's, so a row keeps its ID from one download to the next.
    assert [r["id"] for r in data] == [row[1] for row in rows]
    assert len(set(row[1] for row in rows)) == len(rows)


@pytest.mark.parametrize("dataset", DATASETS, ids=lambda d: d.slug)
def test_dates_are_iso_with_the_fiscal_year_and_its_label_beside_them(client, published, dataset):
    rows = csv_rows(client, dataset.slug)
    header, rows = rows[0], rows[1:]
    date_columns = [i for i, c in enumerate(dataset.columns) if c.type == DATE]
    year, label = header.index("年度"), header.index("年度表示")
    for row in rows:
        assert row[label] == fiscal_year_label(int(row[year]))
        for i in date_columns:
            assert row[i] == "" or ISO_DATE.match(row[i]), (header[i], row[i])


def test_the_measures_file_shows_each_years_state_as_the_workbook_does(client, published):
    data = json_file(client, "measures")["data"]
    row = next(r for r in data if r["measure_number"] == 2 and r["fiscal_year"] == 2021)
    assert row["id"] == f"{Measure.objects.get(plan=published, number=2).pk}-2021"
    assert row["fiscal_year_label"] == "令和3年度(2021年度)"
    assert row["as_of"] == "2022-03-31"  # the plan has ended: its last standing report's date
    assert (row["target_value"], row["actual_value"], row["achievement_rate"]) == (160, 141, 88.1)
    assert (row["evaluation"], row["status"], row["progress_percent"]) == ("B", "遅延", 85)
    csv_row = next(r for r in csv_rows(client, "measures") if r[1] == row["id"])
    assert "88.1" in csv_row and "2022-03-31" in csv_row and "令和3年度(2021年度)" in csv_row


def test_a_cell_that_would_start_a_formula_is_made_safe_in_csv(client, published):
    measure = Measure.objects.get(plan=published, number=1)
    Measure.objects.filter(pk=measure.pk).update(title='=HYPERLINK("http://evil.example","x")')
    add_report(measure, 2021, date(2021, 12, 1), narrative="+1+2", issues="-3", next_steps="@SUM(A1)")
    rows = csv_rows(client, "reports")
    header = rows[0]
    row = next(r for r in rows if r[header.index("取組実績")] == "'+1+2")
    assert row[header.index("施策名")] == '\'=HYPERLINK("http://evil.example","x")'
    assert row[header.index("課題")] == "'-3"
    assert row[header.index("今後の方向性")] == "'@SUM(A1)"
    for cells in rows:
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)
    # JSON is read by programs, not spreadsheets: the text is given as typed.
    data = json_file(client, "reports")["data"]
    assert any(r["narrative"] == "+1+2" for r in data)


def test_the_licence_is_in_every_files_metadata_and_on_the_page(client, published):
    for dataset in DATASETS:
        meta = json_file(client, dataset.slug)["metadata"]
        assert meta["license"]["name"] == "公共データ利用規約(第1.0版)"
        assert meta["license"]["url"] == LICENSE_URL
        assert "CC BY 4.0" in meta["license"]["note"]
        assert meta["publisher"] == {"name": "東京都文京区", "local_government_code": "131059"}
        assert [c["name"] for c in meta["columns"]] == [c.name for c in dataset.columns]
        assert ISO_DATE.match(meta["modified"])
        response = client.get(f"/opendata/{dataset.slug}.csv")
        assert f'<{LICENSE_URL}>; rel="license"' in response["Link"]
        assert response["Content-Type"].startswith("text/csv; charset=utf-8")
    page = client.get("/opendata/").content.decode()
    assert "公共データ利用規約(第1.0版)" in page and LICENSE_URL in page and "CC BY 4.0" in page


def test_the_page_lists_each_dataset_with_its_format_date_and_column_dictionary(client, published):
    page = client.get("/opendata/").content.decode()
    for dataset in DATASETS:
        assert dataset.title in page
        for column in dataset.columns:
            assert column.description in page
    assert "最終更新日" in page and "text/csv" in page and "application/json" in page


def test_the_catalogue_is_dcat_that_rdflib_reads(client, published, settings):
    response = client.get("/opendata/catalog.jsonld")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/ld+json")
    graph = Graph().parse(data=response.content.decode(), format="json-ld")
    catalogs = list(graph.subjects(RDF.type, DCAT.Catalog))
    # Addresses are the site's own (SITE_URL), not the request's host (tests/test_opendata_dcat.py).
    assert catalogs == [URIRef(f"{settings.SITE_URL}/opendata/catalog.jsonld")]
    datasets = list(graph.objects(catalogs[0], DCAT.dataset))
    assert len(datasets) == len(DATASETS)
    downloads = set()
    for dataset in datasets:
        assert (dataset, RDF.type, DCAT.Dataset) in graph
        assert graph.value(dataset, DCT.title) and graph.value(dataset, DCT.description)
        assert graph.value(dataset, DCT.license) == URIRef(LICENSE_URL)
        publisher = graph.value(dataset, DCT.publisher)
        assert str(graph.value(publisher, FOAF.name)) == "東京都文京区"
        assert str(graph.value(publisher, DCT.identifier)) == "131059"
        distributions = list(graph.objects(dataset, DCAT.distribution))
        assert len(distributions) == 2
        for distribution in distributions:
            assert (distribution, RDF.type, DCAT.Distribution) in graph
            assert graph.value(distribution, DCT.title) and graph.value(distribution, DCT.description)
            assert graph.value(distribution, DCT.license) == URIRef(LICENSE_URL)
            modified = graph.value(distribution, DCT.modified)
            assert isinstance(modified, Literal) and isinstance(modified.toPython(), date)
            media_type = str(graph.value(distribution, DCAT.mediaType))
            assert media_type.removeprefix("http://www.iana.org/assignments/media-types/") in (
                "text/csv",
                "application/json",
            )
            downloads.add(str(graph.value(distribution, DCAT.downloadURL)))
    assert downloads == {f"{settings.SITE_URL}{url}" for url in FILES}
    # Each download URL answers with its file.
    for url in FILES:
        assert client.get(url).status_code == 200


def _queries(client, urls) -> int:
    with CaptureQueriesContext(connection) as queries:
        for url in urls:
            body(client.get(url))
    return len(queries.captured_queries)


def test_the_queries_do_not_grow_with_the_number_of_measures(client, seeded, django_assert_num_queries):
    plan = make_plan(name="公開する計画", first=2022, last=2024, published=True)

    def add_measures(numbers):
        for number in numbers:
            measure = make_measure(
                plan=plan, number=number, title=f"施策{number}", departments=["情報政策課"]
            )
            for year in plan.fiscal_years:
                add_target(measure, year, 10)
                add_report(measure, year, date(year, 9, 30), actual=6)

    add_measures(range(1, 4))
    urls = [
        "/opendata/measures.csv",
        "/opendata/measures.json",
        "/opendata/reports.csv",
        "/opendata/reports.json",
    ]
    client.get(urls[0])  # the throttle's count made: a first count also counts the table's size
    three = _queries(client, urls)
    assert len(csv_rows(client, "measures")) - 1 == 3 * 3
    add_measures(range(4, 31))
    with django_assert_num_queries(three):
        for url in urls:
            body(client.get(url))
    assert len(csv_rows(client, "measures")) - 1 == 30 * 3
    assert len(csv_rows(client, "reports")) - 1 == 30 * 3


def test_files_are_streamed(client, published):
    for url in FILES:
        assert client.get(url).streaming, url


@pytest.mark.parametrize("code", ["131058", "13105", "1310590", "１３１０５９", "abcdef"])
def test_a_wrong_local_government_code_stops_start_up(code):
    """The code is checked with its check digit when the settings load, not found wrong in a file."""
    result = subprocess.run(
        [sys.executable, "-c", "import bunkyo.settings"],
        cwd=ROOT,
        env={**os.environ, "OPENDATA_LOCAL_GOVERNMENT_CODE": code},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "OPENDATA_LOCAL_GOVERNMENT_CODE must be a 全国地方公共団体コード" in result.stderr


def test_the_last_updated_date_is_the_latest_change_of_the_rows_a_file_holds(client, published):
    long_ago = datetime(2022, 4, 1, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    for app in ("measures", "schedule"):
        for model in apps.get_app_config(app).get_models():
            if hasattr(model, "history"):
                model.history.update(history_date=long_ago)
    assert json_file(client, "measures")["metadata"]["modified"] == "2022-04-01"
    # A change to a plan nobody may see moves nothing.
    hidden = make_plan(name="非公開の次期計画", first=2022, last=2024)
    add_report(make_measure(plan=hidden, number=1, title="非公開の施策"), 2022, date(2022, 9, 30))
    assert json_file(client, "reports")["metadata"]["modified"] == "2022-04-01"
    # A new report on the published plan does, and the page shows the same date.
    add_report(Measure.objects.get(plan=published, number=1), 2021, date(2021, 12, 1))
    today = timezone.localdate().isoformat()
    assert json_file(client, "reports")["metadata"]["modified"] == today
    assert json_file(client, "schedule")["metadata"]["modified"] == "2022-04-01"
    assert f"{today}(" in client.get("/opendata/").content.decode()
