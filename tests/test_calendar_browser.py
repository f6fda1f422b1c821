"""The calendar subscription in Debian's Chromium at 1280×800: a secretariat member issues their
URL, a calendar app (no session) reads the feed with it, and a new URL shuts the old one out."""

from __future__ import annotations

import urllib.error
import urllib.request

from django.urls import reverse
from icalendar import Calendar

from .screenshots import save_screenshot
from .test_home_browser import VIEWPORT, _council_report_held_and_one_planned, home_page_of  # noqa: F401
from .test_print_browser import browser, browser_test  # noqa: F401 (the browser fixture)


def _fetch(url: str) -> tuple[int, bytes]:
    """As a calendar app does: no cookies, no session."""
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


@browser_test
def test_a_member_subscribes_and_a_new_url_shuts_the_old_one_out(home_page_of, live_server, secretariat):  # noqa: F811
    _council_report_held_and_one_planned()  # two council reports with their dates
    page = home_page_of(secretariat)
    page.goto(live_server.url + reverse("schedule:calendar_subscription"))
    assert page.locator("button", has_text="購読URLを発行する").count() == 1
    with page.expect_navigation():
        page.click("button:has-text('購読URLを発行する')")
    # The first URL: nothing is said of a previous one, which there never was.
    issued = page.inner_text("body")
    assert "購読URLを発行しました。" in issued and "これまでの購読URLは使えません" not in issued
    urls = page.locator("input.subscription-url")
    assert urls.count() >= 2  # every body, then one per body
    first = urls.nth(0).input_value()
    assert first.startswith(live_server.url + "/schedule/calendar.ics") and "token=" in first
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORT["width"]
    for index in range(urls.count()):
        box = urls.nth(index).bounding_box()
        assert box["x"] + box["width"] <= VIEWPORT["width"], "each URL is readable without sideways scrolling"
    assert "発行日時: 令和" in page.inner_text("main, #content, body")
    # Each URL has a コピー button that puts it on the clipboard, and says so.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.click("button.copy-url >> nth=0")
    page.wait_for_selector("#subscription-url-status-1:has-text('コピーしました。')")
    assert page.evaluate("navigator.clipboard.readText()") == first
    save_screenshot(page, "calendar-subscription", full_page=True)

    status, body = _fetch(first)
    assert status == 200
    events = Calendar.from_ical(body).walk("VEVENT")
    assert any("計画の進捗状況(最終報告)" in str(event.get("SUMMARY")) for event in events), events

    with page.expect_navigation():
        page.click("button:has-text('購読URLを新しくする')")
    renewed = page.locator("input.subscription-url").nth(0).input_value()
    assert renewed != first
    assert _fetch(first)[0] == 403
    assert _fetch(renewed)[0] == 200
