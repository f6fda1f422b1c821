"""Forms of the printable pages beyond the shared filters (reports.filters.MeasureProgressFilter)."""

from __future__ import annotations

from datetime import date

from django import forms

from core import fiscal
from core.fields import DateFormField, date_in_range_error


class PrintOptionsForm(forms.Form):
    """What the council report takes beyond the shared filters: the date of the previous report."""

    since = DateFormField(
        label="前回の基準日",
        required=False,
        help_text="入力すると、この日から基準日までの変更点を載せます(例: 2020/03/31、令和2年3月31日)。",
    )

    def __init__(self, data=None, *, as_of: date | None, **kwargs):
        super().__init__(data, **kwargs)
        # None when the report's own date is invalid: that error is reported on its own.
        self.as_of = as_of

    def clean_since(self):
        since = self.cleaned_data.get("since")
        error = date_in_range_error(since, "前回の基準日")
        if error:
            raise forms.ValidationError(error)
        if since is not None and self.as_of is not None and since >= self.as_of:
            raise forms.ValidationError(
                f"前回の基準日({fiscal.wareki_date(since)})は、基準日"
                f"({fiscal.wareki_date(self.as_of)})より前の日付にしてください。"
            )
        return since
