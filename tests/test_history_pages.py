"""An object's 変更履歴 page reads as people read the object: labels, names, 和暦, 「なし」, and only real changes."""

from datetime import date

import pytest
from django.contrib import admin
from django.urls import reverse

from core.admin_base import TrackedAdmin
from measures.models import Measure
from schedule.models import ScheduledItem

from .conftest import count_queries
from .factories import add_report, status
from .page_text import parse
from .test_history import _measure_form
from .test_mark_held import mark_held_from_list

pytestmark = pytest.mark.usefixtures("seeded")


@pytest.fixture
def admin_client(client, secretariat):
    client.force_login(secretariat)
    return client


def history_rows(client, obj) -> list[dict[str, str]]:
    """The history table of ``obj``'s admin page, newest first: one {heading: cell text} per entry."""
    opts = obj._meta
    response = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[obj.pk]))
    assert response.status_code == 200
    table = parse(response.content).find("table", id="change-history")
    headings = [th.text for th in table.find("thead").find_all("th")]
    return [
        dict(zip(headings, (cell.text for cell in row.cells()), strict=True))
        for row in table.find("tbody").find_all("tr")
    ]


def _held_item(client) -> ScheduledItem:
    """The first committee meeting, given its planned date and then marked held from the list."""
    item = ScheduledItem.objects.get(
        body__name="IT・情報セキュリティ委員会", fiscal_year=2018, planned_month=4
    )
    item.planned_date = date(2018, 4, 15)
    item.save()
    response = mark_held_from_list(client, {item: "2018/04/15"})  # the day offered: its 予定日
    assert response.status_code == 302
    item.refresh_from_db()
    return item


def test_a_meeting_marked_held_reads_with_its_labels_and_its_date_in_wareki(admin_client):
    item = _held_item(admin_client)
    newest, dated, created = history_rows(admin_client, item)
    assert newest["操作"] == "変更" and newest["変更者"] == "事務局 太郎"
    assert "状況: 予定 → 実施済" in newest["変更内容"]
    assert "実施日: なし → 平成30年4月15日" in newest["変更内容"]
    assert "planned" not in newest["変更内容"] and "held" not in newest["変更内容"]
    assert "予定日: なし → 平成30年4月15日" in dated["変更内容"]
    assert dated["変更者"] == "(システム)"  # saved outside a request, as load_plan does
    assert created["操作"] == "追加"


def test_the_version_number_is_never_shown(admin_client):
    item = _held_item(admin_client)
    page = admin_client.get(reverse("admin:schedule_scheduleditem_history", args=[item.pk])).content.decode()
    table = page.split('id="change-history"')[1].split("</table>")[0]
    assert "版" not in table
    assert item.version == 3  # it did move, twice


def test_an_empty_value_and_an_empty_reason_read_なし(admin_client):
    report = add_report(Measure.objects.get(number=1), 2019, date(2019, 9, 30), progress=40)
    report.withdrawn_on = date(2019, 10, 1)
    report.withdrawal_reason = "別の施策の数値を誤って入力したため"
    report.save()
    withdrawn, created = history_rows(admin_client, report)
    assert "取り下げ日: なし → 令和元年10月1日" in withdrawn["変更内容"]
    assert "取り下げの理由: なし → 別の施策の数値を誤って入力したため" in withdrawn["変更内容"]
    assert withdrawn["変更理由"] == "なし" and created["変更理由"] == "なし"
    assert all("None" not in cell for row in (withdrawn, created) for cell in row.values())


def test_a_related_row_is_named(admin_client):
    report = add_report(Measure.objects.get(number=1), 2019, date(2019, 9, 30), status_name="実施中")
    report.status = status("完了")
    report.save()
    changed, _ = history_rows(admin_client, report)
    assert f"進捗状況: {status('実施中')} → {status('完了')}" in changed["変更内容"]


def test_a_save_that_changed_nothing_shown_is_left_out(admin_client):
    measure = Measure.objects.get(number=2)
    url = reverse("admin:measures_measure_change", args=[measure.pk])
    # Only the links to keywords change (the history keeps no many-to-many links), then nothing at all.
    assert admin_client.post(url, _measure_form(measure, keywords=[])).status_code == 302
    measure.refresh_from_db()
    assert admin_client.post(url, _measure_form(measure)).status_code == 302
    measure.refresh_from_db()
    assert measure.history.count() == 3 and measure.version == 3
    rows = history_rows(admin_client, measure)
    assert [row["操作"] for row in rows] == ["追加"]  # the creation is kept

    assert admin_client.post(url, _measure_form(measure, title="新しい名前")).status_code == 302
    rows = history_rows(admin_client, measure)
    assert [row["操作"] for row in rows] == ["変更", "追加"]
    assert rows[0]["変更内容"] == "施策名: オープンデータ活用の推進 → 新しい名前"


def test_the_oldest_entry_of_a_page_still_says_what_it_changed(admin_client, monkeypatch):
    monkeypatch.setattr(TrackedAdmin, "history_list_per_page", 2)
    item = _held_item(admin_client)
    newest, dated = history_rows(admin_client, item)
    assert "予定日: なし → 平成30年4月15日" in dated["変更内容"]  # its earlier record is on page 2
    assert newest["変更内容"]


def _tracked_admins():
    return sorted(
        (
            model
            for model, model_admin in admin.site._registry.items()
            if isinstance(model_admin, TrackedAdmin)
        ),
        key=lambda model: model._meta.label,
    )


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("model", _tracked_admins(), ids=lambda model: model._meta.label)
def test_every_history_page_hides_the_version_and_empty_entries(admin_client, model):
    obj = model._base_manager.order_by("pk").first()
    assert obj is not None, f"the demo data has a {model._meta.verbose_name}"
    obj.save()  # a save that changes nothing but the version
    obj.refresh_from_db()
    rows = history_rows(admin_client, obj)
    assert rows and rows[-1]["操作"] == "追加"
    for row in rows:
        assert row["操作"] != "変更" or row["変更内容"], row
        assert "版" not in row["変更内容"] and "None" not in " ".join(row.values())


def test_an_id_that_is_no_id_is_not_found(admin_client):
    for bad in ("abc", "99999999999999999999999"):
        assert admin_client.get(f"/admin/schedule/scheduleditem/{bad}/history/").status_code == 404


def _report_changes(report, times: int) -> None:
    for _ in range(times):
        report.refresh_from_db()
        report.progress_percent = (report.progress_percent + 7) % 100
        report.status = status("完了" if report.status == status("実施中") else "実施中")
        report.save()


def test_a_history_page_makes_a_fixed_number_of_queries(admin_client, django_assert_num_queries):
    report = add_report(Measure.objects.get(number=1), 2019, date(2019, 9, 30))
    url = reverse("admin:measures_progressreport_history", args=[report.pk])
    _report_changes(report, 2)
    few = count_queries(admin_client, url)
    _report_changes(report, 40)
    with django_assert_num_queries(few):
        page = admin_client.get(url).content.decode()
    assert page.count("進捗率(%):") == 42  # every change, each with what it changed
