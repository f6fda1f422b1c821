"""Filters of the printable pages: {% load print_format %}."""

from __future__ import annotations

from django import template
from django.utils.safestring import mark_safe

register = template.Library()

# Characters a CSS string inside a <style> element must not hold as they are: they could end the
# string, the declaration or the element. Each is written as a CSS escape instead.
_UNSAFE = set("\"'\\<>&{};") | {chr(c) for c in range(0x20)} | {"\x7f"}


@register.filter
def css_string(value) -> str:
    """A CSS string literal of any text, quotes included, safe inside <style>: 文京区"計画" → "文京区\\22 計画\\22 "."""
    text = "".join(f"\\{ord(ch):x} " if ch in _UNSAFE else ch for ch in str(value))
    return mark_safe(f'"{text}"')
