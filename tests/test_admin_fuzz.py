"""Every admin form, posted values at and beyond their limits: never a 500, and a form shown again
saves nothing.

For every model in the admin, the add page and the change page of an existing object are read
as a browser would (every input's current value), then posted back with one field changed at a
time to values the form may accept — text at its max_length, 0, −1, the largest number, the
first and last dates Python knows, the first and last handled fiscal years — and with every
field changed at once to values no form should accept: one character too many, 100,000
characters, NUL and other control characters, numbers too big, malformed dates, unknown choices.
Each post runs in a transaction that is rolled back, so the posts do not depend on each other.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from django import forms
from django.contrib import admin
from django.db import connection, transaction
from django.urls import reverse

pytestmark = pytest.mark.usefixtures("demo")

# ---- reading a form as a browser would ----------------------------------------------------------


@dataclass
class _Select:
    name: str
    multiple: bool
    options: list[tuple[str, bool]] = field(default_factory=list)


class _FormReader(HTMLParser):
    """The name/value pairs a browser would submit from the form with this id."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.pairs: list[tuple[str, str]] = []
        self._select: _Select | None = None
        self._option: tuple[str | None, bool] | None = None
        self._option_text = ""
        self._textarea: str | None = None
        self._textarea_text = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
            return
        if not self.inside or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.pairs.append((name, a.get("value", "on" if kind in ("checkbox", "radio") else "")))
        elif tag == "select" and name:
            self._select = _Select(name, "multiple" in a)
        elif tag == "option" and self._select is not None:
            self._option = (a.get("value"), "selected" in a)
            self._option_text = ""
        elif tag == "textarea" and name:
            self._textarea, self._textarea_text = name, ""

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea_text += data
        if self._option is not None:
            self._option_text += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "option" and self._option is not None and self._select is not None:
            value, selected = self._option
            self._select.options.append((value if value is not None else self._option_text.strip(), selected))
            self._option = None
        elif tag == "select" and self._select is not None:
            chosen = [v for v, selected in self._select.options if selected]
            if not chosen and not self._select.multiple and self._select.options:
                chosen = [self._select.options[0][0]]
            self.pairs.extend((self._select.name, v) for v in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            text = self._textarea_text
            self.pairs.append((self._textarea, text[1:] if text.startswith("\n") else text))
            self._textarea = None


def _read_form(page: str, form_id: str) -> dict[str, list[str]]:
    reader = _FormReader(form_id)
    reader.feed(page)
    assert reader.pairs, f"no form {form_id!r} on the page"
    data: dict[str, list[str]] = {}
    for name, value in reader.pairs:
        data.setdefault(name, []).append(html.unescape(value))
    return data


# ---- what "nothing saved" means -----------------------------------------------------------------


def _table_counts() -> tuple[int, ...]:
    """The number of rows in every table (the plan, its history, users, …), in one query."""
    tables = sorted(connection.introspection.table_names())
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(t)})" for t in tables))
        return tuple(cursor.fetchone())


def _snapshot(model, pk) -> tuple:
    """An object's stored values, with its many-to-many links."""
    obj = model._base_manager.get(pk=pk)
    values = model._base_manager.filter(pk=pk).values().get()
    links = {
        f.name: sorted(getattr(obj, f.name).values_list("pk", flat=True)) for f in model._meta.many_to_many
    }
    return values, links


# ---- the values ---------------------------------------------------------------------------------

LONG_TEXT = "長" * 100_000


def _one_at_a_time(formfield) -> list[str]:
    """Values a form may accept, so that they reach the model and the database."""
    if isinstance(formfield, forms.SplitDateTimeField | forms.DateField | forms.DateTimeField):
        return ["0001-01-01", "9999-12-31"]
    if isinstance(formfield, forms.DecimalField):
        digits = (formfield.max_digits or 14) - (formfield.decimal_places or 0)
        return ["0", "-1", "9" * digits]
    if isinstance(formfield, forms.IntegerField):
        return ["0", "-1", str(formfield.max_value if formfield.max_value is not None else 2**31 - 1)]
    if isinstance(formfield, forms.CharField):
        if formfield.max_length:
            return ["あ" * formfield.max_length]
        return ["1989", "2100"]  # a fiscal year field, or a text without a limit
    return []


# Each batch sets every field it applies to at once; none of these should pass any form.
BATCHES = {
    "one-too-many": {
        "text": lambda f: "あ" * ((f.max_length or 4000) + 1),
        "number": "9" * 40,
        "date": "2019-02-30",
        "choice": "99999999999999999999",
    },
    "nul": {"text": "取組\x00実績", "number": "1\x00", "date": "2019-04-01\x00", "choice": "\x00"},
    "control-and-long": {"text": LONG_TEXT + "\x1b", "number": "1e400", "date": "令和元年", "choice": "-1"},
    "not-a-number": {"text": "\x7f", "number": "NaN", "date": "0000-00-00", "choice": "x"},
}


def _kind(formfield) -> str | None:
    if isinstance(formfield, forms.BooleanField | forms.NullBooleanField):
        return None
    if isinstance(formfield, forms.ModelChoiceField | forms.ChoiceField | forms.MultipleChoiceField):
        return "choice"
    if isinstance(formfield, forms.SplitDateTimeField | forms.DateField | forms.DateTimeField):
        return "date"
    if isinstance(formfield, forms.DecimalField | forms.IntegerField | forms.FloatField):
        return "number"
    if isinstance(formfield, forms.CharField):
        return "text"
    return None


def _input_name(name: str, formfield) -> str:
    """The input that carries a field's value: a date and time field's date half."""
    return f"{name}_0" if isinstance(formfield, forms.SplitDateTimeField) else name


def _with(data: dict, name: str, formfield, value) -> dict:
    """The form's data with one field set to ``value`` (a date and time field at midnight, Tokyo)."""
    if isinstance(formfield, forms.SplitDateTimeField):
        return {**data, f"{name}_0": value, f"{name}_1": "00:00:00"}
    if isinstance(formfield, forms.MultipleChoiceField):
        return {**data, name: [value]}
    return {**data, name: value}


# ---- the test -----------------------------------------------------------------------------------


def _registered():
    return sorted(admin.site._registry, key=lambda model: model._meta.label)


def _pages(client, model):
    """The add page and an existing object's change page, each with its GET response, when they open."""
    opts = model._meta
    obj = model._default_manager.order_by("pk").first()
    pages = [(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"), None)]
    if obj is not None:
        pages.append((reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]), obj.pk))
    for url, pk in pages:
        response = client.get(url)
        # The sign-in logs have no add page; the Excel upload's is its own page, not a model's
        # form (tests/test_progress_import.py).
        if response.status_code == 200 and "adminform" in response.context:
            yield url, pk, response


def _post(client, url, data, model, pk, label):
    """Post, expecting no 500; a form shown again must have saved nothing."""
    before = (_table_counts(), _snapshot(model, pk) if pk is not None else None)
    with transaction.atomic():
        response = client.post(url, data)
        assert response.status_code in (200, 302, 403), f"{label}: {response.status_code}"
        if response.status_code != 302:
            after = (_table_counts(), _snapshot(model, pk) if pk is not None else None)
            assert after == before, f"{label}: the form was shown again, yet something was saved"
        transaction.set_rollback(True)
    return response


@pytest.mark.parametrize("model", _registered(), ids=lambda model: model._meta.label)
def test_no_value_at_or_beyond_a_limit_breaks_an_admin_form(client, superuser, model):
    client.force_login(superuser)
    posted = 0
    for url, pk, response in _pages(client, model):
        form = response.context["adminform"].form
        baseline = _read_form(response.content.decode(), f"{model._meta.model_name}_form")
        fields = [(name, f) for name, f in form.fields.items() if _input_name(name, f) in baseline]

        if pk is not None:  # a valid baseline: each value reaches the model and the database
            for name, formfield in fields:
                for value in _one_at_a_time(formfield):
                    _post(
                        client,
                        url,
                        _with(baseline, name, formfield, value),
                        model,
                        pk,
                        f"{url} {name}={value[:20]!r}",
                    )
                    posted += 1

        for batch, values in BATCHES.items():
            data = dict(baseline)
            changed = 0
            for name, formfield in fields:
                kind = _kind(formfield)
                if kind is None:
                    continue
                changed += 1
                value = values[kind]
                data = _with(data, name, formfield, value(formfield) if callable(value) else value)
            if not changed:  # every field read-only (the sign-in logs)
                continue
            response = _post(client, url, data, model, pk, f"{url} {batch}")
            assert response.status_code != 302, f"{url} {batch}: accepted"
            posted += 1
    if model._meta.app_label in ("measures", "schedule"):
        assert posted, f"nothing posted for {model._meta.label}"


# ---- what the fuzzing found, pinned -------------------------------------------------------------


def test_a_huge_id_in_a_many_to_many_field_is_an_unknown_choice(client, secretariat):
    """ModelMultipleChoiceField looks ids up with __in, which SQLite could not take (core.fields.key_holds)."""
    from measures.models import Measure

    client.force_login(secretariat)
    measure = Measure.objects.get(number=1)
    url = reverse("admin:measures_measure_change", args=[measure.pk])
    data = _read_form(client.get(url).content.decode(), "measure_form")
    data["departments"] = ["99999999999999999999"]
    response = client.post(url, data)
    assert response.status_code == 200
    assert "正しく選択してください。 99999999999999999999 は候補にありません。" in response.content.decode()
    assert measure.departments.count() == 1


UNKNOWN_CHOICE = "正しく選択してください。選択したものは候補にありません。"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("\x00", "制御文字(NUL文字など、画面に表示されない特殊な文字)は使えません。"),
        ("x", UNKNOWN_CHOICE),
        ("99999999999999999999", UNKNOWN_CHOICE),
    ],
    ids=["nul", "letter", "huge"],
)
def test_an_autocomplete_field_with_a_value_that_is_no_id_is_shown_again(client, secretariat, typed, message):
    """The measure of a report is an autocomplete field; its widget labels the posted value (core.admin_base)."""
    from measures.models import ProgressReport

    client.force_login(secretariat)
    report = ProgressReport.objects.order_by("pk").first()
    before = ProgressReport.objects.count()
    url = reverse("admin:measures_progressreport_add") + f"?measure={report.measure_id}"
    data = _read_form(client.get(url).content.decode(), "progressreport_form")
    data["measure"] = typed
    response = client.post(url, data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert ProgressReport.objects.count() == before


@pytest.mark.parametrize("model", _registered(), ids=lambda model: model._meta.label)
def test_an_existing_objects_values_posted_as_a_new_one_are_refused_beside_a_field_or_saved(
    client, superuser, model
):
    """A duplicate: the add page posted with an existing object's values (its change page's
    inputs, over the add page's own). A unique name, a report on a date already reported, a
    second grade of the same code … each refused by the form or the service, never a 500."""
    client.force_login(superuser)
    pages = {pk: (url, response) for url, pk, response in _pages(client, model)}
    if None not in pages or len(pages) < 2:
        return  # no add page, or nothing to duplicate
    add_url, add_response = pages.pop(None)
    ((change_url, change_response),) = pages.values()
    opts = model._meta
    added = _read_form(add_response.content.decode(), f"{opts.model_name}_form")
    existing = _read_form(change_response.content.decode(), f"{opts.model_name}_form")
    data = {**added, **{name: value for name, value in existing.items() if name in added}}
    _post(client, add_url, data, model, None, f"{add_url} duplicate of {change_url}")


def test_a_report_posted_twice_is_refused_the_second_time_beside_its_date(client, secretariat):
    from measures.models import Measure, ProgressReport
    from measures.services import UNIQUE_MESSAGE

    from .factories import report_form_data

    client.force_login(secretariat)
    data = report_form_data(Measure.objects.get(number=2), fiscal_year="2021", as_of="2021/11/30")
    assert client.post(reverse("admin:measures_progressreport_add"), data).status_code == 302
    response = _post(
        client, reverse("admin:measures_progressreport_add"), data, ProgressReport, None, "twice"
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["as_of"] == [UNIQUE_MESSAGE]


def test_no_lookup_of_django_or_any_app_is_replaced():
    """Out-of-range ids are refused where they enter (core.fields.key_holds), not by a global patch
    of ``__in`` on every integer column of every app, auth and third-party apps included."""
    from django.db.models import IntegerField
    from django.db.models.lookups import In

    assert IntegerField.get_lookups()["in"] is In
