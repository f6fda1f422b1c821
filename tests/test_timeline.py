"""/timeline/: the secretariat looks up who changed what, by kind, person and date, a page at a time."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from bunkyo.timeline import TRACKED_MODELS
from measures.models import Measure
from schedule.models import ScheduledItem

from .conftest import count_queries
from .page_text import parse
from .test_history import _measure_form
from .test_history_pages import _held_item

pytestmark = pytest.mark.usefixtures("seeded")

URL = reverse("timeline")
TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def admin_client(client, secretariat):
    client.force_login(secretariat)
    return client


def timeline(client, query: dict | None = None, *, status: int = 200):
    """The page (parsed) and its rows as {heading: cell text}, newest first."""
    response = client.get(URL, query or {})
    assert response.status_code == status, response.content.decode()[:2000]
    page = parse(response.content)
    tables = page.find_all("table", id="timeline")
    if not tables:
        return page, []
    headings = [th.text for th in tables[0].find("thead").find_all("th")]
    rows = [row.cells() for row in tables[0].find("tbody").find_all("tr")]
    # A row of its own says when nothing matches (one cell across the table).
    return page, [
        dict(zip(headings, (c.text for c in cells), strict=True)) for cells in rows if len(cells) > 1
    ]


def _edit_measure(client, measure, **changes):
    measure.refresh_from_db()
    response = client.post(
        reverse("admin:measures_measure_change", args=[measure.pk]), _measure_form(measure, **changes)
    )
    assert response.status_code == 302
    measure.refresh_from_db()


def test_a_meeting_marked_held_reads_in_japanese(admin_client):
    _held_item(admin_client)
    _, rows = timeline(admin_client)
    newest = rows[0]
    assert newest["操作"] == "変更" and newest["種類"] == "会議・報告の予定"
    assert newest["対象"] == "IT・情報セキュリティ委員会 平成30年度(2018年度) 4月"
    assert newest["変更者"] == "事務局 太郎"
    assert "状況: 予定 → 実施済" in newest["変更内容"]
    assert "実施日: なし → 平成30年4月15日" in newest["変更内容"]
    assert rows[1]["変更者"] == "(システム)"  # the planned date, saved outside a request
    assert all("版" not in row["変更内容"] and "None" not in row["変更内容"] for row in rows)


def test_a_save_that_changed_nothing_shown_is_left_out(admin_client):
    measure = Measure.objects.get(number=2)
    _edit_measure(admin_client, measure, keywords=[])  # links only: the history keeps none
    _edit_measure(admin_client, measure)  # nothing at all
    assert measure.history.count() == 3
    _, rows = timeline(admin_client, {"kind": "measure"})
    assert rows and all(row["操作"] == "追加" for row in rows)
    _edit_measure(admin_client, measure, title="新しい名前")
    _, rows = timeline(admin_client, {"kind": "measure"})
    assert (
        rows[0]["操作"] == "変更" and rows[0]["変更内容"] == "施策名: オープンデータ活用の推進 → 新しい名前"
    )
    assert [row["操作"] for row in rows].count("変更") == 1


def test_the_filters_are_in_japanese_and_offer_only_people_who_changed_something(
    admin_client, council, secretariat
):
    _held_item(admin_client)
    page, _ = timeline(admin_client)
    form = page.find("form", cls="filter-form")
    labels = [label.text for label in form.find_all("label")]
    assert labels == ["種類", "変更者", "変更日(から)", "変更日(まで)"]
    kinds = [option.text for option in form.find("select", name="kind").find_all("option")]
    assert kinds[0] == "すべて" and "施策" in kinds and "会議・報告の予定" in kinds
    people = [option.text for option in form.find("select", name="user").find_all("option")]
    assert people == ["すべて", "(システム)", "事務局 太郎"]  # 議会 次郎 changed nothing


def test_the_kind_filter_keeps_one_kind(admin_client):
    _held_item(admin_client)
    _edit_measure(admin_client, Measure.objects.get(number=2), title="新しい名前")
    _, rows = timeline(admin_client, {"kind": "scheduleditem"})
    assert rows and {row["種類"] for row in rows} == {"会議・報告の予定"}
    _, rows = timeline(admin_client, {"kind": "measure"})
    assert {row["種類"] for row in rows} == {"施策"} and "新しい名前" in rows[0]["変更内容"]


def test_the_user_filter_keeps_one_persons_changes(admin_client, secretariat):
    _held_item(admin_client)
    _, rows = timeline(admin_client, {"user": secretariat.pk})
    assert len(rows) == 1 and rows[0]["変更者"] == "事務局 太郎"
    _, rows = timeline(admin_client, {"user": "system"})
    assert len(rows) > 1 and {row["変更者"] for row in rows} == {"(システム)"}


def _dated_changes():
    """Four changes of one measure, recorded at the edges of 2021-06-30 in Tokyo."""
    measure = Measure.objects.get(number=2)
    measure.history.update(history_date=datetime(2021, 6, 1, 9, 0, tzinfo=TOKYO))  # its creation
    moments = {
        "前日": datetime(2021, 6, 29, 23, 59, tzinfo=TOKYO),
        "当日の朝": datetime(2021, 6, 30, 0, 0, tzinfo=TOKYO),
        "当日の夜": datetime(2021, 6, 30, 23, 59, tzinfo=TOKYO),
        "翌日": datetime(2021, 7, 1, 0, 0, tzinfo=TOKYO),
    }
    for label, moment in moments.items():
        measure.refresh_from_db()
        measure.description = label
        measure.save()
        latest = measure.history.order_by("-history_date", "-history_id").first()
        measure.history.filter(history_id=latest.history_id).update(history_date=moment)
    return moments


@pytest.mark.parametrize("typed", ["2021/06/30", "2021-06-30", "令和3年6月30日"])
def test_the_date_filter_takes_the_days_as_typed_elsewhere(admin_client, typed):
    _dated_changes()
    page, rows = timeline(admin_client, {"date_from": typed, "date_to": typed})
    assert [row["変更内容"].split(" → ")[1] for row in rows] == ["当日の夜", "当日の朝"]
    assert [row["日時"] for row in rows] == ["令和3年6月30日 23:59", "令和3年6月30日 00:00"]
    assert page.find("input", name="date_from").attrs["value"] == typed

    def changed_to(rows):
        return [row["変更内容"].split(" → ")[1] for row in rows if row["操作"] == "変更"]

    _, rows = timeline(admin_client, {"date_from": typed, "kind": "measure"})
    assert changed_to(rows) == ["翌日", "当日の夜", "当日の朝"]
    _, rows = timeline(admin_client, {"date_to": typed, "kind": "measure"})
    assert changed_to(rows) == ["当日の夜", "当日の朝", "前日"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"date_from": "abc"}, "日付を正しく入力してください。"),
        ({"date_to": "2021/02/30"}, "日付を正しく入力してください。"),
        ({"date_from": "令和99年1月1日"}, "2100年までの日付で入力してください。"),
        ({"date_from": "9999/01/01"}, "2100年までの日付で入力してください。"),
        ({"date_from": "\x00"}, "日付を正しく入力してください。"),
        (
            {"date_from": "2021/07/01", "date_to": "2021/06/30"},
            "変更日(から)は変更日(まで)以前の日付にしてください。",
        ),
        ({"kind": "user"}, "指定された種類はありません。"),
        ({"user": "abc"}, "指定された変更者は見つかりません。"),
        ({"user": "99999999999999999999999"}, "指定された変更者は見つかりません。"),
    ],
)
def test_bad_filter_input_is_answered_in_japanese_beside_the_form(admin_client, query, message):
    page, rows = timeline(admin_client, query, status=400)
    errors = page.find(cls="form-errors").text
    assert message in errors and "条件に誤りがあります" in errors
    assert page.find("form", cls="filter-form")
    assert rows == []


def test_long_lists_come_a_page_at_a_time(admin_client):
    item = ScheduledItem.objects.get(
        body__name="IT・情報セキュリティ委員会", fiscal_year=2018, planned_month=4
    )
    for n in range(90):
        item.refresh_from_db()
        item.notes = f"メモ{n}"
        item.save()
    total = sum(model.history.count() for model in TRACKED_MODELS)  # every one shows a change
    assert total > 100

    page, rows = timeline(admin_client)
    nav = page.find("nav", cls="pagination").text
    assert f"全{total}件中 1–50件" in nav and "次へ" in nav
    assert len(rows) == 50 and rows[0]["変更内容"] == "備考: メモ88 → メモ89"
    assert not page.find("nav", cls="pagination").find_all("a", rel="prev")
    next_link = page.find("a", rel="next").attrs["href"]
    assert next_link == "?page=2"

    page, rows = timeline(admin_client, {"page": "2"})
    nav = page.find("nav", cls="pagination").text
    assert f"全{total}件中 51–100件" in nav and "前へ" in nav and "次へ" in nav
    assert rows[0]["変更内容"] == "備考: メモ38 → メモ39"

    last = (total + 49) // 50
    for wrong in ("abc", "0", "99999", "-1"):  # a page that is no page shows the nearest one
        page, _ = timeline(admin_client, {"page": wrong})
        assert "全" in page.find("nav", cls="pagination").text

    page, rows = timeline(admin_client, {"page": str(last)})
    assert f"全{total}件中 {(last - 1) * 50 + 1}–{total}件" in page.find("nav", cls="pagination").text
    assert not page.find("nav", cls="pagination").find_all("a", rel="next")


def test_the_pages_keep_the_filters(admin_client):
    item = ScheduledItem.objects.get(
        body__name="IT・情報セキュリティ委員会", fiscal_year=2018, planned_month=4
    )
    for n in range(60):
        item.refresh_from_db()
        item.notes = f"メモ{n}"
        item.save()
    page, rows = timeline(admin_client, {"kind": "scheduleditem", "date_from": "2018/04/01"})
    assert len(rows) == 50
    href = page.find("a", rel="next").attrs["href"]
    assert href == "?kind=scheduleditem&date_from=2018%2F04%2F01&page=2"


def test_nothing_found_says_so(admin_client):
    page, rows = timeline(admin_client, {"date_from": "2100/01/01"})
    assert rows == []
    assert "条件に合う変更はありません。" in page.find("table", id="timeline").text
    assert "全0件" in page.find("nav", cls="pagination").text


def _change_everything_once(client, n: int):
    """One change of each kind the test counts: a measure edited, a meeting's notes changed."""
    _edit_measure(client, Measure.objects.get(number=2), description=f"更新{n}")
    item = ScheduledItem.objects.get(
        body__name="IT・情報セキュリティ委員会", fiscal_year=2018, planned_month=4
    )
    response = client.post(
        reverse("admin:schedule_scheduleditem_change", args=[item.pk]),
        {
            "body": item.body_id,
            "kind": item.kind,
            "fiscal_year": "2018",
            "planned_month": "4",
            "status": item.status,
            "subject": item.subject,
            "phase": item.phase_id or "",
            "notes": f"メモ{n}",
            "version": item.version,
        },
    )
    assert response.status_code == 302


def test_the_queries_do_not_grow_with_the_number_of_changes(
    admin_client, secretariat, django_assert_num_queries
):
    # The person filter keeps the seed's records out, so that both pages show the same kinds.
    url = f"{URL}?user={secretariat.pk}"
    for n in range(5):
        _change_everything_once(admin_client, n)
    few = count_queries(admin_client, url)
    for n in range(5, 50):
        _change_everything_once(admin_client, n)
    with django_assert_num_queries(few):
        page = parse(admin_client.get(url).content)
    assert "全100件中 1–50件" in page.find("nav", cls="pagination").text
