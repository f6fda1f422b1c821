"""The home page in a real browser at 1280×800, for each role: Debian's Chromium, driven by Playwright.

Each role signs in through the login form and opens the home page with the demo data, plus a
report to the council that was held (2021-12-10) and a council report planned for the next
month, so that every part of the page has something to show. The page is opened as on a fixed
day (SCREEN_DAY), so the screenshots saved as home-<role>.png (tests/screenshots.py), where the
documentation shows them, change only when the page does.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse

from core import fiscal
from schedule.models import Body, ScheduledItem

from .screenshots import save_screenshot
from .test_print_browser import browser, browser_test  # noqa: F401 (the browser fixture)

VIEWPORT = {"width": 1280, "height": 800}
SCREEN_DAY = date(2026, 11, 27)  # after the plan: its figures are FY2021's


def _save(item: ScheduledItem) -> None:
    item.full_clean()
    item.save()


def _council_report_held_and_one_planned() -> None:
    council = Body.objects.get(kind=Body.Kind.COUNCIL)
    held = date(2021, 12, 10)
    _save(
        ScheduledItem(
            body=council,
            kind=ScheduledItem.Kind.REPORT,
            fiscal_year=fiscal.fiscal_year_of(held),
            planned_month=held.month,
            actual_date=held,
            status=ScheduledItem.Status.HELD,
            subject="令和3年度上半期の進捗状況",
        )
    )
    next_month = (SCREEN_DAY.replace(day=1) + timedelta(days=32)).replace(day=15)
    _save(
        ScheduledItem(
            body=council,
            kind=ScheduledItem.Kind.REPORT,
            fiscal_year=fiscal.fiscal_year_of(next_month),
            planned_month=next_month.month,
            planned_date=next_month,
            subject="計画の進捗状況(最終報告)",
        )
    )


@pytest.fixture
def home_page_of(browser, live_server, demo, monkeypatch):  # noqa: F811
    """Sign a user in through the login form in a 1280×800 tab and open the home page, as on SCREEN_DAY."""
    monkeypatch.setattr("bunkyo.views.today", lambda: SCREEN_DAY)  # the live server runs in this process
    contexts = []

    def open_home(user):
        context = browser.new_context(locale="ja-JP", viewport=VIEWPORT)
        contexts.append(context)
        page = context.new_page()
        page.requested = []
        page.on("request", lambda request: page.requested.append(request.url))
        page.goto(live_server.url + reverse("login"))
        page.fill("#id_username", user.username)
        page.fill("#id_password", "pw-" + user.username)
        with page.expect_navigation():
            page.click("button[type=submit]")
        assert page.url == live_server.url + reverse("home"), f"{user.username} signed in"
        return page

    yield open_home
    for context in contexts:
        context.close()


@browser_test
@pytest.mark.parametrize("role", ["secretariat", "manager", "council"])
def test_each_roles_home_page_fits_1280_by_800_and_shows_the_year_first(
    request, home_page_of, live_server, role
):
    _council_report_held_and_one_planned()
    page = home_page_of(request.getfixturevalue(role))

    assert all(url.startswith(live_server.url) for url in page.requested), "nothing from outside"
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORT["width"], "no sideways scrolling"
    # The year, its date and both tables of counts are on the first screen, without scrolling.
    heading = page.locator("#progress h2")
    assert heading.inner_text() == "令和3年度(2021年度)の進捗状況"
    assert "令和8年11月27日(2026年11月27日)現在" in page.inner_text("#progress")
    tables = page.locator("#progress table")
    assert tables.count() == 2
    for index in range(2):
        box = tables.nth(index).bounding_box()
        assert box["y"] + box["height"] <= VIEWPORT["height"], f"count table {index + 1} below the fold"
        assert box["x"] + box["width"] <= VIEWPORT["width"]
    # No word of a heading is broken across lines in the count tables.
    for th in page.locator("#progress th").all():
        assert th.evaluate("e => e.getClientRects().length && e.scrollWidth <= e.clientWidth"), (
            th.inner_text()
        )

    save_screenshot(page, f"home-{role}")
