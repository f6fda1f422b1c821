"""One cell's value as the upload reads it: text, a number, 進捗率, a date or a status, however it
was typed (a number stored as text, a date written as 令和3年9月30日). A value that cannot be read
raises ValueError with the Japanese sentence the preview shows."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from core import fiscal
from core.fields import date_in_range_error
from measures.models import ProgressStatus
from measures.selectors import UNREPORTED_LABEL
from measures.sheets import exchange as x

if TYPE_CHECKING:
    from .scope import ImportContext

_WHOLE_NUMBER = re.compile(r"([0-9]{1,18})(?:\.0*)?")


def squeeze(text: str) -> str:
    """Text as compared: NFKC, without any space."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def plain(value) -> str:
    """A cell as text for a message or a comparison."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return f"{value:%Y/%m/%d}"
    return str(value).strip()


def text(value) -> str:
    """A cell as the text it holds: line breaks as \n, no spaces around."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n").strip()
    return plain(value)


def number(value, heading: str) -> Decimal | None:
    """A number, also one stored as text (「1,234」「１２」); empty is None, never 0."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(f"{heading}は数で入力してください(「{value}」)。")
    if isinstance(value, int | float):
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if isinstance(value, str):
        typed = unicodedata.normalize("NFKC", value).strip().replace(",", "")
        try:
            found = Decimal(typed)
        except InvalidOperation:
            pass
        else:
            if found.is_finite():
                return found
    raise ValueError(f"{heading}は数で入力してください(「{plain(value)}」は数として読めません)。")


def percent(value, number_format: str) -> int | None:
    """進捗率, a whole number of percent from 0 to 100, however the file holds it.

    - A plain cell (the template's 進捗率(%)): the number itself, 50.
    - A percent cell (a year sheet of the manager's workbook, or a template made before the
      column became 進捗率(%)): Excel stores 50% as 0.5, so a number up to 1 is a fraction (0.5 is
      50, 1 is 100); LibreOffice stores the 50 typed there as 50 (shown 5000%), so a number above
      1 is the percent itself. 1 is read as Excel shows it, 100%.
    - Text: 「50」 or 「50%」.
    """
    message = f"{x.PROGRESS}は0から100までの整数で入力してください(50%なら50。「{plain(value)}」)。"
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        typed = unicodedata.normalize("NFKC", value).strip()
        if typed.endswith("%"):
            typed = typed[:-1].strip()
        try:
            found = Decimal(typed)
        except InvalidOperation:
            raise ValueError(message) from None
    elif isinstance(value, int | float) and not isinstance(value, bool):
        found = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if "%" in (number_format or "") and found.is_finite() and found <= 1:
            found *= 100
    else:
        raise ValueError(message)
    if not found.is_finite() or not 0 <= found <= 100:  # before quantize(), which 1E+30 overflows
        raise ValueError(message)
    rounded = found.quantize(Decimal("1e-6"))  # a percent cell's 0.35 is 35.000000000000004
    if rounded != rounded.to_integral_value() or not 0 <= rounded <= 100:
        raise ValueError(message)
    return int(rounded)


def report_date(value) -> date | None:
    """A date cell, or a date typed as text in any form the application prints: 2021/9/30,
    令和3年9月30日, R3.9.30 as the template's own column shows it (core.fiscal.parse_date), within
    the years the application handles (1021/9/30 is a typo, and has no era to show)."""
    day = _any_date(value)
    if error := date_in_range_error(day, x.AS_OF):
        raise ValueError(error)
    return day


def _any_date(value) -> date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return fiscal.parse_date(value)
        except ValueError as error:
            # The parser's reason, quoting the cell: 報告基準日「R3.2.30」という日付はありません。
            raise ValueError(f"{x.AS_OF}{error}") from None
    raise ValueError(
        f"{x.AS_OF}は日付で入力してください(「{plain(value)}」は日付として読めません)。"
        "2021/9/30 や 令和3年9月30日 のように入力します。"
    )


def status(value, context: ImportContext) -> ProgressStatus | None:
    """A configured status, by its name, with or without its symbol (○ 実施中, 実施中); 報告なし is none."""
    typed = squeeze(plain(value))
    if not typed or typed == squeeze(UNREPORTED_LABEL):
        return None
    found = context.status_by_text.get(typed)
    if found is None:
        names = "、".join(s.name for s in context.statuses)
        raise ValueError(f"{x.STATUS}「{plain(value)}」は選択肢にありません。{names} から選んでください。")
    return found


def whole_number(value) -> int | None:
    """A whole number (a 施策ID, a document property's id), or None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    # Digits, and a document property saved again by LibreOffice comes back as a real number: "1.0".
    # Nothing else: int(Decimal("1e1000000")) would hold the worker for minutes.
    typed = unicodedata.normalize("NFKC", str(value or "")).strip()
    match = _WHOLE_NUMBER.fullmatch(typed)
    return int(match[1]) if match else None


def same(found, want) -> bool:
    """A locked cell as it came back against what the template wrote there."""
    if want is None or want == "":
        return plain(found) == ""
    if isinstance(want, int | Decimal):
        try:
            return number(found, "") == Decimal(want)
        except ValueError:
            return False
    return squeeze(text(found)) == squeeze(str(want))
