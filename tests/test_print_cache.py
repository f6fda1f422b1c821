"""The council report (/reports/print/) is kept once rendered, and never shown stale.

The rendered report is reused while the data it shows is unchanged: a token in the database
(reports.models.DataStamp), which triggers on every table of the plan's apps replace on each
write, whoever makes it (the admin, a service, the Excel import, QuerySet.update(), raw SQL,
loaddata). Each test below reads the page once (so it is kept), writes, and reads it again.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.core import serializers
from django.core.management import call_command
from django.db import connection
from django.db.models import Max
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from core import fiscal
from measures.models import (
    AnnualTarget,
    Department,
    Keyword,
    Measure,
    Plan,
    ProgressReport,
    ProgressStatus,
    Purpose,
    Technology,
)
from measures.services import progress_report_withdraw
from reports.models import DataStamp
from schedule.models import ScheduledItem

from .factories import add_report, report_form_data, seed_plan
from .test_progress_import import Filled, confirm, template_bytes, upload

URL = reverse("reports:print")

pytestmark = pytest.mark.usefixtures("demo")


@pytest.fixture
def council_client(client, council):
    client.force_login(council)
    return client


def _page(client, url=URL) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _measure(number: int = 1) -> Measure:
    return Measure.objects.get(plan=seed_plan(), number=number)


def _later_report(measure: Measure, narrative: str, **extra) -> ProgressReport:
    """A FY2021 report dated after every stored one: the latest, so the page shows it."""
    latest = ProgressReport.objects.aggregate(latest=Max("as_of"))["latest"]
    return add_report(measure, 2021, latest + timedelta(days=1), narrative=narrative, **extra)


# ---- The page is kept, and reused only for the same question on the same data ----


def test_a_second_read_reuses_the_rendered_report_in_a_few_queries(council_client, django_assert_num_queries):
    first = _page(council_client)
    # The session, the user, the user's permissions (own and groups'), the data's token, and the
    # user's groups for the role beside their name in the header.
    with django_assert_num_queries(6):
        second = _page(council_client)
    assert _without_csrf(second) == _without_csrf(first)


def _without_csrf(page: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)


def test_the_kept_report_is_the_page_as_rendered_afresh(council_client):
    first = _page(council_client, URL + "?since=2020-04-01")
    assert "前回報告からの変更点" in first
    kept = _page(council_client, URL + "?since=2020-04-01")
    DataStamp.objects.update(token="another")  # as a write would: the next read renders afresh
    assert _without_csrf(kept) == _without_csrf(_page(council_client, URL + "?since=2020-04-01"))


def test_two_filters_are_kept_apart(council_client):
    first, second = Purpose.objects.filter(plan=seed_plan()).order_by("order", "code")[:2]
    for _ in range(2):
        page = _page(council_client, f"{URL}?objective={first.pk}")
        assert f"計画の目的: {first}" in page and f'id="purpose-{second.pk}"' not in page
        page = _page(council_client, f"{URL}?objective={second.pk}")
        assert f"計画の目的: {second}" in page and f'id="purpose-{first.pk}"' not in page


def test_tomorrow_the_report_is_made_again_with_tomorrows_date(council_client, monkeypatch):
    day = date(2026, 11, 28)
    monkeypatch.setattr(timezone, "localdate", lambda *args: day)
    assert f"作成日 {fiscal.wareki_date(day)}" in _page(council_client)
    monkeypatch.setattr(timezone, "localdate", lambda *args: day + timedelta(days=1))
    page = _page(council_client)
    assert f"作成日 {fiscal.wareki_date(day + timedelta(days=1))}" in page
    assert f"作成日 {fiscal.wareki_date(day)}" not in page


def test_a_new_issuer_is_shown_at_once(council_client):
    assert "文京区 企画政策部 情報政策課" in _page(council_client)
    with override_settings(REPORT_ISSUER="文京区 総務部 総務課"):
        assert "文京区 総務部 総務課" in _page(council_client)


def test_each_reader_sees_their_own_name_above_the_kept_report(client, council, manager):
    client.force_login(council)
    assert "議会 次郎" in _page(client)
    client.force_login(manager)
    page = _page(client)
    assert "管理 花子" in page and "議会 次郎" not in page


def test_a_wrong_filter_is_answered_400_every_time(council_client):
    for _ in range(2):
        response = council_client.get(URL + "?fiscal_year=2030")
        assert response.status_code == 400
        assert "計画期間" in response.content.decode()


# ---- Every kind of write is seen by the next read ----


def test_a_report_added_in_the_admin(client, secretariat):
    client.force_login(secretariat)
    measure = _measure()
    assert "管理画面で追加した報告" not in _page(client)
    latest = ProgressReport.objects.aggregate(latest=Max("as_of"))["latest"] + timedelta(days=1)
    data = report_form_data(
        measure, fiscal_year="2021", as_of=latest.strftime("%Y/%m/%d"), narrative="管理画面で追加した報告"
    )
    response = client.post(reverse("admin:measures_progressreport_add"), data)
    assert response.status_code == 302
    assert "管理画面で追加した報告" in _page(client)


def test_reports_added_by_the_service_in_bulk(council_client):
    assert "一括で追加した報告" not in _page(council_client)
    _later_report(_measure(), "一括で追加した報告")  # progress_reports_create: bulk_create, no signals
    assert "一括で追加した報告" in _page(council_client)


@pytest.mark.usefixtures("uploads_read_at_once")
def test_reports_confirmed_from_an_excel_upload(client, secretariat):
    client.force_login(secretariat)
    assert "取込で届いた報告" not in _page(client)
    filled = Filled(template_bytes(client, department=Department.objects.get(name="情報政策課")))
    filled.fill(
        _measure(1),
        actual=1234,
        status="◎ 完了",
        progress=1,
        narrative="取込で届いた報告",
        as_of="令和4年5月31日",
    )
    assert upload(client, ("情報政策課.xlsx", filled.bytes())).status_code == 200
    assert confirm(client).status_code == 302
    assert "取込で届いた報告" in _page(client)


def test_a_withdrawn_report(council_client, secretariat):
    report = _later_report(_measure(), "あとで取り下げる報告")
    assert "あとで取り下げる報告" in _page(council_client)
    progress_report_withdraw(
        report=report, withdrawn_on=report.as_of, reason="誤記", by=secretariat, loaded_version=report.version
    )
    assert "あとで取り下げる報告" not in _page(council_client)


def test_a_department_added_to_a_measure(council_client):
    department = Department.objects.create(name="キャッシュ確認課")
    shown = re.compile(r'class="measure-meta">所管課: [^<]*キャッシュ確認課')
    assert not shown.search(_page(council_client))
    _measure().departments.add(department)  # the M2M table only
    assert shown.search(_page(council_client))


def test_a_keyword_added_to_a_measure(council_client):
    keyword = Keyword.objects.create(name="キャッシュ確認")
    url = f"{URL}?keyword={keyword.pk}"
    assert "施策 0件" in _page(council_client, url)
    _measure().keywords.add(keyword)
    assert "施策 1件" in _page(council_client, url)


def test_a_keyword_added_to_a_purpose_and_a_technology_to_a_measure_change_the_token():
    """M2M tables the page does not show still change the token (the page may show them one day)."""
    token = DataStamp.current()
    _measure().purpose.keywords.add(Keyword.objects.create(name="目的のキーワード"))
    assert DataStamp.current() != token
    token = DataStamp.current()
    _measure().technologies.add(Technology.objects.create(name="新しい技術"))
    assert DataStamp.current() != token


def test_a_target_edited(council_client):
    target = AnnualTarget.objects.filter(measure=_measure()).order_by("fiscal_year").first()
    assert "書き直した目標" not in _page(council_client)
    target.target_text = "書き直した目標"
    target.save()
    assert "書き直した目標" in _page(council_client)


def test_a_status_renamed(council_client):
    assert "改名した状況" not in _page(council_client)
    status = ProgressStatus.objects.get(name="実施中")
    status.name = "改名した状況"
    status.save()
    assert "改名した状況" in _page(council_client)


def test_the_plan_renamed(council_client):
    assert "改名した計画" not in _page(council_client)
    Plan.objects.filter(pk=seed_plan().pk).update(name="改名した計画")  # QuerySet.update()
    assert "改名した計画" in _page(council_client)


def test_a_measure_retitled_by_queryset_update(council_client):
    assert "一括で変えた題名" not in _page(council_client)
    Measure.objects.filter(pk=_measure().pk).update(title="一括で変えた題名")
    assert "一括で変えた題名" in _page(council_client)


def test_a_measure_retitled_by_raw_sql(council_client):
    assert "SQLで変えた題名" not in _page(council_client)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE measures_measure SET title = %s WHERE id = %s", ["SQLで変えた題名", _measure().pk]
        )
    assert "SQLで変えた題名" in _page(council_client)


def test_a_target_deleted(council_client):
    target = AnnualTarget.objects.filter(measure=_measure(), fiscal_year=2019).get()
    before = _page(council_client).count("目標未設定")
    target.delete()
    assert _page(council_client).count("目標未設定") == before + 1


def test_a_plan_loaded_from_a_fixture(council_client, tmp_path):
    assert "読み込んだ計画名" not in _page(council_client)
    (data,) = json.loads(serializers.serialize("json", [seed_plan()]))
    data["fields"]["name"] = "読み込んだ計画名"
    fixture = tmp_path / "plan.json"
    fixture.write_text(json.dumps([data], ensure_ascii=False), encoding="utf-8")
    call_command("loaddata", str(fixture), verbosity=0)
    assert "読み込んだ計画名" in _page(council_client)


def test_a_schedule_item_changed_changes_the_token(council_client):
    """The page shows no schedule today; its tables change the token all the same."""
    token = DataStamp.current()
    ScheduledItem.objects.filter(pk=ScheduledItem.objects.first().pk).update(subject="変えた予定")
    assert DataStamp.current() != token


# ---- The triggers cover every table the page reads ----


def _plan_tables() -> set[str]:
    """The tables of the plan's apps (measures, schedule) and their M2M tables; not the history."""
    return {
        model._meta.db_table
        for app in ("measures", "schedule")
        for model in apps.get_app_config(app).get_models(include_auto_created=True)
        if not model.__name__.startswith("Historical")
    }


def _tables_with_triggers() -> dict[str, set[str]]:
    """table → the writes its triggers catch (insert, update, delete; truncate on PostgreSQL)."""
    found: dict[str, set[str]] = {}
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")
            for table, sql in cursor.fetchall():
                if "reports_datastamp" in sql:
                    event = re.search(r"AFTER (INSERT|UPDATE|DELETE) ON", sql).group(1).lower()
                    found.setdefault(table, set()).add(event)
        else:
            cursor.execute(
                "SELECT c.relname, t.tgtype FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "JOIN pg_proc p ON p.oid = t.tgfoid WHERE p.proname = 'reports_datastamp_touch'"
            )
            for table, kind in cursor.fetchall():
                events = {"insert": 4, "delete": 8, "update": 16, "truncate": 32}
                found.setdefault(table, set()).update(e for e, bit in events.items() if kind & bit)
    return found


def test_every_table_of_the_plans_apps_has_its_triggers():
    """A migration that rebuilds a table (SQLite does, to alter a column) drops its triggers: this fails then."""
    expected = {"insert", "update", "delete"} | ({"truncate"} if connection.vendor == "postgresql" else set())
    found = _tables_with_triggers()
    missing = {table: expected - found.get(table, set()) for table in _plan_tables()}
    assert {table: events for table, events in missing.items() if events} == {}


@pytest.mark.parametrize(
    "query", ["", "?since=2020-04-01", "?department=1&keyword=1&status=1&fiscal_year=2020"]
)
def test_the_page_reads_only_tables_whose_writes_change_the_token(council_client, query):
    with CaptureQueriesContext(connection) as ctx:
        assert council_client.get(URL + query).status_code == 200
    read = {name for q in ctx.captured_queries for name in re.findall(r'(?:FROM|JOIN) "(\w+)"', q["sql"])}
    # The signed-in user and their session and permissions are no part of the kept report.
    chrome = {
        "django_session",
        "auth_user",
        "auth_group",
        "auth_permission",
        "auth_user_groups",
        "auth_user_user_permissions",
        "auth_group_permissions",
        "django_content_type",
    }
    triggered = set(_tables_with_triggers())
    assert read - chrome - triggered == {"reports_datastamp"}
