"""A large workbook on /reports/ in Debian's Chromium at 1280×800, with the worker stopped: the page,
which follows the request by itself, says so once the request has waited a minute, and stops
saying it once the worker starts."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from reports.models import WorkbookJob

from .screenshots import save_screenshot
from .test_home_browser import VIEWPORT, home_page_of  # noqa: F401 (the signed-in page fixture)
from .test_print_browser import browser, browser_test  # noqa: F401 (the browser fixture)
from .test_workbook_background import DUMMY, NOT_STARTED

# The page asks for the status every 1.5 s (reports/static/reports/workbooks.js).
WAIT_MS = 10_000


@browser_test
def test_the_page_says_the_request_has_not_started_and_takes_it_back(
    home_page_of,  # noqa: F811
    live_server,
    manager,
    settings,
    tmp_path,
):
    from playwright.sync_api import expect

    settings.REPORTS_BACKGROUND_MEASURES = 3  # the seed plan's 5 measures are large
    settings.REPORTS_WORKBOOK_DIR = tmp_path
    settings.TASKS = DUMMY  # the worker is stopped: nothing runs the request
    page = home_page_of(manager)
    page.goto(f"{live_server.url}{reverse('reports:index')}?as_of=2021-12-31")
    with page.expect_navigation():
        page.click("button:has-text('Excelファイルの作成を依頼')")
    job = WorkbookJob.objects.get(requested_by=manager)
    row = page.locator(f"#workbook-{job.pk}")
    notice = row.locator('[data-field="notice"]')
    expect(row.locator('[data-field="status_label"]')).to_have_text("作成待ち")
    expect(notice).to_be_hidden()

    # A minute passes with the request still waiting: the page, polling, says so without a reload.
    WorkbookJob.objects.filter(pk=job.pk).update(requested_at=timezone.now() - timedelta(seconds=61))
    expect(notice).to_have_text(NOT_STARTED, timeout=WAIT_MS)
    expect(notice).to_be_visible()
    box = notice.bounding_box()
    assert box["x"] + box["width"] <= VIEWPORT["width"], "the notice is read without sideways scrolling"
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORT["width"]
    row.scroll_into_view_if_needed()
    save_screenshot(page, "workbook-not-started")

    # The worker comes back and starts it: the notice goes, the bar moves.
    WorkbookJob.objects.filter(pk=job.pk).update(status=WorkbookJob.Status.RUNNING, measures_done=2)
    expect(row.locator('[data-field="status_label"]')).to_have_text("作成中", timeout=WAIT_MS)
    expect(row.locator('[data-field="percent"]')).to_have_text("40%")
    expect(notice).to_be_hidden()


@browser_test
def test_the_secretariat_sees_the_waiting_requests_on_the_admins_front_page(
    home_page_of,  # noqa: F811
    live_server,
    manager,
    secretariat,
):
    from playwright.sync_api import expect

    from core import fiscal

    asked = timezone.now() - timedelta(minutes=5)
    for query in ("as_of=2021-12-31", "as_of=2021-11-30"):
        WorkbookJob.objects.create(
            requested_by=manager,
            query=query,
            filename="進捗状況.xlsx",
            ascii_filename="progress.xlsx",
            measure_count=5000,
            requested_at=asked,
            expires_at=asked + timedelta(hours=24),
        )
    page = home_page_of(secretariat)
    page.goto(live_server.url + reverse("admin:index"))
    warning = page.locator(".messagelist .warning")
    expect(warning).to_contain_text(
        f"Excelファイルの作成依頼が2件、1分以上作成待ちのままです(いちばん古い依頼は{fiscal.wareki_datetime(asked)})。"
    )
    box = warning.bounding_box()
    assert box["y"] + box["height"] <= VIEWPORT["height"], "above the menu, on the first screen"
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORT["width"]
    save_screenshot(page, "admin-index-workbooks-waiting")
