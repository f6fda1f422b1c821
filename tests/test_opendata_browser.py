"""A visitor with no account opens /opendata/ in Chromium: the licence, each dataset, its links."""

from __future__ import annotations

from measures.models import Plan

from .factories import seed_plan
from .screenshots import save_screenshot
from .test_print_browser import browser, browser_test  # noqa: F401 (the browser fixture)

VIEWPORT = {"width": 1280, "height": 800}


@browser_test
def test_a_visitor_without_an_account_reads_the_open_data_page_and_downloads_a_file(
    browser,  # noqa: F811
    live_server,
    demo,
):
    Plan.objects.filter(pk=seed_plan().pk).update(published=True)
    context = browser.new_context(locale="ja-JP", viewport=VIEWPORT, accept_downloads=True)
    page = context.new_page()
    page.requested = []
    page.on("request", lambda request: page.requested.append(request.url))
    page.goto(live_server.url + "/opendata/")
    assert page.url == live_server.url + "/opendata/", "no sign-in asked"
    assert page.locator("h1").inner_text() == "オープンデータ"
    assert "公共データ利用規約(第1.0版)" in page.locator("#license-heading + p").inner_text()
    assert page.locator("section[id] h2").all_inner_texts() == [
        "施策別の年度ごとの進捗状況",
        "進捗報告",
        "策定スケジュール(会議・報告の予定)",
        "策定スケジュール(パブリック・コメント)",
    ]
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORT["width"], "no sideways scrolling"
    save_screenshot(page, "opendata", full_page=True)
    assert all(url.startswith(live_server.url) for url in page.requested), "nothing from outside"
    with page.expect_download() as download:
        page.click("#measures a[href$='measures.csv']")
    assert download.value.suggested_filename == "measures.csv"
    with open(download.value.path(), "rb") as file:
        assert file.read().startswith(b"\xef\xbb\xbf\xe5\x85\xa8\xe5\x9b\xbd")  # BOM, then 全国…
    context.close()
