"""A date typed as the application prints it is read wherever a date is typed: R4.3.31 in the
workbook's narrow columns, 令和4年3月31日(2022年3月31日) on every page, 2022/03/31 in the admin.

The one parser is core.fiscal.parse_date (tests/test_fiscal.py tries every form); these tests
follow it to each place a person types a date: the admin, /reports/, /timeline/ and a cell of
an uploaded template. A date outside its era (H31.5.1, R1.4.30) is refused beside its field,
saying when the era ended or began, and what was typed stays in the field.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib import admin
from django.db import models
from django.test import RequestFactory
from django.urls import reverse

from core import fiscal
from core.fields import DateFormField
from measures.admin import WithdrawalForm
from measures.models import Measure, ProgressReport
from measures.sheets import exchange as x

from .factories import status
from .page_text import parse
from .test_progress_import import Filled, confirm, measure, page_text, template_bytes, upload
from .test_timeline import _dated_changes, timeline

pytestmark = pytest.mark.usefixtures("demo")

ENDED = (
    "「H31.5.1」は平成が終わった後の日付です。平成は平成31年4月30日(2019年4月30日)までで、"
    "翌日からは令和です。令和元年5月1日のように入力してください。"
)
NOT_BEGUN = (
    "「R1.4.30」は令和が始まる前の日付です。令和は令和元年5月1日(2019年5月1日)からで、"
    "前日までは平成です。平成31年4月30日のように入力してください。"
)


@pytest.fixture
def secretariat_client(client, secretariat):
    client.force_login(secretariat)
    return client


# ---- the admin ----------------------------------------------------------------------------------


def _report(**typed) -> dict:
    return {
        "measure": Measure.objects.get(number=1).pk,
        "fiscal_year": "令和3年度",
        "as_of": "R3.12.10",
        "status": status("実施中").pk,
        "progress_percent": "80",
        **typed,
    }


def test_a_report_dated_as_the_workbook_prints_it_is_saved_on_that_day(secretariat_client):
    response = secretariat_client.post(reverse("admin:measures_progressreport_add"), _report())
    assert response.status_code == 302, page_text(response)[:2000]
    report = ProgressReport.objects.get(measure__number=1, as_of=date(2021, 12, 10))
    assert report.fiscal_year == 2021
    page = parse(
        secretariat_client.get(reverse("admin:measures_progressreport_change", args=[report.pk])).content
    )
    assert "令和3年12月10日(2021年12月10日)" in page.find(cls="field-as_of_label").text


@pytest.mark.parametrize(
    ("typed", "message"),
    [("H31.5.1", ENDED), ("R1.4.30", NOT_BEGUN)],
    ids=["heisei-ended", "reiwa-not-begun"],
)
def test_an_era_date_outside_its_era_is_refused_beside_the_field_as_typed(secretariat_client, typed, message):
    before = ProgressReport.objects.count()
    response = secretariat_client.post(
        reverse("admin:measures_progressreport_add"), _report(fiscal_year="令和元年度", as_of=typed)
    )
    assert response.status_code == 200
    page = parse(response.content)
    assert page.find(id="id_as_of_error").text == f"日付を正しく入力してください。{message}"
    field = page.find("input", name="as_of")
    assert field.attrs["value"] == typed
    assert "id_as_of_error" in field.attrs["aria-describedby"]  # read out with the field
    assert ProgressReport.objects.count() == before


def _admin_date_fields():
    """Every date field of every admin form, with its form: (label, form class, field name)."""
    request = RequestFactory().get("/admin/")
    request.user = type("Superuser", (), {"is_active": True, "is_staff": True, "is_superuser": True})()
    request.user.has_perm = lambda *args, **kwargs: True
    found = [("measures.ProgressReport withdraw", WithdrawalForm, "withdrawn_on")]
    for model, model_admin in sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label):
        names = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, models.DateField) and not isinstance(f, models.DateTimeField) and f.editable
        ]
        if not names:
            continue
        form = model_admin.get_form(request)
        found.extend((model._meta.label, form, name) for name in names if name in form.base_fields)
        for inline in model_admin.get_inline_instances(request):
            formset = inline.get_formset(request)
            found.extend(
                (f"{model._meta.label} {inline.model._meta.label}", formset.form, name)
                for name in formset.form.base_fields
                if isinstance(formset.form.base_fields[name], DateFormField)
            )
    return found


def test_every_date_field_of_the_admin_reads_the_printed_forms():
    fields = _admin_date_fields()
    labels = {label for label, _, _ in fields}
    assert {"measures.ProgressReport", "measures.Plan", "schedule.ScheduledItem"} <= labels
    for label, form, name in fields:
        field = form.base_fields[name]
        assert isinstance(field, DateFormField), f"{label}.{name}"
        for typed in ("R4.3.31", "Ｒ４．３．３１", "令和4年3月31日(2022年3月31日)", "2022/03/31", "R4/3/31"):
            assert field.clean(typed) == date(2022, 3, 31), f"{label}.{name}: {typed}"


# ---- /reports/ ----------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["R3.12.10", "R3/12/10", "令和3年12月10日(2021年12月10日)"])
def test_the_report_page_is_as_of_a_date_typed_as_printed(client, manager, typed):
    client.force_login(manager)
    response = client.get(reverse("reports:index"), {"as_of": typed, "fiscal_year": "R3"})
    assert response.status_code == 200, page_text(response)[:2000]
    page = parse(response.content)
    assert "基準日: 令和3年12月10日(2021年12月10日)" in page.find(cls="export-scope").text
    assert page.find("input", name="as_of").attrs["value"] == typed


@pytest.mark.parametrize(("typed", "message"), [("H31.5.1", ENDED), ("R1.4.30", NOT_BEGUN)])
def test_the_report_page_refuses_a_date_outside_its_era_beside_the_field(client, manager, typed, message):
    client.force_login(manager)
    response = client.get(reverse("reports:index"), {"as_of": typed})
    assert response.status_code == 400
    page = parse(response.content)
    assert message in page.text
    assert page.find("input", name="as_of").attrs["value"] == typed


# ---- /timeline/ ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed", ["R3.6.30", "r3/6/30", "令和3年6月30日(2021年6月30日)", "２０２１．６．３０"]
)
def test_the_timeline_takes_the_day_as_printed(secretariat_client, typed):
    _dated_changes()
    page, rows = timeline(secretariat_client, {"date_from": typed, "date_to": typed})
    assert [row["日時"] for row in rows] == ["令和3年6月30日 23:59", "令和3年6月30日 00:00"]
    assert page.find("input", name="date_from").attrs["value"] == typed


def test_the_timeline_refuses_a_day_outside_its_era_beside_the_field(secretariat_client):
    page, rows = timeline(secretariat_client, {"date_from": "H31.5.1"}, status=400)
    assert ENDED in page.find(cls="form-errors").text
    assert page.find("input", name="date_from").attrs["value"] == "H31.5.1"
    assert rows == []


# ---- a cell of an uploaded template ---------------------------------------------------------------


def test_a_template_cell_holding_the_text_r3_12_10_is_that_day(secretariat_client, uploads_read_at_once):
    filled = Filled(template_bytes(secretariat_client))
    filled.fill(measure(3), status="○ 実施中", progress=50, as_of="R3.12.10")
    preview = page_text(upload(secretariat_client, ("戸籍住民課.xlsx", filled.bytes())))
    assert "新しい報告 1件" in preview and "問題 0件" in preview, preview
    confirm(secretariat_client)
    report = ProgressReport.objects.get(measure=measure(3), as_of=date(2021, 12, 10))
    assert (report.fiscal_year, report.progress_percent) == (2021, 50)


def test_a_template_cell_dated_before_its_era_is_named_with_the_reason(
    secretariat_client, uploads_read_at_once
):
    filled = Filled(template_bytes(secretariat_client))
    row = filled.row_of(measure(3))
    filled.fill(measure(3), status="○ 実施中", progress=50, as_of="R1.4.30")
    preview = page_text(upload(secretariat_client, ("戸籍住民課.xlsx", filled.bytes())))
    assert (
        f"戸籍住民課.xlsx {fiscal.fiscal_year_label(2021)} {row}行目 Q列({x.AS_OF}) {x.AS_OF}{NOT_BEGUN}"
        in preview
    )
