"""The admin's forms and filters show years and figures as every page does: 令和3年度(2021年度)
and 50, never 2021 and 50.00, and a form saved back as shown saves the same year and figure.

The inputs are text inputs that read what they show (core.fields.FiscalYearFormField and
DecimalFormField: 令和3年度(2021年度) through core.fiscal.parse_fiscal_year, 1,200 and 12.5).
The year filters in the lists' sidebars are core.admin_base.FiscalYearListFilter.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib import admin
from django.urls import reverse

from core import fiscal
from measures.models import AnnualTarget, EvaluationScale, Measure, ProgressReport
from schedule.models import ScheduledItem

from .page_text import parse
from .test_admin_fuzz import _read_form

pytestmark = pytest.mark.usefixtures("demo")


@pytest.fixture
def secretariat_client(client, secretariat):
    client.force_login(secretariat)
    return client


def _value(page, name: str) -> str:
    """What an input shows: its value attribute."""
    return page.find("input", name=name).attrs.get("value", "")


def _post_as_shown(client, url: str, form_id: str, **changes):
    """Post the form with every input as the page shows it, but for ``changes``."""
    data = _read_form(client.get(url).content.decode(), form_id)
    data.update({name: [value] for name, value in changes.items()})
    return client.post(url, data)


# ---- the forms ---------------------------------------------------------------------------------


def test_the_target_rows_show_years_and_figures_as_the_pages_do(secretariat_client):
    measure = Measure.objects.get(number=1)
    AnnualTarget.objects.filter(measure=measure, fiscal_year=2020).update(target_value=Decimal("12.50"))
    AnnualTarget.objects.filter(measure=measure, fiscal_year=2021).update(target_value=Decimal("1200.00"))
    page = parse(secretariat_client.get(reverse("admin:measures_measure_change", args=[measure.pk])).content)
    shown = [
        (
            _value(page, f"annual_targets-{row}-fiscal_year"),
            _value(page, f"annual_targets-{row}-baseline_value"),
            _value(page, f"annual_targets-{row}-target_value"),
        )
        for row in range(3)  # one row a year, in order
    ]
    assert shown == [
        ("令和元年度(2019年度)", "24", "50"),
        ("令和2年度(2020年度)", "24", "12.5"),
        ("令和3年度(2021年度)", "24", "1,200"),
    ]
    assert page.find("input", name="annual_targets-0-target_value").attrs["type"] == "text"


def test_the_measure_saved_back_as_shown_keeps_its_targets(secretariat_client):
    measure = Measure.objects.get(number=3)  # baseline 14.6, targets 20, 30 and 45
    AnnualTarget.objects.filter(measure=measure, fiscal_year=2021).update(target_value=Decimal("1200.50"))
    before = list(
        measure.annual_targets.order_by("fiscal_year").values(
            "fiscal_year", "baseline_value", "target_value", "version"
        )
    )
    history = AnnualTarget.history.count()
    url = reverse("admin:measures_measure_change", args=[measure.pk])
    response = _post_as_shown(secretariat_client, url, "measure_form")
    assert response.status_code == 302, parse(response.content).text[:2000]
    after = list(
        measure.annual_targets.order_by("fiscal_year").values(
            "fiscal_year", "baseline_value", "target_value", "version"
        )
    )
    assert after == before
    assert AnnualTarget.history.count() == history  # nothing shown was changed, so nothing was saved


def test_a_target_row_saved_with_the_year_and_figure_retyped_as_shown(secretariat_client):
    measure = Measure.objects.get(number=1)
    url = reverse("admin:measures_measure_change", args=[measure.pk])
    response = _post_as_shown(
        secretariat_client,
        url,
        "measure_form",
        **{"annual_targets-1-fiscal_year": "令和2年度(2020年度)", "annual_targets-1-target_value": "1,234.5"},
    )
    assert response.status_code == 302, parse(response.content).text[:2000]
    assert measure.annual_targets.get(fiscal_year=2020).target_value == Decimal("1234.5")
    page = parse(secretariat_client.get(url).content)
    assert _value(page, "annual_targets-1-target_value") == "1,234.5"


def test_the_report_add_page_shows_its_year_as_the_pages_do_and_saves_it(secretariat_client):
    measure = Measure.objects.get(number=2)
    url = reverse("admin:measures_progressreport_add") + f"?measure={measure.pk}"
    page = parse(secretariat_client.get(url).content)
    assert _value(page, "fiscal_year") == "令和3年度(2021年度)"
    response = _post_as_shown(
        secretariat_client, url, "progressreport_form", as_of="R4.3.30", actual_value="1,200.5"
    )
    assert response.status_code == 302, parse(response.content).text[:2000]
    report = ProgressReport.objects.get(measure=measure, as_of="2022-03-30")
    assert (report.fiscal_year, report.actual_value) == (2021, Decimal("1200.5"))


def test_a_form_shown_again_shows_the_year_it_read(secretariat_client):
    """A year typed as 2021 is shown again as 令和3年度(2021年度); one that is no year, as typed."""
    measure = Measure.objects.get(number=2)
    url = reverse("admin:measures_progressreport_add") + f"?measure={measure.pk}"
    response = _post_as_shown(secretariat_client, url, "progressreport_form", fiscal_year="2021", as_of="")
    page = parse(response.content)
    assert response.status_code == 200
    assert _value(page, "fiscal_year") == "令和3年度(2021年度)"
    response = _post_as_shown(secretariat_client, url, "progressreport_form", fiscal_year="来年度")
    assert _value(parse(response.content), "fiscal_year") == "来年度"


def test_the_scheduled_item_form_shows_its_year_as_the_pages_do_and_saves_it(secretariat_client):
    item = ScheduledItem.objects.filter(fiscal_year=2018).order_by("pk").first()
    url = reverse("admin:schedule_scheduleditem_change", args=[item.pk])
    assert _value(parse(secretariat_client.get(url).content), "fiscal_year") == "平成30年度(2018年度)"
    response = _post_as_shown(secretariat_client, url, "scheduleditem_form")
    assert response.status_code == 302, parse(response.content).text[:2000]
    item.refresh_from_db()
    assert item.fiscal_year == 2018
    latest = item.history.order_by("-history_date", "-history_id")[:2]
    assert latest[0].diff_against(latest[1], excluded_fields=["version"]).changed_fields == []


def test_a_grade_threshold_shows_in_its_precision(secretariat_client):
    scale = EvaluationScale.objects.get(plans__isnull=False)
    page = parse(
        secretariat_client.get(reverse("admin:measures_evaluationscale_change", args=[scale.pk])).content
    )
    thresholds = [
        e.attrs.get("value", "")
        for e in page.find_all("input")
        if e.attrs.get("name", "").endswith("-min_rate")
    ]
    assert "100" in thresholds and "80" in thresholds
    assert not any(value.endswith(".00") for value in thresholds)


def test_the_report_page_shows_a_year_typed_in_any_form_as_its_label(client, manager):
    client.force_login(manager)
    page = parse(client.get(reverse("reports:index"), {"fiscal_year": "2021"}).content)
    assert _value(page, "fiscal_year") == "令和3年度(2021年度)"


# ---- the lists' year filters ---------------------------------------------------------------------


def _year_filtered_admins():
    for model, model_admin in sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label):
        names = [
            f if isinstance(f, str) else f[0] for f in model_admin.list_filter if isinstance(f, str | tuple)
        ]
        if "fiscal_year" in names:
            yield model


@pytest.mark.parametrize("model", list(_year_filtered_admins()), ids=lambda model: model._meta.label)
def test_a_lists_year_filter_names_each_year_as_the_pages_do(secretariat_client, model):
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    page = parse(secretariat_client.get(url).content)
    links = page.find("details", data_filter_title="年度").find_all("a")
    years = sorted(set(model.objects.values_list("fiscal_year", flat=True)))
    assert [a.text for a in links] == ["全て", *(fiscal.fiscal_year_label(year) for year in years)]
    assert [a.attrs["href"] for a in links[1:]] == [f"?fiscal_year={year}" for year in years]


def test_the_year_filter_lists_the_reports_of_that_year(secretariat_client):
    url = reverse("admin:measures_progressreport_changelist")
    page = parse(secretariat_client.get(url, {"fiscal_year": "2020"}).content)
    chosen = page.find("details", data_filter_title="年度").find("li", cls="selected")
    assert chosen.text == "令和2年度(2020年度)"
    assert (
        f"{ProgressReport.objects.filter(fiscal_year=2020).count()} 進捗報告"
        in page.find(cls="paginator").text
    )


def test_with_counts_shown_each_year_keeps_its_count(secretariat_client):
    url = reverse("admin:measures_progressreport_changelist")
    page = parse(secretariat_client.get(url, {"_facets": "True"}).content)
    links = page.find("details", data_filter_title="年度").find_all("a")
    assert [a.text for a in links[1:]] == [
        f"{fiscal.fiscal_year_label(year)} ({ProgressReport.objects.filter(fiscal_year=year).count()})"
        for year in (2019, 2020, 2021)
    ]
