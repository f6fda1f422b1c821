"""The schedule page's one parameter: which fiscal year to show."""

from __future__ import annotations

from django import forms

from core.fields import FiscalYearFormField

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
