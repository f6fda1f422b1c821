"""The schedule page's one parameter (which fiscal year to show), the calendar feed's filter, and
the rows of the admin's page of dates for 「選択した予定を実施済にする」."""

from __future__ import annotations

from django import forms
from django.contrib.admin.widgets import AdminDateWidget

from core.fields import DateFormField, FiscalYearFormField, apply_input_rules

from .models import Body


class ScheduleYearForm(forms.Form):
    fiscal_year = FiscalYearFormField(
        label="年度",
        required=False,
        help_text="例: 2018、平成30年度。空欄は登録されている年度です。",
    )


BAD_BODY = "会議体の指定(body)が正しくありません。会議体の番号を指定してください(例: ?body=1)。番号は「カレンダーの購読」の画面の会議体ごとのURLにあります。"


class CalendarFeedForm(forms.Form):
    """The feed's filter: ?body=<id> gives one body's meetings and reports."""

    body = forms.CharField(required=False, strip=True)

    def clean_body(self):
        value = self.cleaned_data["body"]
        if not value:
            return None
        # Read as a number here: a value the database cannot hold (too large, not a number) is a 400.
        if not (value.isascii() and value.isdigit()) or len(value) > 18:
            raise forms.ValidationError(BAD_BODY, code="invalid")
        body = Body.objects.filter(pk=int(value)).first()
        if body is None:
            raise forms.ValidationError(
                "指定された会議体(body)は登録されていません。「カレンダーの購読」の画面にある会議体ごとのURLを使ってください。",
                code="unknown",
            )
        return body


class HeldDateForm(forms.Form):
    """One row of the page of dates (ScheduledItemAdmin.mark_held): an item's 実施日, typed as on its
    own page, and the version of the item the page showed. An empty date is the model's to refuse,
    so that the rule 「実施済にするときは実施日を入力してください」 has one home."""

    actual_date = DateFormField(
        label="実施日",
        required=False,
        # The admin's own date input (calendar and 今日), as on the item's page.
        widget=AdminDateWidget(format="%Y/%m/%d"),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, item_label: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        for formfield in self.fields.values():
            apply_input_rules(formfield)
        # The row's heading cells name the item; a screen reader names the input by it.
        self.fields["actual_date"].widget.attrs["aria-label"] = f"{item_label}の実施日"
