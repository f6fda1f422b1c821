"""The secretariat reads /timeline/ and an object's 変更履歴 in a real browser at 1280×800.

The test client sees the words; only a browser sees them broken across lines ("追/加", "履/歴").
Each test saves a screenshot (tests/screenshots.py), to be looked at; docs/admin.md shows them.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from bunkyo import roles
from bunkyo.timeline import TRACKED_MODELS
from measures.models import Measure
from schedule.models import ScheduledItem

from .screenshots import save_screenshot
from .test_history import _measure_form
from .test_mark_held import mark_held_from_list
from .test_print_browser import browser, browser_test  # noqa: F401 (the browser fixture)

PASSWORD = "pw-jimu-browser"
# The columns whose every cell stays on one line: when, what was done, to what kind, by whom, the link.
ONE_LINE_COLUMNS = ["日時", "操作", "種類", "変更者", ""]


@pytest.fixture
def secretariat(transactional_db, role_groups, django_user_model):
    """The secretariat account (overrides conftest's) with a password the browser types."""
    user = django_user_model.objects.create_user(
        username="jimu", password=PASSWORD, last_name="情報政策課 職員", is_staff=True
    )
    user.groups.add(Group.objects.get(name=roles.SECRETARIAT))
    return user


@pytest.fixture
def secretariats_day(seeded, secretariat):
    """A morning's work through the admin, on the ward's plan as loaded (its schedule all 予定):
    meetings marked held, a measure renamed, its keywords cleared."""
    _recorded_at_fixed_times(loaded=True)
    client = Client()
    client.force_login(secretariat)
    items = ScheduledItem.objects.filter(fiscal_year=2018, planned_month__in=(4, 5)).order_by("pk")
    for item in items:
        item.planned_date = date(2018, item.planned_month, 20)
        item.save()
    # The page of dates offers each item's 予定日, and is sent as it is.
    response = mark_held_from_list(client, {item: f"{item.planned_date:%Y/%m/%d}" for item in items})
    assert response.status_code == 302
    measure = Measure.objects.get(number=2)
    url = reverse("admin:measures_measure_change", args=[measure.pk])
    assert client.post(url, _measure_form(measure, keywords=[])).status_code == 302
    measure.refresh_from_db()
    data = _measure_form(measure, title="オープンデータ活用の推進(カタログサイトの公開)")
    assert client.post(url, data).status_code == 302
    _recorded_at_fixed_times()
    return items.first()


LOADED_AT = datetime(2021, 6, 30, 9, 0, tzinfo=ZoneInfo("Asia/Tokyo"))


def _recorded_at_fixed_times(*, loaded: bool = False):
    """The same screenshots on every run: what the plan was loaded with at 09:00, each change of
    the morning a minute after the one before (in the order they were made)."""
    if loaded:
        for model in TRACKED_MODELS:
            model.history.update(history_date=LOADED_AT)
        return
    records = sorted(
        (record.history_date, index, record.history_id)
        for index, model in enumerate(TRACKED_MODELS)
        for record in model.history.filter(history_date__gt=LOADED_AT)
    )
    for minute, (_, index, history_id) in enumerate(records, start=1):
        history = TRACKED_MODELS[index].history
        history.filter(history_id=history_id).update(history_date=LOADED_AT + timedelta(minutes=minute))


@pytest.fixture
def secretariat_page(browser, live_server, secretariat):  # noqa: F811
    """A tab at 1280×800, signed in as the secretariat through the login form."""
    context = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", secretariat.username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    page.base = live_server.url
    yield page
    context.close()


def _wrapped_cells(page, table: str, headings: list[str]) -> list[str]:
    """Each cell of these columns (by heading; "" is the link column) whose text takes more than one
    line: its text's bounding box is taller than one line. As 'heading: text'."""
    return page.evaluate(
        """([table, headings]) => {
            const ths = [...document.querySelectorAll(`${table} thead th`)];
            const wrapped = [];
            for (const heading of headings) {
                const index = ths.findIndex(th => th.innerText.trim() === heading);
                if (index < 0) { wrapped.push(`${heading} (no such column)`); continue; }
                const cells = [ths[index], ...document.querySelectorAll(
                    `${table} tbody tr > :nth-child(${index + 1})`)];
                for (const cell of cells) {
                    const range = document.createRange();
                    range.selectNodeContents(cell);
                    const line = parseFloat(getComputedStyle(cell).lineHeight);
                    if (range.getBoundingClientRect().height > line * 1.5) {
                        wrapped.push(`${heading || "履歴"}: ${cell.innerText}`);
                    }
                }
            }
            return wrapped;
        }""",
        [table, headings],
    )


def _screenshot(page, name: str) -> None:
    save_screenshot(page, name.removesuffix(".png"))


@browser_test
def test_the_timeline_keeps_its_short_columns_on_one_line_at_1280_px(secretariats_day, secretariat_page):
    page = secretariat_page
    response = page.goto(page.base + reverse("timeline"))
    assert response.status == 200
    headings = page.locator("#timeline thead th").all_inner_texts()
    assert headings[:3] == ["日時", "操作", "種類"] and "変更者" in headings
    assert _wrapped_cells(page, "#timeline", ONE_LINE_COLUMNS) == []
    table = page.locator("#timeline").bounding_box()
    assert table["x"] + table["width"] <= 1280, "the table fits the window"
    rows = page.locator("#timeline tbody tr").all_inner_texts()
    assert "施策名: オープンデータ活用の推進 → " in rows[0] and "情報政策課 職員" in rows[0]
    assert "状況: 予定 → 実施済" in rows[1]
    _screenshot(page, "timeline.png")

    page.select_option("#id_kind", label="施策")
    page.fill("#id_date_from", "令和元年5月1日")
    with page.expect_navigation():
        page.click(".filter-form button[type=submit]")
    assert "kind=measure" in page.url
    assert page.input_value("#id_date_from") == "令和元年5月1日"
    kinds = set(page.locator("#timeline tbody .col-kind").all_inner_texts())
    assert kinds == {"施策"}
    assert (
        "施策名: オープンデータ活用の推進 → オープンデータ活用の推進(カタログサイトの公開)"
        in page.inner_text("#timeline")
    )
    assert _wrapped_cells(page, "#timeline", ONE_LINE_COLUMNS) == []

    page.fill("#id_date_to", "令和元年4月31日")
    with page.expect_navigation():
        page.click(".filter-form button[type=submit]")
    alert = page.inner_text(".form-errors")
    assert "変更日(まで)" in alert and "日付を正しく入力してください。" in alert
    assert page.input_value("#id_date_to") == "令和元年4月31日"


@browser_test
def test_an_objects_history_reads_in_japanese(secretariats_day, secretariat_page):
    page = secretariat_page
    item = secretariats_day
    response = page.goto(page.base + reverse("admin:schedule_scheduleditem_history", args=[item.pk]))
    assert response.status == 200
    table = page.inner_text("#change-history")
    assert "状況: 予定 → 実施済" in table and "実施日: なし → 平成30年4月20日" in table
    assert "版" not in table and "None" not in table
    assert _wrapped_cells(page, "#change-history", ["日時", "操作", "変更者", "変更理由"]) == []
    table, module = (
        page.locator("#change-history").bounding_box(),
        page.locator("#content-main .module").bounding_box(),
    )
    assert table["x"] + table["width"] <= module["x"] + module["width"] + 1, "the table fits its box"
    _screenshot(page, "history.png")
