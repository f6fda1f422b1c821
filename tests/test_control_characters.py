"""Control characters (NUL and the like) are refused in every text of every admin form, and the
message says so, instead of Django's Japanese "何か文字を入力してください" for a NUL."""

from __future__ import annotations

import pytest
from django import forms
from django.contrib import admin
from django.urls import reverse

from measures.models import Department, Measure, ProgressReport
from schedule.models import ScheduledItem

from .factories import report_form_data

pytestmark = pytest.mark.usefixtures("seeded")

MESSAGE = "制御文字(NUL文字など、画面に表示されない特殊な文字)は使えません。その文字を削除してから入力し直してください。"
WRONG = "何か文字を入力してください。"


@pytest.fixture
def admin_client(client, secretariat):
    client.force_login(secretariat)
    return client


@pytest.mark.parametrize(
    "typed",
    ["取組\x00実績", "\x00", "取組\x01実績", "色\x1b[31m付き", "削除\x7f", "C1\x85制御"],
    ids=["nul-inside", "nul-alone", "soh", "escape", "delete", "c1"],
)
def test_a_report_with_a_control_character_is_refused_with_the_reason(admin_client, typed):
    data = report_form_data(Measure.objects.get(number=1), narrative=typed)
    response = admin_client.post(reverse("admin:measures_progressreport_add"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert MESSAGE in page
    assert WRONG not in page
    assert not ProgressReport.objects.exists()


def test_tabs_and_line_breaks_are_still_text(admin_client):
    data = report_form_data(Measure.objects.get(number=1), narrative="1行目\r\n\t2行目")
    assert admin_client.post(reverse("admin:measures_progressreport_add"), data).status_code == 302
    assert ProgressReport.objects.get().narrative == "1行目\n\t2行目"  # a line break is stored as LF


@pytest.mark.parametrize(
    ("url_name", "data"),
    [
        ("admin:measures_department_add", {"name": "情報\x00政策課", "division": "", "order": "0"}),
        ("admin:measures_department_add", {"name": "情報政策課2", "division": "企画\x00部", "order": "0"}),
        (
            "admin:schedule_scheduleditem_add",
            {
                "kind": "meeting",
                "fiscal_year": "2018",
                "planned_month": "8",
                "status": "planned",
                "notes": "\x00",
            },
        ),
        (
            "admin:schedule_phase_add",
            {"fiscal_year": "2018\x00", "name": "段階", "first_month": "4", "last_month": "5"},
        ),
    ],
    ids=["char-field", "blank-char-field", "text-field", "fiscal-year"],
)
def test_every_kind_of_text_field_gives_the_same_reason(admin_client, url_name, data):
    if "scheduleditem" in url_name:
        data["body"] = ScheduledItem.objects.first().body_id
    before = (Department.objects.count(), ScheduledItem.objects.count())
    response = admin_client.post(reverse(url_name), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert MESSAGE in page
    assert WRONG not in page
    assert (Department.objects.count(), ScheduledItem.objects.count()) == before


def test_an_inline_target_with_a_nul_is_refused_and_the_measure_is_not_changed(admin_client):
    measure = Measure.objects.get(number=1)
    data = {
        "plan": measure.plan_id,
        "purpose": measure.purpose_id,
        "number": "1",
        "title": "書き換えたタイトル",
        "description": measure.description,
        "departments": [d.pk for d in measure.departments.all()],
        "order": "1",
        "version": measure.version,
        "annual_targets-TOTAL_FORMS": "1",
        "annual_targets-INITIAL_FORMS": "0",
        "annual_targets-0-fiscal_year": "2019",
        "annual_targets-0-target_text": "目標\x00",
        "annual_targets-0-indicator_name": "",
        "annual_targets-0-indicator_unit": "",
        "annual_targets-0-baseline_value": "",
        "annual_targets-0-target_value": "",
    }
    response = admin_client.post(reverse("admin:measures_measure_change", args=[measure.pk]), data)
    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    measure.refresh_from_db()
    assert measure.title != "書き換えたタイトル"
    assert not measure.annual_targets.exists()


def _admin_forms():
    """Every form class the admin builds for the project's models: each page's and each inline's."""
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    for model, model_admin in admin.site._registry.items():
        yield model._meta.label, model_admin.get_form(request)
        for inline in (inline_class(model, admin.site) for inline_class in model_admin.inlines):
            yield f"{model._meta.label} {inline.model._meta.label}", inline.get_formset(request).form


def test_every_text_field_of_every_admin_form_refuses_control_characters():
    checked = 0
    for label, form_class in _admin_forms():
        form = form_class()
        for name, field in form.fields.items():
            if not isinstance(field, forms.CharField):
                continue
            with pytest.raises(forms.ValidationError) as excinfo:
                field.clean("a\x00b")
            assert excinfo.value.messages == [MESSAGE], f"{label}.{name}"
            checked += 1
    assert checked > 30


def test_the_user_pages_say_the_same(client, superuser, secretariat):
    client.force_login(superuser)
    url = reverse("admin:auth_user_change", args=[secretariat.pk])
    page = client.get(url).content.decode()
    assert page  # the page answers; now change the family name to one with an escape character
    data = {
        "username": secretariat.username,
        "last_name": "事務局\x1b太郎",
        "first_name": "",
        "email": "",
        "is_active": "on",
        "is_staff": "on",
        "groups": [g.pk for g in secretariat.groups.all()],
        "date_joined_0": "2019/04/01",
        "date_joined_1": "09:00:00",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    secretariat.refresh_from_db()
    assert secretariat.last_name == "事務局 太郎"

    # A password is a field Django's form declares itself: its NUL message comes from the catalogue.
    add = {
        "username": "newcomer",
        "usable_password": "true",
        "password1": "pw\x00pw",
        "password2": "pw\x00pw",
    }
    response = client.post(reverse("admin:auth_user_add"), add)
    assert response.status_code == 200
    page = response.content.decode()
    assert MESSAGE in page and WRONG not in page
    assert not type(secretariat).objects.filter(username="newcomer").exists()


# The bidirectional formatting characters: U+202E (RIGHT-TO-LEFT OVERRIDE) shows 「課策政報情」 for
# 「情報政策課」's bytes reversed, or a file name ending "exe.xlsx" as "xlsx.exe"; nobody types them.
BIDI = {
    "alm": "\u061c",
    "lrm": "\u200e",
    "rlm": "\u200f",
    "lre": "\u202a",
    "rle": "\u202b",
    "pdf": "\u202c",
    "lro": "\u202d",
    "rlo": "\u202e",
    "lri": "\u2066",
    "rli": "\u2067",
    "fsi": "\u2068",
    "pdi": "\u2069",
}


@pytest.mark.parametrize("character", BIDI.values(), ids=BIDI.keys())
def test_a_name_with_a_bidirectional_override_is_refused_with_the_reason(admin_client, character):
    data = {"name": f"情報{character}政策課", "division": "", "order": "0"}
    response = admin_client.post(reverse("admin:measures_department_add"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert MESSAGE in page
    assert f"情報{character}政策課" in page  # what was typed is kept in the field
    assert not Department.objects.filter(name__startswith="情報").exclude(name="情報政策課").exists()


@pytest.mark.parametrize("character", ["\u202e", "\u2066"], ids=["rlo", "lri"])
def test_the_api_refuses_a_bidirectional_override_as_the_admin_does(client, secretariat, character):
    client.force_login(secretariat)
    measure = Measure.objects.get(number=1)
    payload = {**_api_report(measure), "narrative": f"取組{character}実績"}
    response = client.post("/api/progress-reports/", payload, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"narrative": [MESSAGE]}


def _api_report(measure) -> dict:
    data = report_form_data(measure)
    return {
        "measure": measure.pk,
        "fiscal_year": 2019,
        "as_of": "2019-09-30",
        "status": data["status"],
        "progress_percent": 50,
    }
