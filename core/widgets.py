"""Form widgets that write their HTML in Python instead of through Django's widget templates.

The report filters (reports.filters.MeasureProgressFilter) are shown above every printable page
and the report page. Through the templates, each <option> is a template include of its own,
and the filter form cost a quarter of /reports/print/'s rendering (docs/PERFORMANCE.md). These
widgets give the very same HTML, byte for byte (tests/test_quick_widgets.py compares them with
Django's), at a fraction of the cost. They render without a form renderer, so they are only for
forms that do not override the widget templates.
"""

from __future__ import annotations

from django import forms
from django.template.defaultfilters import stringformat
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime


def _text(value) -> str:
    """``{{ value }}`` in an autoescaped template: localised, then escaped unless already safe."""
    return conditional_escape(str(localize(template_localtime(value))))


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html: `` name="value"``, a bare name for True, nothing for False."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {_text(name)}")
        else:
            parts.append(f' {_text(name)}="{_text(stringformat(value, "s"))}"')
    return "".join(parts)


class QuickSelect(forms.Select):
    """forms.Select, written as django/forms/widgets/select.html and select_option.html write it."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, group_choices, _ in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{_text(group_name)}">')
            for option in group_choices:
                parts.append(
                    f'\n  <option value="{_text(stringformat(option["value"], "s"))}"'
                    f"{_attrs(option['attrs'])}>{_text(option['label'])}</option>\n"
                )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        # The form renderer strips what the template wrote.
        return mark_safe("".join(parts).strip())


class QuickTextInput(forms.TextInput):
    """forms.TextInput, written as django/forms/widgets/input.html writes it."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        value_attr = (
            "" if widget["value"] is None else f' value="{_text(stringformat(widget["value"], "s"))}"'
        )
        return mark_safe(
            f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"{value_attr}'
            f"{_attrs(widget['attrs'])}>"
        )
