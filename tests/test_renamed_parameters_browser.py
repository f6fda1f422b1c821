"""A manager's bookmark from before the rename (objective=…) in Debian's Chromium at 1280×800: the
page says, beside 計画の目的, that the name has changed; choosing the purpose again and pressing
条件を確認 gives the page for that purpose, with a URL that says purpose."""

from __future__ import annotations

from django.urls import reverse

from measures.models import Purpose

from .factories import seed_plan
from .screenshots import save_screenshot
from .test_home_browser import VIEWPORT, home_page_of  # noqa: F401 (the signed-in page fixture)
from .test_print_browser import browser, browser_test  # noqa: F401 (the browser fixture)


@browser_test
def test_an_old_bookmark_says_to_choose_the_purpose_again_and_then_works(
    home_page_of,  # noqa: F811
    live_server,
    manager,
):
    from playwright.sync_api import expect

    purpose = Purpose.objects.get(plan=seed_plan(), code="ウ")
    page = home_page_of(manager)
    response = page.goto(
        f"{live_server.url}{reverse('reports:index')}?as_of=2021-03-31&objective={purpose.pk}"
    )
    assert response.status == 400
    row = page.locator(".form-row", has=page.locator("label", has_text="計画の目的"))
    expect(row.locator(".error")).to_have_text("objective は廃止しました。purpose を使ってください。")
    save_screenshot(page, "reports-old-objective-bookmark")

    row.locator("select").select_option(str(purpose.pk))
    with page.expect_navigation():
        page.click("button:has-text('条件を確認')")
    assert "objective" not in page.url and f"purpose={purpose.pk}" in page.url
    expect(page.locator(".export-scope")).to_contain_text(f"この条件の施策: {purpose.measures.count()}件")
    expect(page.locator(".error")).to_have_count(0)
