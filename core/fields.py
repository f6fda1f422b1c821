"""Fields for fiscal years: stored as the Gregorian integer, typed in either era."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from . import fiscal

# Fiscal years are Gregorian integers; these bounds only keep typos (19 for 2019) out.
FISCAL_YEAR_MIN = 1989
FISCAL_YEAR_MAX = 2100


def handled_fiscal_year(year) -> bool:
    """Whether a year is one the application handles; model clean() skips others (the field reports them)."""
    return isinstance(year, int) and FISCAL_YEAR_MIN <= year <= FISCAL_YEAR_MAX


def date_in_range_error(day, label: str) -> str | None:
    """A Japanese message when a typed date lies outside the years the application handles."""
    if day is not None and not FISCAL_YEAR_MIN <= day.year <= FISCAL_YEAR_MAX:
        # Outside these years there is no plan, no era label and no Excel date to give.
        return f"{label}は{FISCAL_YEAR_MIN}年から{FISCAL_YEAR_MAX}年までの日付で入力してください。"
    return None


class FiscalYearFormField(forms.CharField):
    """Accepts 2019, 2019年度, 令和元年度 or the plan's 平成31年度, and cleans to the integer."""

    def __init__(self, *, min_value=None, max_value=None, **kwargs):
        # Model integer fields pass numeric bounds; the model's validators check them anyway.
        kwargs.pop("step_size", None)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("placeholder", "例: 2019、令和元年度")
        self.widget.attrs.setdefault("size", 14)

    def to_python(self, value):
        if isinstance(value, int):
            return value
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            year = fiscal.parse_fiscal_year(value)
        except ValueError as exc:
            raise ValidationError(str(exc), code="invalid") from None
        if not FISCAL_YEAR_MIN <= year <= FISCAL_YEAR_MAX:
            raise ValidationError(
                f"年度は{FISCAL_YEAR_MIN}年度(平成元年度)から{FISCAL_YEAR_MAX}年度までで入力してください。",
                code="out_of_range",
            )
        return year


class FiscalYearField(models.PositiveSmallIntegerField):
    """A fiscal year (年度) column: its forms accept the era forms as well as 2019."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "validators", [MinValueValidator(FISCAL_YEAR_MIN), MaxValueValidator(FISCAL_YEAR_MAX)]
        )
        kwargs.setdefault("help_text", "西暦(2019)でも和暦(令和元年度、平成31年度)でも入力できます。")
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": FiscalYearFormField, **kwargs})
