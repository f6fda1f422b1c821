"""The project's own query-string forms."""

from __future__ import annotations

from django import forms

from core.fields import DATE_FORMATS_HELP, DateFormField, date_in_range_error

ALL = [("", "すべて")]


class TimelineFilterForm(forms.Form):
    """/timeline/'s filters: the kind of object, who changed it, and the days of the change."""

    kind = forms.ChoiceField(
        label="種類",
        required=False,
        error_messages={"invalid_choice": "指定された種類はありません。一覧から選んでください。"},
    )
    user = forms.ChoiceField(
        label="変更者",
        required=False,
        error_messages={"invalid_choice": "指定された変更者は見つかりません。一覧から選んでください。"},
    )
    date_from = DateFormField(label="変更日(から)", required=False)
    date_to = DateFormField(label="変更日(まで)", required=False)

    # One line under the fields, which stand side by side.
    help_text = f"変更日は {DATE_FORMATS_HELP} のように入力します。「まで」の日の変更も含みます。"

    def __init__(self, data=None, *, kinds: list[tuple[str, str]], people: list[tuple[str, str]]):
        super().__init__(data)
        self.fields["kind"].choices = ALL + kinds
        self.fields["user"].choices = ALL + people

    def clean(self):
        cleaned = super().clean()
        for name in ("date_from", "date_to"):
            error = date_in_range_error(cleaned.get(name), str(self.fields[name].label))
            if error:
                self.add_error(name, error)
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_from", "変更日(から)は変更日(まで)以前の日付にしてください。")
        return cleaned
