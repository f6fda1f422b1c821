"""The API's Swagger UI (/api/docs/) works in Debian's Chromium under the site's CSP: every file
from our own static files (drf-spectacular-sidecar), the page's script from /api/docs/?script,
no inline script, nothing from outside, and the operations listed."""

from __future__ import annotations

from .factories import seed_plan
from .screenshots import save_screenshot
from .test_print_browser import browser, browser_test  # noqa: F401 - the fixture

OPERATIONS = ("/api/measures/", "/api/progress-reports/", "/api/scheduled-items/{id}/")


@browser_test
def test_the_swagger_page_lists_the_operations_with_nothing_from_outside(browser, live_server, demo):  # noqa: F811
    plan = seed_plan()
    plan.published = True
    plan.save()
    context = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    requested, errors = [], []
    page.on("request", lambda request: requested.append(request.url))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    response = page.goto(live_server.url + "/api/docs/")
    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector(".opblock", timeout=15000)
    text = page.inner_text("#swagger-ui")
    for operation in OPERATIONS:
        assert operation in text
    assert "文京区官民データ活用推進計画 進捗管理 API" in text
    # Open one operation: its parameters are described in Japanese.
    page.click("#operations-施策-measures_list")
    page.wait_for_selector("text=基準日", timeout=5000)
    save_screenshot(page, "api_docs")
    assert not errors, errors
    outside = [url for url in requested if not url.startswith(live_server.url)]
    assert not outside, outside
    context.close()
