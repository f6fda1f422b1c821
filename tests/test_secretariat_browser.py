"""The secretariat's day in Debian's Chromium at 1280×800: what the test client cannot see.

Each flow is driven through the real pages (typing, clicking, the browser's own form handling)
and saves a screenshot of each page it passes (tests/screenshots.py; docs/admin.md shows them).
"""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from measures.models import Measure, ProgressReport
from schedule.models import ScheduledItem

from .factories import add_report
from .screenshots import save_screenshot
from .test_forms_browser import DATE_TYPED, admin_page, signed_in_admin_tab  # noqa: F401 (the signed-in tab)
from .test_print_browser import browser, browser_test  # noqa: F401 (the browser fixture)

MEASURE_PAGE_MAX_HEIGHT = 2500
# Fires the admin's own "change" on the measure select and tells whether the page began to navigate.
TRIGGER_CHANGE_NAVIGATES = """() => {
    let navigated = false;
    const seen = () => { navigated = true; };
    navigation.addEventListener("navigate", seen);
    django.jQuery("#id_measure").trigger("change");
    navigation.removeEventListener("navigate", seen);
    return navigated;
}"""


def _height(page) -> int:
    return page.evaluate("document.documentElement.scrollHeight")


def _width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.fixture
def seed_admin_page(browser, live_server, seeded, django_user_model):  # noqa: F811
    """The signed-in tab on the ward's plan as `load_plan` alone loads it: the FY2018 schedule by
    months only, every item 予定."""
    page = signed_in_admin_tab(browser, live_server, django_user_model)
    yield page
    page.context.close()


@browser_test
def test_the_measure_page_fits_and_opens_on_its_reports(admin_page):  # noqa: F811
    measure = Measure.objects.get(number=1)
    admin_page.goto(admin_page.base + reverse("admin:measures_measure_change", args=[measure.pk]))
    save_screenshot(admin_page, "measure-page", full_page=True)
    assert _height(admin_page) < MEASURE_PAGE_MAX_HEIGHT
    assert _width(admin_page) <= 1280, "nothing reaches past the right edge of the screen"
    # The reports table is the first thing on the page, inside the first screen.
    table = admin_page.locator("#reports-of-measure")
    assert table.bounding_box()["y"] < 800
    rows = table.locator("tbody tr")
    assert rows.count() == measure.progress_reports.count()


@browser_test
def test_a_report_is_added_from_the_measure_page_with_the_years_target_in_view(admin_page):  # noqa: F811
    measure = Measure.objects.get(number=1)
    before = ProgressReport.objects.count()
    admin_page.goto(admin_page.base + reverse("admin:measures_measure_change", args=[measure.pk]))
    with admin_page.expect_navigation():
        admin_page.locator("#reports-of-measure a.button", has_text="進捗報告を追加").click()
    # The year's target and indicator sit just above the actual value.
    current = admin_page.locator("table.year-targets tr.current")
    target = measure.annual_targets.get(fiscal_year=measure.plan.last_fiscal_year)
    assert target.indicator_name in current.inner_text()
    actual = admin_page.locator("#id_actual_value").bounding_box()
    assert 0 < actual["y"] - current.bounding_box()["y"] < 200
    # The admin fires "change" on its related selects by itself; the page must not reload then.
    url = admin_page.url
    admin_page.fill("#id_fiscal_year", "平成31年度")
    # The Navigation API's "navigate" event fires synchronously inside location.assign(), so the
    # page's answer to the event is known as soon as trigger() returns: no wait.
    navigated = admin_page.evaluate(TRIGGER_CHANGE_NAVIGATES)
    assert navigated is False
    assert admin_page.url == url and admin_page.input_value("#id_fiscal_year") == "平成31年度"
    admin_page.fill("#id_as_of", "令和元年12月27日")
    admin_page.fill("#id_actual_value", "38")
    admin_page.fill("#id_progress_percent", "70")
    save_screenshot(admin_page, "report-add", full_page=True)
    with admin_page.expect_navigation():
        admin_page.click("input[name=_save]")
    assert ProgressReport.objects.count() == before + 1, admin_page.inner_text("#content")[:800]
    report = ProgressReport.objects.order_by("-pk").first()
    assert (report.fiscal_year, report.as_of, report.progress_percent) == (2019, date(2019, 12, 27), 70)
    assert report.author.username == "root"


@browser_test
def test_a_report_is_withdrawn_on_its_own_page_and_keeps_its_author(admin_page, django_user_model):  # noqa: F811
    author = django_user_model.objects.create_user("yamada", last_name="山田", first_name="花子")
    report = add_report(Measure.objects.get(number=2), 2021, date(2021, 11, 30), progress=55, author=author)
    admin_page.goto(admin_page.base + reverse("admin:measures_progressreport_change", args=[report.pk]))
    save_screenshot(admin_page, "report-page")
    assert not admin_page.locator("#progressreport_form textarea, #progressreport_form select").count()
    with admin_page.expect_navigation():
        admin_page.click("text=この報告を取り下げる")
    field = admin_page.locator("#id_withdrawn_on")
    for typed in DATE_TYPED:
        field.fill(typed)
        assert field.input_value() == typed
    field.fill("令和3年12月1日")
    admin_page.fill("#id_withdrawal_reason", "別の施策の数値を誤って入力したため")
    save_screenshot(admin_page, "report-withdraw")
    with admin_page.expect_navigation():
        admin_page.click("input[type=submit][value=取り下げる]")
    save_screenshot(admin_page, "report-withdrawn")
    assert "を取り下げました" in admin_page.inner_text(".messagelist")
    report.refresh_from_db()
    assert report.withdrawn_on == date(2021, 12, 1)
    assert report.author == author and report.withdrawn_by.username == "root"
    assert "取り下げ(2021/12/01)" in admin_page.inner_text("#content") or "取り下げられました" in (
        admin_page.inner_text("#content")
    )


@browser_test
def test_an_item_is_marked_held_with_its_date_typed_in_the_era_form(seed_admin_page):
    # The seed's items are all 予定 (the demo holds them).
    page = seed_admin_page
    item = ScheduledItem.objects.filter(status="planned", planned_month=1).order_by("pk").first()
    page.goto(page.base + reverse("admin:schedule_scheduleditem_change", args=[item.pk]))
    page.select_option("#id_status", label="実施済")
    with page.expect_navigation():
        page.click("input[name=_save]")
    save_screenshot(page, "schedule-held-without-date")
    assert "実施日" in page.inner_text(".errors, .errorlist")
    item.refresh_from_db()
    assert item.status == "planned"

    page.fill("#id_actual_date", "平成31年1月25日")
    with page.expect_navigation():
        page.click("input[name=_save]")
    item.refresh_from_db()
    assert (item.status, item.actual_date) == ("held", date(2019, 1, 25)), page.inner_text("#content")[:800]


@browser_test
def test_a_conflict_keeps_what_was_typed_and_names_who_saved_first(admin_page, browser, django_user_model):  # noqa: F811
    measure = Measure.objects.get(number=2)
    url = admin_page.base + reverse("admin:measures_measure_change", args=[measure.pk])
    admin_page.goto(url)

    django_user_model.objects.create_superuser(
        "suzuki", password="pw-suzuki", last_name="鈴木", first_name="一郎"
    )
    other = browser.new_context(viewport={"width": 1280, "height": 800})
    page = other.new_page()
    page.goto(admin_page.base + reverse("login"))
    page.fill("#id_username", "suzuki")
    page.fill("#id_password", "pw-suzuki")
    with page.expect_navigation():
        page.click("button[type=submit]")
    page.goto(url)
    page.fill("#id_title", "オープンデータの推進")
    with page.expect_navigation():
        page.click("input[name=_save]")
    other.close()

    typed = "区が持つデータを、二次利用できる形で公開する。"
    admin_page.fill("#id_description", typed)
    admin_page.fill("#id_title", "オープンデータの公開")
    with admin_page.expect_navigation():
        admin_page.click("input[name=_save]")
    save_screenshot(admin_page, "conflict", full_page=True)
    body = admin_page.inner_text("#content")
    assert "開いた後に鈴木 一郎が先に変更したため保存できませんでした。" in body
    assert "鈴木 一郎の変更を残す:「オープンデータの推進」" in body
    assert admin_page.input_value("#id_description") == typed
    assert admin_page.input_value("#id_title") == "オープンデータの公開"
    measure.refresh_from_db()
    assert measure.title == "オープンデータの推進" and measure.description != typed

    # The browser will not send the form without a choice; choosing the other's title saves it
    # with this editor's description.
    admin_page.check("input[name=title__keep][value=theirs]")
    with admin_page.expect_navigation():
        admin_page.click("input[name=_save]")
    measure.refresh_from_db()
    assert (measure.title, measure.description) == ("オープンデータの推進", typed)


@browser_test
def test_choosing_the_measure_on_the_add_page_shows_its_targets_and_keeps_the_input(admin_page):  # noqa: F811
    measure = Measure.objects.get(number=2)
    admin_page.goto(admin_page.base + reverse("admin:measures_progressreport_add"))
    assert "施策を選ぶと" in admin_page.inner_text(".field-year_targets")
    admin_page.fill("#id_progress_percent", "30")
    admin_page.click(".field-measure .select2-selection")
    admin_page.fill(".select2-search__field", "オープンデータ")
    with admin_page.expect_navigation():
        admin_page.click(".select2-results__option >> text=オープンデータ活用の推進")
    assert f"measure={measure.pk}" in admin_page.url
    assert measure.annual_targets.first().indicator_name in admin_page.inner_text("table.year-targets")
    assert admin_page.input_value("#id_progress_percent") == "30"


@browser_test
def test_a_save_that_meets_a_deadlock_comes_back_with_what_was_typed_and_saves_next_time(admin_page):  # noqa: F811
    from unittest import mock

    from measures.admin import MeasureAdmin

    from .test_database_busy import MESSAGE, _deadlock

    measure = Measure.objects.get(number=3)
    admin_page.goto(admin_page.base + reverse("admin:measures_measure_change", args=[measure.pk]))
    typed = "重なった保存でも消えない説明。"
    admin_page.fill("#id_description", typed)
    with mock.patch.object(MeasureAdmin, "save_model", side_effect=_deadlock()):
        with admin_page.expect_navigation():
            admin_page.click("input[name=_save]")
    save_screenshot(admin_page, "database_busy")
    assert MESSAGE in admin_page.inner_text("#content")
    assert admin_page.input_value("#id_description") == typed
    measure.refresh_from_db()
    assert measure.description != typed
    with admin_page.expect_navigation():
        admin_page.click("input[name=_save]")
    measure.refresh_from_db()
    assert measure.description == typed


def _date_inputs(page):
    return page.locator("#mark-held-items tbody input.vDateField")


@browser_test
def test_the_seeds_month_only_items_are_marked_held_together_with_their_dates_typed_on_one_page(
    seed_admin_page,
):
    page = seed_admin_page
    committee, subcommittee, executive = (
        ScheduledItem.objects.get(fiscal_year=2018, body__name=name, planned_month=month)
        for name, month in (("IT・情報セキュリティ委員会", 4), ("IT・情報セキュリティ部会", 5), ("庁議", 5))
    )
    page.goto(page.base + reverse("admin:schedule_scheduleditem_changelist"))
    for item in (committee, subcommittee, executive):
        page.check(f"input.action-select[value='{item.pk}']")
    page.select_option("select[name=action]", label="選択した予定を実施済にする")
    with page.expect_navigation():
        page.click("button[name=index]")

    # One row per item, each with the admin's date input (its 今日 and calendar beside it).
    rows = page.locator("#mark-held-items tbody tr")
    assert rows.count() == 3
    assert rows.nth(0).inner_text().split("\t")[:3] == [
        "平成30年度(2018年度) 4月",
        "IT・情報セキュリティ委員会",
        "計画の骨子について",
    ]
    assert page.locator("#mark-held-items .datetimeshortcuts").count() == 3
    inputs = _date_inputs(page)
    assert [inputs.nth(i).input_value() for i in range(3)] == ["", "", ""], "the seed has no 予定日 to offer"
    typed = ["2018/04/19", "平成30年5月15日", "2018/05/22"]
    for index, text in enumerate(typed):
        inputs.nth(index).fill(text)
        assert inputs.nth(index).input_value() == text
    save_screenshot(page, "schedule-mark-held")
    assert _width(page) <= 1280, "nothing reaches past the right edge of the screen"

    # A slip of the year: the page comes back with the reason beside that date, everything kept.
    inputs.nth(2).fill("2017/05/22")
    with page.expect_navigation():
        page.click("#mark-held-form input[type=submit]")
    assert "どれも保存していません" in page.inner_text(".errornote")
    reason = page.locator("#mark-held-items tbody tr").nth(2).locator(".errorlist")
    assert "平成30年度(2018年度)の開始日(2018/04/01)から" in reason.inner_text()
    assert [inputs.nth(i).input_value() for i in range(3)] == [typed[0], typed[1], "2017/05/22"]
    assert page.locator("#mark-held-items .errorlist").count() == 1
    save_screenshot(page, "schedule-mark-held-refused")
    assert _width(page) <= 1280
    assert ScheduledItem.objects.filter(status="held").count() == 0

    inputs.nth(2).fill("2018/05/22")
    with page.expect_navigation():
        page.click("#mark-held-form input[type=submit]")
    assert page.inner_text(".messagelist") == "3件を実施済にしました。"
    save_screenshot(page, "schedule-mark-held-done")
    held = {item.pk: item.actual_date for item in ScheduledItem.objects.filter(status="held")}
    assert held == {
        committee.pk: date(2018, 4, 19),
        subcommittee.pk: date(2018, 5, 15),
        executive.pk: date(2018, 5, 22),
    }
