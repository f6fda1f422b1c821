"""Fiscal years (年度) and Japanese eras (和暦): the one home for both.

A fiscal year is stored everywhere as its Gregorian integer (FY2019 = 2019, which
runs 2019-04-01 to 2020-03-31). Every label is derived from that integer here.

The era rule: a year is named by the era in force at its end, and the year in which
an era began is its 元年. So calendar 2019 is 令和元年 and FY2019 is 令和元年度, which
is the government's rule for fiscal years written after the change on 2019-05-01.
Dates are exact: 2019-04-30 is 平成31年4月30日 and 2019-05-01 is 令和元年5月1日.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import F
from django.utils import timezone

FISCAL_YEAR_START_MONTH = 4


@dataclass(frozen=True)
class Era:
    name: str
    initial: str
    first_day: date


# Newest first, so the first era whose first day is on or before a date is that date's era.
ERAS: tuple[Era, ...] = (
    Era("令和", "R", date(2019, 5, 1)),
    Era("平成", "H", date(1989, 1, 8)),
    Era("昭和", "S", date(1926, 12, 25)),
    Era("大正", "T", date(1912, 7, 30)),
    Era("明治", "M", date(1868, 1, 25)),
)
_ERAS_BY_NAME = {era.name: era for era in ERAS} | {era.initial: era for era in ERAS}


def fiscal_year_of(day: date) -> int:
    """The fiscal year a date falls in: its year from April, the year before until March."""
    return day.year if day.month >= FISCAL_YEAR_START_MONTH else day.year - 1


def fiscal_year_bounds(fiscal_year: int) -> tuple[date, date]:
    """First and last day of a fiscal year: April 1 to March 31 of the next year."""
    return date(fiscal_year, 4, 1), date(fiscal_year + 1, 3, 31)


# Reports on a year, meetings postponed past its end and public comment answers come up to this
# many months after the fiscal year ends (for six: until September 30 of the next calendar year).
FOLLOW_UP_MONTHS = 6


def follow_up_end(fiscal_year: int, months: int = FOLLOW_UP_MONTHS) -> date:
    """The last day of the ``months`` months after a fiscal year ends: 2020-09-30 for FY2019 and six."""
    year, month_index = divmod((fiscal_year + 1) * 12 + 2 + months, 12)  # 2: March, zero-based
    month = month_index + 1
    return date(year, month, calendar.monthrange(year, month)[1])


def fiscal_months(fiscal_year: int) -> list[tuple[int, int]]:
    """The twelve (year, month) pairs of a fiscal year, April first."""
    return [(fiscal_year, m) for m in range(4, 13)] + [(fiscal_year + 1, m) for m in range(1, 4)]


MONTHS_IN_FISCAL_ORDER: tuple[int, ...] = (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)


def fiscal_month_index(month: int) -> int:
    """Position of a month within a fiscal year: April is 0, March is 11."""
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1–12, not {month}")
    return (month - FISCAL_YEAR_START_MONTH) % 12


def fiscal_month_order(month):
    """fiscal_month_index in SQL, for ordering and constraints: April is 0, March is 11.

    ``month`` is a field name or an expression giving a month 1–12.
    """
    if isinstance(month, str):
        month = F(month)
    return (month + (12 - FISCAL_YEAR_START_MONTH)) % 12


def fiscal_month_sequence(fiscal_year, month):
    """A month's place in time as SQL, for ordering by year and month: fiscal year × 12 + fiscal_month_order."""
    if isinstance(fiscal_year, str):
        fiscal_year = F(fiscal_year)
    return fiscal_year * 12 + fiscal_month_order(month)


def month_sequence_of(day: date) -> int:
    """The place in time of a date's month, as fiscal_month_sequence gives it in SQL:
    fiscal year × 12 + fiscal_month_index, so that 2019-03 (FY2018's last) comes just before 2019-04."""
    return fiscal_year_of(day) * 12 + fiscal_month_index(day.month)


def month_label(month: int) -> str:
    return f"{month}月"


def era_of_date(day: date) -> Era:
    for era in ERAS:
        if day >= era.first_day:
            return era
    raise ValueError(f"{day} is before 明治")


def era_of_year(year: int) -> Era:
    """The era that names a calendar (or fiscal) year: the one in force on December 31."""
    return era_of_date(date(year, 12, 31))


def _era_year_text(era: Era, year: int) -> str:
    n = year - era.first_day.year + 1
    return "元" if n == 1 else str(n)


def wareki_date(day: date) -> str:
    """令和元年5月1日 for 2019-05-01; 平成31年4月30日 for 2019-04-30."""
    era = era_of_date(day)
    return f"{era.name}{_era_year_text(era, day.year)}年{day.month}月{day.day}日"


def wareki_datetime(moment: datetime) -> str:
    """令和元年5月1日 16:51: a recorded moment (a change, a save) in the ward's local time."""
    local = timezone.localtime(moment)
    return f"{wareki_date(local.date())} {local:%H:%M}"


def wareki_date_with_western(day: date) -> str:
    """令和元年5月1日(2019年5月1日): for cover pages and headers."""
    return f"{wareki_date(day)}({day.year}年{day.month}月{day.day}日)"


# The same date style in a spreadsheet, as a number format, so the cell stays a date that sorts.
# [$-411] (Japanese) makes ggg the era's name and e its year in Excel and in LibreOffice alike;
# yyyy stays the Western year. Neither writes the first year of an era as 元年 with this code
# (Excel's newer [$-ja-JP-x-gannen] does, but LibreOffice shows such a cell as a bare number), so
# a date in an era's first year gets a format naming its era and 元年 as literal text.
_WESTERN_XLSX = '(yyyy"年"m"月"d"日")'
WAREKI_DATE_WITH_WESTERN_XLSX = '[$-411]ggge"年"m"月"d"日"' + _WESTERN_XLSX


# R2.3.31, H31.4.30, R1.5.1: the short form Japanese offices write in a narrow column.
SHORT_WAREKI_DATE_XLSX = "[$-411]ge.m.d"


def xlsx_date_format(day: date) -> str:
    """The number format showing ``day`` as wareki_date_with_western does: 令和元年5月1日(2019年5月1日)."""
    era = era_of_date(day)
    if day.year == era.first_day.year:
        return f'[$-411]"{era.name}元年"m"月"d"日"' + _WESTERN_XLSX
    return WAREKI_DATE_WITH_WESTERN_XLSX


def fiscal_year_wareki(fiscal_year: int) -> str:
    """令和元年度 for 2019."""
    era = era_of_year(fiscal_year)
    return f"{era.name}{_era_year_text(era, fiscal_year)}年度"


def fiscal_year_label(fiscal_year: int) -> str:
    """The project's one style for a fiscal year: 令和元年度(2019年度)."""
    return f"{fiscal_year_wareki(fiscal_year)}({fiscal_year}年度)"


def fiscal_period_label(first: int, last: int) -> str:
    """令和元年度(2019年度)〜令和3年度(2021年度); a single year is just its label."""
    if first == last:
        return fiscal_year_label(first)
    return f"{fiscal_year_label(first)}〜{fiscal_year_label(last)}"


# 令和元年度, 令和元年度(2019年度), 令和2(2020)年度, R1, 2019, 2019年度, 平成31年度 …
_FISCAL_YEAR_RE = re.compile(
    r"^(?:(?P<era>令和|平成|昭和|大正|明治|[RHSTM])\s*(?P<era_year>元|\d{1,2})|(?P<western>\d{4}))"
    r"(?:\((?P<inner>\d{4})\))?\s*(?:年度?)?(?:\((?P<paren>\d{4})年?度?\))?$",
    re.IGNORECASE,
)


def parse_fiscal_year(text: str) -> int:
    """Read a fiscal year typed as 2019, 2019年度, 令和元年度, R1, or the plan's own 平成31年度.

    The 平成 forms are aliases: 平成31年度 → 2019 and 平成33年度 → 2021, as the plan writes them.
    Raises ValueError with a Japanese message when the text is not a fiscal year.
    """
    normalized = unicodedata.normalize("NFKC", str(text)).strip().replace(" ", "")
    match = _FISCAL_YEAR_RE.match(normalized)
    if not match:
        raise ValueError(
            f"「{text}」は年度として読み取れません。2019、2019年度、令和元年度、平成31年度 のように入力してください。"
        )
    if match["western"]:
        year = int(match["western"])
    else:
        era = _ERAS_BY_NAME[match["era"].upper() if len(match["era"]) == 1 else match["era"]]
        n = 1 if match["era_year"] == "元" else int(match["era_year"])
        if n < 1:
            raise ValueError(f"「{text}」は年度として読み取れません。")
        year = era.first_day.year + n - 1
    western = match["paren"] or match["inner"]
    if western and int(western) != year:
        raise ValueError(f"「{text}」の和暦と西暦が一致しません。")
    return year


WEEKDAY_LABELS = "月火水木金土日"


def weekday_label(day: date) -> str:
    """2019/05/01(水): a day in the schedule checks' messages."""
    return f"{day:%Y/%m/%d}({WEEKDAY_LABELS[day.weekday()]})"


# The forms a date may be typed in, for help texts and messages: every one is something the
# application prints (a page, the workbook's long and narrow columns, the admin's date input).
DATE_FORMATS_HELP = "2020/03/31、2020-03-31、令和2年3月31日、R2.3.31"

_ERA_MARK = "|".join([era.name for era in ERAS] + [era.initial for era in ERAS])
_YEAR = rf"(?:(?P<era>{_ERA_MARK})(?P<era_year>元|\d{{1,2}})|(?P<western>\d{{4}}))"
# The year, then month and day after one separator used twice (R4.3.31, 2022/03/31, R4-3-31) or
# after 年 and 月 (令和4年3月31日); the named groups differ because Python's cannot repeat.
_DATE_RE = re.compile(
    rf"{_YEAR}(?:(?P<sep>[./-])(?P<month>\d{{1,2}})(?P=sep)(?P<day>\d{{1,2}})"
    rf"|年(?P<kanji_month>\d{{1,2}})月(?P<kanji_day>\d{{1,2}})日?)",
    re.IGNORECASE,
)
# What may follow in brackets: the same day in the other calendar (令和4年3月31日(2022年3月31日),
# as the pages print it) or its day of the week (2019/05/01(水), as the schedule checks print it).
_ASIDE_RE = re.compile(r"\((?P<aside>[^()]*)\)")
_WEEKDAY_RE = re.compile(rf"(?P<weekday>[{WEEKDAY_LABELS}])(?:曜日?)?")
# Hyphens as typed: the minus sign, dashes, and ー, which an input method gives for "-" in kana mode.
_HYPHENS = str.maketrans(dict.fromkeys("‐‑‒–—―−ー", "-"))
_SHOWN_LENGTH = 30


def _shown(text: str) -> str:
    """The typed text quoted in a message: without what cannot be shown (NUL …), and cut when long."""
    printable = "".join(c for c in str(text).strip() if c.isprintable())
    if len(printable) > _SHOWN_LENGTH:
        printable = printable[:_SHOWN_LENGTH] + "…"
    return f"「{printable}」"


def parse_date(text: str) -> date:
    """Read a date typed in any form the application prints, and as people type them.

    2022/03/31, 2022-03-31, 2022.3.31, 2022年3月31日; 令和4年3月31日, R4.3.31, R4/3/31, r4-3-31,
    令和元年 and R元; 令和4年3月31日(2022年3月31日) (both halves must agree); 2022/03/31(木) (the
    weekday must be right). Full-width characters and spaces are allowed.

    An era's date must lie within the era: H31.4.30 is the last day of 平成 and R1.5.1 the first
    of 令和, so H31.5.1 and R1.4.30 are refused, saying when the era ended or began. Raises
    ValueError with a Japanese message quoting what was typed.
    """
    shown = _shown(text)
    normalized = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).translate(_HYPHENS)
    match = _DATE_RE.match(normalized)
    if match is None:
        raise ValueError(f"{shown}は日付として読み取れません。{DATE_FORMATS_HELP} のように入力します。")
    day = _date_of(match, shown)
    rest = normalized[match.end() :]
    if not rest:
        return day
    aside = _ASIDE_RE.fullmatch(rest)
    if aside is None:
        raise ValueError(f"{shown}は日付として読み取れません。{DATE_FORMATS_HELP} のように入力します。")
    if weekday := _WEEKDAY_RE.fullmatch(aside["aside"]):
        if weekday["weekday"] != WEEKDAY_LABELS[day.weekday()]:
            raise ValueError(
                f"{shown}の曜日が違います。{_western(day)}は{WEEKDAY_LABELS[day.weekday()]}曜日です。"
            )
        return day
    other = _DATE_RE.fullmatch(aside["aside"])
    if other is None:
        raise ValueError(f"{shown}は日付として読み取れません。{DATE_FORMATS_HELP} のように入力します。")
    if _date_of(other, shown) != day:
        raise ValueError(f"{shown}は括弧の外と中で日付が違います({wareki_date(day)}は{_western(day)}です)。")
    return day


def _western(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _date_of(match: re.Match, shown: str) -> date:
    """The day a match of _DATE_RE names, refused when there is no such day or its era was not in force."""
    era = None
    if match["western"]:
        year = int(match["western"])
    else:
        name = match["era"]
        era = _ERAS_BY_NAME[name.upper() if len(name) == 1 else name]
        n = 1 if match["era_year"] == "元" else int(match["era_year"])
        if n < 1:
            raise ValueError(f"{shown}という日付はありません。和暦の年は元年(1年)から数えます。")
        year = era.first_day.year + n - 1
    try:
        day = date(year, int(match["month"] or match["kanji_month"]), int(match["day"] or match["kanji_day"]))
    except ValueError:
        raise ValueError(f"{shown}という日付はありません。") from None
    if era is not None:
        _check_in_era(day, era, shown)
    return day


def _check_in_era(day: date, era: Era, shown: str) -> None:
    """Refuse a day its era had not reached or had already left, saying when the era began or ended."""
    index = ERAS.index(era)
    older = ERAS[index + 1] if index + 1 < len(ERAS) else None
    newer = ERAS[index - 1] if index > 0 else None
    if day < era.first_day:
        before = f"前日までは{older.name}です。{wareki_date(day)}のように入力してください。" if older else ""
        raise ValueError(
            f"{shown}は{era.name}が始まる前の日付です。"
            f"{era.name}は{wareki_date_with_western(era.first_day)}から{'で、' if older else 'です。'}{before}"
        )
    if newer is not None and day >= newer.first_day:
        last = newer.first_day - timedelta(days=1)
        raise ValueError(
            f"{shown}は{era.name}が終わった後の日付です。{era.name}は{wareki_date_with_western(last)}までで、"
            f"翌日からは{newer.name}です。{wareki_date(day)}のように入力してください。"
        )
