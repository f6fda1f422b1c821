"""Form and model fields: fiscal years and dates typed in either era, text rules, stated text limits."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import (
    MaxLengthValidator,
    MaxValueValidator,
    MinValueValidator,
    ProhibitNullCharactersValidator,
)
from django.db import connection, models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils.deconstruct import deconstructible

from . import fiscal
from .templatetags.ja_format import plain_number

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


def fiscal_window_error(day, fiscal_year, label: str) -> str | None:
    """A Japanese message when a date lies outside its fiscal year and the FOLLOW_UP_MONTHS after it.

    For the dates that belong to a year but may come a little after it: a report's 報告基準日, a
    meeting's 実施日, a public comment's end and answers. None when the date is in its window, or
    when the year is one the field itself refuses.
    """
    if day is None or not handled_fiscal_year(fiscal_year):
        return None
    start, _ = fiscal.fiscal_year_bounds(fiscal_year)
    end = fiscal.follow_up_end(fiscal_year)
    if start <= day <= end:
        return None
    return (
        f"{label}は{fiscal.fiscal_year_label(fiscal_year)}の開始日({start:%Y/%m/%d})から、"
        f"年度末の{fiscal.FOLLOW_UP_MONTHS}か月後({end:%Y/%m/%d})までの日付にしてください。"
    )


class HandledDateValidator:
    """A form's date (or date and time) must lie in the years the application handles, 1989–2100.

    Every date field of every admin form has it (apply_input_rules); the models narrow it further.
    Beyond these years Python cannot even convert a Tokyo time of 0001-01-01 to UTC.
    """

    def __init__(self, label: str):
        self.label = label

    def __call__(self, value):
        message = date_in_range_error(value, self.label)
        if message:
            raise ValidationError(message, code="date_out_of_range")


# Control characters (Unicode category Cc) other than tab, line feed and carriage return: NUL,
# escape, DEL, the C1 range … Nobody types them; they come with pasted text, and Excel, XML and
# PostgreSQL (NUL) refuse them. With them the bidirectional formatting characters (ALM, LRM,
# RLM, the embeddings and overrides U+202A–U+202E, the isolates U+2066–U+2069): invisible, they
# make a name read otherwise than it is stored (U+202E shows 「情報政策課」 reversed, a file name
# ending "exe.xlsx" as "xlsx.exe"), and Japanese text never needs them.
CONTROL_CHARACTERS_RE = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
CONTROL_CHARACTERS_MESSAGE = (
    "制御文字(NUL文字など、画面に表示されない特殊な文字)は使えません。"
    "その文字を削除してから入力し直してください。"
)


@deconstructible
class ControlCharacterValidator:
    """Refuses text with a control character, saying so (Django's ja catalogue words a NUL as an empty field)."""

    code = "control_characters"

    def __call__(self, value):
        if value is not None and CONTROL_CHARACTERS_RE.search(str(value)):
            raise ValidationError(CONTROL_CHARACTERS_MESSAGE, code=self.code)

    def __eq__(self, other):
        return isinstance(other, ControlCharacterValidator)


def key_holds(field: models.Field, value) -> bool:
    """Whether the key column ``field`` could hold ``value``: False only for a whole number outside an
    integer column's range. Anything else that is no id (letters, NUL) is left to the form field,
    which names it. Django refuses such a number itself for ``exact``, but sends it to the database
    in ``__in``, where SQLite fails (OverflowError): so every way an id list enters (a many-to-many
    form field, the autocomplete widget) asks here first."""
    if not isinstance(field, models.IntegerField):
        return True
    try:
        number = int(str(value).strip())
    except ValueError:
        return True
    low, high = connection.ops.integer_field_range(field.get_internal_type())
    return (low is None or number >= low) and (high is None or number <= high)


class ModelMultipleIdChoiceField(forms.ModelMultipleChoiceField):
    """A many-to-many form field that refuses an id its key column cannot hold before looking the
    ids up: 「正しく選択してください。 99999999999999999999 は候補にありません。」, never a 500."""

    def _check_values(self, value):
        if isinstance(value, list | tuple):
            meta = self.queryset.model._meta
            key = meta.get_field(self.to_field_name) if self.to_field_name else meta.pk
            for item in value:
                if not key_holds(key, item):
                    raise ValidationError(
                        self.error_messages["invalid_choice"], code="invalid_choice", params={"value": item}
                    )
        return super()._check_values(value)


def apply_input_rules(formfield):
    """The rules every admin form field follows, whatever its model: text without control
    characters, dates in 1989–2100. The admin's base classes (core.admin_base) pass each form
    field through here."""
    refuse_control_characters(formfield)
    if isinstance(formfield, forms.DateField | forms.DateTimeField | forms.SplitDateTimeField):
        formfield.validators.append(HandledDateValidator(str(formfield.label or "日付")))
    return formfield


def refuse_control_characters(formfield):
    """A text form field, made to refuse every control character with one Japanese message.

    Replaces Django's ProhibitNullCharactersValidator, which checks NUL alone. Other fields are
    returned as they are.
    """
    if isinstance(formfield, forms.CharField):
        formfield.validators = [
            v for v in formfield.validators if not isinstance(v, ProhibitNullCharactersValidator)
        ]
        if not any(isinstance(v, ControlCharacterValidator) for v in formfield.validators):
            formfield.validators.append(ControlCharacterValidator())
    return formfield


def _is_number_widget(widget) -> bool:
    return isinstance(widget, forms.NumberInput) or (
        isinstance(widget, type) and issubclass(widget, forms.NumberInput)
    )


class FiscalYearFormField(forms.CharField):
    """Accepts 2019, 2019年度, 令和元年度 or the plan's 平成31年度, and cleans to the integer.

    Shows a year as every page does, 令和元年度(2019年度), which it reads back (round trip).
    Always a text input: a browser's number input would cut 令和3年度 down to "3" before the
    server sees it (the admin offers one for every integer column).
    """

    def __init__(self, *, min_value=None, max_value=None, **kwargs):
        # Model integer fields pass numeric bounds; the model's validators check them anyway.
        kwargs.pop("step_size", None)
        if kwargs.get("widget") is None or _is_number_widget(kwargs["widget"]):
            kwargs["widget"] = forms.TextInput
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("placeholder", "例: 2019、令和元年度")
        self.widget.attrs.setdefault("size", 20)  # 令和元年度(2019年度) whole

    def to_python(self, value):
        if isinstance(value, int):
            return value
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        ControlCharacterValidator()(value)  # before the text is read (and echoed in a message)
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

    def prepare_value(self, value):
        """The year as the pages show it, 令和3年度(2021年度), stored or typed in another form
        (2021, R3); text that is no year is shown as typed, beside its error."""
        return _shown_as_read(self, value, fiscal.fiscal_year_label, int)


def _shown_as_read(field, value, label, kind):
    """A field's value shown as the pages show what it reads: ``label`` of the stored value, or of
    the typed text once the field reads it; text it cannot read is shown as typed."""
    if isinstance(value, str):
        try:
            value = field.clean(value)
        except ValidationError:
            return value
    if isinstance(value, kind) and not isinstance(value, bool):
        try:
            return label(value)
        except ValueError:  # beyond what a label can say (a year before 明治)
            return value
    return value


# 1,200 and 1,234.5: a figure as the pages show it (plain_number), with a comma between thousands.
_GROUPED_NUMBER_RE = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")


class DecimalFormField(forms.DecimalField):
    """A figure (目標値, 実績値, 達成率の下限 …) shown as the pages show it, in its own precision:
    50 for a stored 50.00, 12.5 for 12.50, 1,200 for 1200.00. Read back as shown, commas between
    thousands and full-width digits included, so a form saved as shown saves the same number.

    A text input with the decimal keyboard: a browser's number input shows nothing for 1,200.
    """

    def __init__(self, **kwargs):
        if kwargs.get("widget") is None or _is_number_widget(kwargs["widget"]):
            kwargs["widget"] = forms.TextInput
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("inputmode", "decimal")

    def to_python(self, value):
        if isinstance(value, str):
            value = unicodedata.normalize("NFKC", value).strip()
            if _GROUPED_NUMBER_RE.fullmatch(value):
                value = value.replace(",", "")
        return super().to_python(value)

    def prepare_value(self, value):
        return _shown_as_read(self, value, _plain_figure, Decimal)


def _plain_figure(value: Decimal):
    return plain_number(value) if value.is_finite() else value


# The forms a date may be typed in, as help texts say them (bunkyo.forms' /timeline/ filters).
DATE_FORMATS_HELP = fiscal.DATE_FORMATS_HELP


class DateFormField(forms.DateField):
    """A date typed in any form the application prints: 2020/03/31, 令和2年3月31日, R2.3.31 …

    Read by core.fiscal.parse_date, the one date parser, which says why a date is refused (an
    era's date outside the era: H31.5.1). A text input, never the browser's date input, which
    rewrites what is typed by the browser's locale (in an en-US browser, 2020/03/31 became 0331-02-02).
    """

    widget = forms.TextInput
    default_error_messages = {
        "invalid": f"日付を正しく入力してください。{DATE_FORMATS_HELP} のように入力します。"
    }

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("placeholder", "例: 2020/03/31")
        self.widget.attrs.setdefault("autocomplete", "off")

    def to_python(self, value):
        if not isinstance(value, str):
            return super().to_python(value)  # a date, a datetime or nothing
        if not value.strip():
            return None
        if CONTROL_CHARACTERS_RE.search(value):  # before the text is echoed in a message
            raise ValidationError(
                f"日付を正しく入力してください。{CONTROL_CHARACTERS_MESSAGE}", code="invalid"
            )
        try:
            return fiscal.parse_date(value)
        except ValueError as exc:
            raise ValidationError(f"日付を正しく入力してください。{exc}", code="invalid") from None


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


# The stated maximum of free texts. A narrative (取組実績, 課題, 今後の方向性, 概要) fits on about
# two and a half A4 pages; everything else (年度目標, 理由, 備考, 目的, 説明) on less than one.
NARRATIVE_MAX_LENGTH = 4000
NOTE_MAX_LENGTH = 1000


class LongTextFormField(forms.CharField):
    """A long text's form field: a line break counts as one character, as the browser counts it.

    A browser sends each line break of a textarea as CR LF but counts it as one character
    against maxlength; stored as LF, the text is as long for the form, the model and the
    database as it was on the screen.
    """

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


class LongTextField(models.TextField):
    """A free text with a stated maximum: said in the help text, checked by the form (which also
    stops typing there), by the model (full_clean) and, with text_length_constraint, by the database."""

    def __init__(self, *args, max_length: int, help_text: str = "", **kwargs):
        limit = f"{max_length:,}字まで入力できます。"
        if limit not in str(help_text):
            help_text = f"{help_text}{limit}" if help_text else limit
        super().__init__(*args, max_length=max_length, help_text=help_text, **kwargs)
        self.validators.append(MaxLengthValidator(max_length))

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": LongTextFormField, **kwargs})


def text_length_constraint(field: str, max_length: int, *, name: str, label: str) -> models.CheckConstraint:
    """The database's copy of a LongTextField's maximum, for rows written without full_clean."""
    return models.CheckConstraint(
        condition=LessThanOrEqual(Length(field), max_length),
        name=name,
        violation_error_message=f"{label}は{max_length:,}字以内で入力してください。",
    )
