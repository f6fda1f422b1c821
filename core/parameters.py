"""Query-string parameters that were renamed: refused, never ignored (docs/api.md, "Renamed parameters").

A filter's parameter that an earlier release read under another name would, ignored, answer a
client or a bookmark with more rows than it asked for and say nothing. A form derived from
``RetiredParametersForm`` refuses it instead, beside the field that replaces it, with a message
naming the new parameter: the API's 400 names it under that field, the report page shows it
beside the field, the export command beside its option.
"""

from __future__ import annotations

from django import forms


def retired_parameter_message(old: str, new: str) -> str:
    return f"{old} は廃止しました。{new} を使ってください。"


def _given(data, name: str) -> bool:
    values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
    return any(value not in (None, "") for value in values)


class RetiredParametersForm(forms.Form):
    """A query-string form refusing each retired parameter given a value, beside its replacement.

    An empty value (``?objective=``, as a form sent for 「すべて」) passes: it filtered nothing then
    either, so the answer is the same.
    """

    # The old name → the name of the form's field that replaces it.
    retired_parameters: dict[str, str] = {}

    def clean(self):
        cleaned = super().clean()
        for old, new in self.retired_parameters.items():
            if _given(self.data, old):
                self.add_error(new, retired_parameter_message(old, new))
        return cleaned
