"""Template filters shared by every app's pages: year and date labels (from core.fiscal), numbers, names.

Load with {% load ja_format %}.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django import template

from core import fiscal
from core.users import display_name as _display_name

register = template.Library()


@register.filter
def fiscal_year_label(year: int | None) -> str:
    """令和元年度(2019年度)."""
    return "" if year in (None, "") else fiscal.fiscal_year_label(int(year))


@register.filter
def wareki(day: date | None) -> str:
    """令和2年3月31日(2020年3月31日)."""
    return "" if day is None else fiscal.wareki_date_with_western(day)


@register.filter
def wareki_datetime(moment: datetime | None) -> str:
    """令和元年5月1日 16:51: when a change was recorded, in the ward's local time."""
    return "" if moment is None else fiscal.wareki_datetime(moment)


@register.filter
def plain_number(value) -> str:
    """A stored decimal without trailing zeros and with thousands separators: 46.50 → 46.5, 1200.00 → 1,200."""
    if value is None or value == "":
        return ""
    number = Decimal(value)
    if number == number.to_integral_value():
        return f"{number.to_integral_value():,}"
    return f"{number.normalize():,f}"


@register.filter
def bar_width(percent, scale: int = 100) -> str:
    """A percentage clamped to 0–100 and scaled to an SVG bar of ``scale`` units, for the progress bars."""
    if percent is None or percent == "":
        return "0"
    value = min(max(Decimal(percent), Decimal(0)), Decimal(100))
    return f"{value * scale / 100:f}"


@register.filter
def one_decimal(value) -> str:
    """A rate or average to one decimal place, always shown: 105 → 105.0, 91.66 → 91.7."""
    if value is None or value == "":
        return ""
    return f"{Decimal(value).quantize(Decimal('0.1')):,f}"


@register.filter
def display_name(user) -> str:
    """A user as every page names them: 姓 名, or the user name."""
    return _display_name(user)
