"""The schedule page's one parameter: which fiscal year to show."""

from __future__ import annotations

from django import forms

from core.fields import FiscalYearFormField


class ScheduleYearForm(forms.Form):
    fiscal_year = FiscalYearFormField(
        label="年度",
        required=False,
        help_text="例: 2018、平成30年度。空欄は登録されている年度です。",
    )
