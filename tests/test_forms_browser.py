"""What a person types into a 年度 or date field reaches the server as typed, in a real browser.

The test client posts strings; a browser first passes them through the input's type. A number
input cuts 令和3年度 down to "3", and a date input rewrites 2020/03/31 by the browser's locale.
These tests type into Debian's Chromium (en-US, the harder case) and read back what it kept.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib import admin
from django.db import models
from django.urls import reverse

from core.fields import FiscalYearField
from measures.models import Measure, ProgressReport

from .test_print_browser import browser, browser_test  # noqa: F401 (the browser fixture)

ADMIN_PASSWORD = "pw-root-browser"
YEAR_TYPED = ("令和3年度", "平成31年度", "2021")
DATE_TYPED = ("令和3年6月30日", "2021/06/30", "2021-06-30")


def _typed_fields(model) -> list[tuple[str, tuple[str, ...]]]:
    """The model's editable 年度 and date columns, each with what a person may type into it."""
    fields = []
    for field in model._meta.concrete_fields:
        if not field.editable:
            continue
        if isinstance(field, FiscalYearField):
            fields.append((field.name, YEAR_TYPED))
        elif isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
            fields.append((field.name, DATE_TYPED))
    return fields


WITH_TYPED_FIELDS = [
    model for model in sorted(admin.site._registry, key=lambda m: m._meta.label) if _typed_fields(model)
]


def signed_in_admin_tab(browser, live_server, django_user_model, locale="en-US"):  # noqa: F811
    """A tab in an en-US browser (or ``locale``), signed in through the login form as a superuser;
    close its ``page.context`` after the test."""
    user = django_user_model.objects.create_superuser("root", password=ADMIN_PASSWORD, last_name="管理")
    # en-US is the harder case for typed dates; the ward is in Tokyo (no "server time" note).
    context = browser.new_context(
        locale=locale, timezone_id="Asia/Tokyo", viewport={"width": 1280, "height": 800}
    )
    page = context.new_page()
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", user.username)
    page.fill("#id_password", ADMIN_PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    page.base = live_server.url
    return page


@pytest.fixture
def admin_page(request, browser, live_server, demo, django_user_model):  # noqa: F811
    """The signed-in tab (signed_in_admin_tab), on the plan with its demo data; in the locale given
    as the fixture's parameter, else en-US."""
    page = signed_in_admin_tab(browser, live_server, django_user_model, getattr(request, "param", "en-US"))
    yield page
    page.context.close()


@browser_test
def test_every_admin_form_keeps_what_is_typed_into_its_year_and_date_fields(admin_page):
    assert WITH_TYPED_FIELDS, "the admin has forms with 年度 and date fields"
    for model in WITH_TYPED_FIELDS:
        opts = model._meta
        admin_page.goto(admin_page.base + reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
        for name, typed in _typed_fields(model):
            field = admin_page.locator(f"#id_{name}")
            for text in typed:
                field.fill(text)
                assert field.input_value() == text, (
                    f"{opts.label}.{name} turned {text!r} into {field.input_value()!r}"
                )


@browser_test
@pytest.mark.parametrize(
    ("admin_page", "typed", "day"),
    [
        ("en-US", "令和3年6月30日", date(2021, 6, 30)),
        # The workbook's and the template's narrow 報告基準日 column shows R4.3.31.
        ("en-US", "R4.3.31", date(2022, 3, 31)),
        ("ja-JP", "R4.3.31", date(2022, 3, 31)),
    ],
    indirect=["admin_page"],
)
def test_a_report_added_with_era_year_and_date_is_saved_as_typed(admin_page, typed, day):
    measure = Measure.objects.get(number=1)
    ProgressReport.objects.filter(measure=measure, as_of=day).delete()  # the demo's report of that day
    before = ProgressReport.objects.count()
    admin_page.goto(admin_page.base + reverse("admin:measures_progressreport_add"))
    admin_page.evaluate(
        "([pk, label]) => { const s = document.querySelector('#id_measure');"
        " s.add(new Option(label, pk, true, true)); }",
        [str(measure.pk), str(measure)],
    )
    admin_page.fill("#id_fiscal_year", "令和3年度")
    admin_page.fill("#id_as_of", typed)
    assert admin_page.input_value("#id_as_of") == typed
    admin_page.select_option("#id_status", label="○ 実施中")
    admin_page.fill("#id_progress_percent", "20")
    with admin_page.expect_navigation():
        admin_page.click("input[name=_save]")
    assert ProgressReport.objects.count() == before + 1, admin_page.inner_text("#content")[:1000]
    report = ProgressReport.objects.order_by("-pk").first()
    assert (report.fiscal_year, report.as_of) == (2021, day)

    admin_page.goto(
        admin_page.base
        + reverse(
            "admin:measures_annualtarget_change", args=[measure.annual_targets.get(fiscal_year=2019).pk]
        )
    )
    admin_page.fill("#id_fiscal_year", "平成31年度")
    with admin_page.expect_navigation():
        admin_page.click("input[name=_save]")
    assert "変更しました" in admin_page.inner_text("body") or "変更されました" in admin_page.inner_text(
        "body"
    )
    assert measure.annual_targets.filter(fiscal_year=2019).exists()


@browser_test
@pytest.mark.parametrize("typed", ["2020/03/31", "令和2年3月31日"])
def test_the_report_page_reads_the_date_as_typed_in_an_english_browser(admin_page, typed):
    admin_page.goto(admin_page.base + reverse("reports:index"))
    admin_page.fill("#id_as_of", typed)
    admin_page.fill("#id_fiscal_year", "令和元年度")
    with admin_page.expect_navigation():
        admin_page.click("button[formaction]")
    assert "as_of=" in admin_page.url
    body = admin_page.inner_text("body")
    assert "条件に誤りがあります" not in body, body[:1000]
    assert "この条件の施策: 5件" in body
    assert admin_page.input_value("#id_as_of") == typed
    assert admin_page.input_value("#id_fiscal_year") == "令和元年度(2019年度)"  # as the pages name it


def _clipped_columns(page, headings: list[str]) -> list[str]:
    """The headings whose column reaches past the right edge of the 1280 px window."""
    return page.evaluate(
        """(headings) => {
            const ths = [...document.querySelectorAll('#result_list thead th')];
            const clipped = [];
            for (const heading of headings) {
                const index = ths.findIndex(th => th.innerText.trim().split('\\n').pop().trim() === heading);
                if (index < 0) { clipped.push(heading + ' (missing)'); continue; }
                const cells = [ths[index], ...document.querySelectorAll(
                    `#result_list tbody tr > :nth-child(${index + 1})`)];
                if (cells.some(cell => cell.getBoundingClientRect().right > window.innerWidth)) clipped.push(heading);
            }
            return clipped;
        }""",
        headings,
    )


@browser_test
def test_the_key_columns_of_the_two_busiest_lists_fit_on_a_1280_px_screen(admin_page):
    report = ProgressReport.objects.filter(measure__number=1).order_by("as_of").first()
    ProgressReport.objects.filter(pk=report.pk).update(withdrawn_on=report.as_of, withdrawal_reason="重複")
    admin_page.goto(admin_page.base + reverse("admin:measures_progressreport_changelist"))
    headings = ["報告基準日", "施策", "年度", "進捗状況", "進捗率(%)", "実績値", "報告者"]
    assert _clipped_columns(admin_page, headings) == []
    assert f"取り下げ({report.as_of:%Y/%m/%d})" in admin_page.inner_text("#result_list")

    admin_page.goto(admin_page.base + reverse("admin:schedule_scheduleditem_changelist"))
    assert _clipped_columns(admin_page, ["予定月", "会議体", "検討段階", "状況", "予定日", "実施日"]) == []


@browser_test
def test_the_target_rows_show_each_year_whole_and_fit_on_a_1280_px_screen(admin_page):
    measure = Measure.objects.get(number=1)
    admin_page.goto(admin_page.base + reverse("admin:measures_measure_change", args=[measure.pk]))
    years = admin_page.locator("#annual_targets-group tr:not(.empty-form) input[name$='-fiscal_year']")
    assert years.evaluate_all("inputs => inputs.map(i => i.value)") == [
        "令和元年度(2019年度)",
        "令和2年度(2020年度)",
        "令和3年度(2021年度)",
    ]
    assert years.evaluate_all("inputs => inputs.filter(i => i.scrollWidth > i.clientWidth).length") == 0
    assert (
        admin_page.evaluate(
            "document.querySelector('#annual_targets-group table').getBoundingClientRect().right"
        )
        <= admin_page.viewport_size["width"]
    )
