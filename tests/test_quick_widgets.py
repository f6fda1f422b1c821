"""core.widgets: the filter forms' <select> and text boxes written in Python must give exactly the
HTML Django's widget templates give, so a page looks and submits the same whichever renders it."""

from __future__ import annotations

import pytest
from django import forms

from core.widgets import QuickSelect, QuickTextInput
from measures.models import Department

CHOICES = [
    ("", "すべて"),
    (1, "情報政策課"),
    ("a&b", 'say "<hi>"'),
    ("グループ", [(10, "十"), (20, "二十 & <more>")]),
    (3, 30000),
]


@pytest.mark.parametrize("value", [None, "", "1", 1, "a&b", "20", ["1", "20"]])
@pytest.mark.parametrize(
    "attrs",
    [None, {"id": "id_x"}, {"id": "id_x", "required": True, "disabled": False, "data-n": 3, "title": 'a"b<'}],
)
def test_quick_select_writes_what_select_writes(value, attrs):
    for multiple in (False, True):
        base = forms.SelectMultiple if multiple else forms.Select
        quick = type("QuickMultiple", (QuickSelect, forms.SelectMultiple), {}) if multiple else QuickSelect
        django_html = base(choices=CHOICES, attrs={"class": "f"}).render("name", value, attrs=attrs)
        quick_html = quick(choices=CHOICES, attrs={"class": "f"}).render("name", value, attrs=attrs)
        assert quick_html == django_html


@pytest.mark.django_db
def test_quick_select_as_a_model_choice_field_writes_what_select_writes():
    Department.objects.create(name="広報課 <本庁>", order=1)
    Department.objects.create(name="企画課", order=2)
    picked = Department.objects.get(name="企画課")

    def field(widget):
        return forms.ModelChoiceField(queryset=Department.objects.all(), empty_label="すべて", widget=widget)

    for value in (None, picked.pk, str(picked.pk)):
        expected = field(forms.Select).widget.render("department", value, attrs={"id": "id_department"})
        got = field(QuickSelect).widget.render("department", value, attrs={"id": "id_department"})
        assert got == expected
        assert "広報課 &lt;本庁&gt;" in got


@pytest.mark.parametrize("value", [None, "", "2020/03/31", 'a"<b>&', 2019])
@pytest.mark.parametrize(
    "attrs", [None, {"id": "id_as_of", "aria-describedby": "id_as_of_helptext", "required": True}]
)
def test_quick_text_input_writes_what_text_input_writes(value, attrs):
    widget_attrs = {"placeholder": "例: 2020/03/31", "autocomplete": "off", "size": 14, "hidden": False}
    expected = forms.TextInput(attrs=widget_attrs).render("as_of", value, attrs=attrs)
    assert QuickTextInput(attrs=widget_attrs).render("as_of", value, attrs=attrs) == expected
