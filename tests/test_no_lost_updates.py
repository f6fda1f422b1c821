"""Nothing overwritten: every page of the admin refuses a stale save, keeps what was typed,
and says who changed what; a bad history or date address is a 404 or a bad filter, never a 500."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.db import models
from django.test import Client
from django.urls import reverse

from measures.models import Measure, ProgressReport
from rounds.models import ProgressImport

from .page_text import parse
from .test_concurrent_edits import _form_data

pytestmark = pytest.mark.usefixtures("demo")

REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)
# django-axes' sign-in logs and django-tasks-db's task records are registered too, but every field of
# theirs is read-only (checked below).
READ_ONLY_APPS = {"axes", "django_tasks_database"}
# A saved progress report has no change form: it is read-only, and its one change, the
# withdrawal, refuses a stale save on its own page (tests/test_report_withdrawal.py).
# An Excel upload (rounds.ProgressImport) has no change form either: its page is its preview.
EDITABLE = [
    model
    for model in REGISTERED
    if model._meta.app_label not in READ_ONLY_APPS
    and model._meta.label not in ("measures.ProgressReport", "rounds.ProgressImport")
]


@pytest.fixture
def two_admins(django_user_model):
    first = django_user_model.objects.create_superuser(
        "root1", password="pw", last_name="管理", first_name="一郎"
    )
    second = django_user_model.objects.create_superuser(
        "root2", password="pw", last_name="管理", first_name="二郎"
    )
    clients = Client(), Client()
    clients[0].force_login(first)
    clients[1].force_login(second)
    return clients


def _text_field(model, data: dict) -> str:
    """A free-text field of the model that the change form sends: the one to edit."""
    fields = [f for f in model._meta.concrete_fields if f.name in data and not f.choices and f.editable]
    texts = [f for f in fields if isinstance(f, models.TextField)]
    chars = [f for f in fields if type(f) is models.CharField and (f.max_length or 0) >= 20]
    chosen = (texts or sorted(chars, key=lambda f: -f.max_length))[0]
    return chosen.name


def _another_change(model, data: dict, name: str):
    """A second field of the form to change, and its new value: another text, else the order, else
    a many-to-many field with its last choice dropped."""
    fields = {f.name: f for f in model._meta.get_fields() if getattr(f, "editable", False) and f.name in data}
    for field_name, model_field in fields.items():
        if field_name in (name, "username", "password") or getattr(model_field, "choices", None):
            continue
        if type(model_field) in (models.CharField, models.TextField) or isinstance(
            model_field, models.TextField
        ):
            return field_name, data[field_name] + "一"
    if "order" in fields:
        return "order", str(int(data["order"]) + 7)
    for field_name, model_field in fields.items():
        if model_field.many_to_many and isinstance(data[field_name], list) and data[field_name]:
            return field_name, data[field_name][:-1]
    raise AssertionError(f"{model._meta.label}: no second field to change")


def _url(model, obj) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk])


@pytest.mark.parametrize("model", EDITABLE, ids=lambda model: model._meta.label)
def test_every_admin_page_refuses_a_stale_save_of_the_same_field_and_keeps_the_input(model, two_admins):
    first, second = two_admins
    obj = model._default_manager.order_by("pk").first()
    assert obj is not None, "the demo data has a row of every model"
    url = _url(model, obj)
    first_form = _form_data(first.get(url).content.decode())
    second_form = _form_data(second.get(url).content.decode())
    name = _text_field(model, first_form)

    saved = first.post(url, {**first_form, name: first_form[name] + "一"})
    assert saved.status_code == 302, parse(saved.content.decode()).text[:500]
    mine = second_form[name] + "二"
    refused = second.post(url, {**second_form, name: mine})
    assert refused.status_code == 200
    page = refused.content.decode()
    assert "開いた後に" in page and "先に変更したため保存できませんでした。" in page
    obj.refresh_from_db()
    assert getattr(obj, name) == first_form[name] + "一", "the first save stands"

    # What was typed is still in the form; saving it again needs the choice of which to keep.
    returned = _form_data(page)
    assert returned[name] == mine
    assert "どちらを保存するか選んでください。" in second.post(url, returned).content.decode()
    obj.refresh_from_db()
    assert getattr(obj, name) == first_form[name] + "一", "nothing saved without a choice"
    assert second.post(url, {**returned, f"{name}__keep": "mine"}).status_code == 302
    obj.refresh_from_db()
    assert getattr(obj, name) == mine


@pytest.mark.parametrize("model", EDITABLE, ids=lambda model: model._meta.label)
def test_every_admin_page_merges_changes_to_different_fields(model, two_admins):
    first, second = two_admins
    obj = model._default_manager.order_by("pk").first()
    url = _url(model, obj)
    first_form = _form_data(first.get(url).content.decode())
    second_form = _form_data(second.get(url).content.decode())
    name = _text_field(model, first_form)
    other, value = _another_change(model, first_form, name)
    assert first.post(url, {**first_form, other: value}).status_code == 302
    merged = second.post(url, {**second_form, name: second_form[name] + "二"})
    assert merged.status_code == 302, parse(merged.content.decode()).text[:800]
    obj.refresh_from_db()
    saved_other = getattr(obj, other)
    if hasattr(saved_other, "all"):
        saved_other = [str(pk) for pk in saved_other.values_list("pk", flat=True)]
    assert saved_other == value if isinstance(value, list) else str(saved_other) == value
    assert getattr(obj, name) == second_form[name] + "二"


def test_the_pages_left_out_above_change_nothing(rf, django_user_model):
    request = rf.get("/")
    request.user = django_user_model.objects.create_superuser("root", password="pw")
    for model in set(REGISTERED) - set(EDITABLE) - {ProgressReport, ProgressImport}:
        model_admin = admin.site._registry[model]
        form_fields = set(model_admin.get_form(request, None).base_fields)
        assert form_fields <= set(model_admin.get_readonly_fields(request)), model
        assert not model_admin.has_add_permission(request), model
    # An Excel upload is added by its upload page; its form edits nothing, and it is never changed.
    upload_admin = admin.site._registry[ProgressImport]
    assert not upload_admin.get_form(request, None).base_fields
    assert not upload_admin.has_change_permission(request)
    # A report may be added; once saved, its page changes nothing.
    report = ProgressReport.objects.order_by("pk").first()
    model_admin = admin.site._registry[ProgressReport]
    assert not model_admin.has_change_permission(request, report)
    form_fields = set(model_admin.get_form(request, report).base_fields)
    assert form_fields <= set(model_admin.get_readonly_fields(request, report))


def test_the_refusal_names_the_department_of_who_saved_first(two_admins, django_user_model):
    from bunkyo.models import StaffProfile

    StaffProfile.objects.create(
        user=django_user_model.objects.get(username="root1"), affiliation="情報政策課"
    )
    first, second = two_admins
    measure = Measure.objects.get(number=2)
    url = _url(Measure, measure)
    first_form = _form_data(first.get(url).content.decode())
    second_form = _form_data(second.get(url).content.decode())
    assert first.post(url, {**first_form, "title": "オープンデータの推進"}).status_code == 302
    page = parse(second.post(url, {**second_form, "title": "二人目の施策名"}).content.decode()).text
    assert "この施策は、開いた後に情報政策課 管理 一郎が先に変更したため保存できませんでした。" in page
    assert "さん" not in page.split("ようこそ")[-1]  # business Japanese: no さん for a colleague


def test_the_refusal_says_who_changed_what_and_when(two_admins):
    first, second = two_admins
    measure = Measure.objects.get(number=2)
    url = _url(Measure, measure)
    first_form = _form_data(first.get(url).content.decode())
    second_form = _form_data(second.get(url).content.decode())
    assert first.post(url, {**first_form, "title": "オープンデータの推進"}).status_code == 302
    typed = {"title": "二人目の施策名", "description": "二人目の説明"}
    page = parse(second.post(url, {**second_form, **typed}).content.decode()).text
    assert (
        "この施策は、開いた後に管理 一郎が先に変更したため保存できませんでした。変更された項目: 施策名。"
        in page
    )
    assert "変更日時: 令和" in page
    assert "施策名: 「オープンデータ活用の推進」→「オープンデータの推進」" in page
    assert "あなたの入力はこの画面に残っています。" in page
    assert "二人目の説明" in page and "二人目の施策名" in page


TRACKED = [model for model in REGISTERED if hasattr(model, "history")]


@pytest.mark.parametrize("model", TRACKED, ids=lambda model: model._meta.label)
def test_a_history_address_that_is_not_a_number_is_not_found(model, admin_client):
    obj = model._default_manager.order_by("pk").first()
    base = f"/admin/{model._meta.app_label}/{model._meta.model_name}"
    assert admin_client.get(f"{base}/{obj.pk}/history/abc/").status_code == 404
    assert admin_client.get(f"{base}/abc/history/1/").status_code == 404


def test_an_impossible_year_in_the_report_list_is_a_bad_filter(admin_client):
    url = reverse("admin:measures_progressreport_changelist")
    for query in ("?as_of__year=9999", "?as_of__year=9999&as_of__month=12", "?as_of__year=abc"):
        response = admin_client.get(url + query)
        assert response.status_code == 302
        assert response["Location"].endswith("?e=1")
    assert admin_client.get(url + "?as_of__year=2020").status_code == 200
