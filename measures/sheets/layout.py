"""The workbook's look, shared by every sheet: its cell styles and its printed page.

The cell writer itself (text that is never a formula, write-only rows) is core.xlsx. This
module needs no database, so the benchmark's baseline styles its cells with it too.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.pagebreak import Break

from core import fiscal
from core.xlsx import SheetWriter, Style, clean_text

HEADER_TEXT_MAX = 80  # Excel allows 255 characters for a whole header; the plan name gets this many
APPLICATION_NAME = "文京区官民データ活用推進計画 進捗管理"

# Every cell names its font: 游ゴシック, Japanese Excel's own since 2016 (Windows 8.1 and later,
# Office for Mac). A cell naming none is shown by LibreOffice in a serif. LibreOffice on Debian
# has no 游ゴシック and substitutes a sans font: DejaVu Sans for Latin letters and digits, and for
# Japanese the CJK sans of fonts-noto-cjk (docs/reports.md, "Fonts"). charset 128 is Shift_JIS:
# Excel then takes the name as a Japanese font.
FONT_NAME = "游ゴシック"
FONT_SIZE = 11
PLAIN = Font(name=FONT_NAME, size=FONT_SIZE, family=3, charset=128)
BOLD = Font(name=FONT_NAME, size=FONT_SIZE, family=3, charset=128, bold=True)

THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")

TEXT = Style(font=PLAIN, border=BOX, alignment=Alignment(vertical="top", wrap_text=True))
CENTER = Style(
    font=PLAIN, border=BOX, alignment=Alignment(horizontal="center", vertical="top", wrap_text=True)
)
NUMBER = Style(font=PLAIN, border=BOX, alignment=Alignment(horizontal="right", vertical="top"))
# A date stays a date (it sorts and filters) shown as 令和2年3月31日(2020年3月31日), the style of
# every page; core.fiscal.xlsx_date_format gives a date in an era's first year its 元年 (cells.date_cell).
DATE = Style(
    font=PLAIN,
    border=BOX,
    alignment=Alignment(horizontal="center", vertical="top"),
    number_format=fiscal.WAREKI_DATE_WITH_WESTERN_XLSX,
)
# 平成31年12月31日(2019年12月31日) is 32 units, but its digits are wider than Calibri's in the
# Japanese fonts (and in DejaVu Sans, LibreOffice's stand-in): a narrower column shows ####.
DATE_WIDTH = 38
# The same date in a narrow column (a year's sheet and the department's template): R2.3.31.
SHORT_DATE = Style(
    font=PLAIN,
    border=BOX,
    alignment=Alignment(horizontal="center", vertical="top"),
    number_format=fiscal.SHORT_WAREKI_DATE_XLSX,
)
# Percentages are stored as fractions (1.05 is 105 %), so a manager's formula on them is right.
RATE = Style(
    font=PLAIN, border=BOX, alignment=Alignment(horizontal="right", vertical="top"), number_format="0.0%"
)
PERCENT = Style(
    font=PLAIN, border=BOX, alignment=Alignment(horizontal="right", vertical="top"), number_format="0%"
)
# 進捗率 in the department's template: the whole number of percent, no percent format (see exchange.PROGRESS_WHOLE).
WHOLE_PERCENT = Style(
    font=PLAIN, border=BOX, alignment=Alignment(horizontal="right", vertical="top"), number_format="0"
)
HEADER = Style(
    font=BOLD,
    fill=HEADER_FILL,
    border=BOX,
    alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
)
LABEL = Style(font=BOLD, fill=HEADER_FILL, border=BOX, alignment=Alignment(vertical="top", wrap_text=True))
# A total row: bold on a light grey that prints in black and white too.
TOTAL = Style(
    font=BOLD,
    fill=PatternFill("solid", fgColor="F2F2F2"),
    border=BOX,
    alignment=Alignment(vertical="top", wrap_text=True),
)
TITLE = Style(font=Font(name=FONT_NAME, size=14, family=3, charset=128, bold=True))
HEADING = Style(font=Font(name=FONT_NAME, size=12, family=3, charset=128, bold=True))
NOTE = Style(font=PLAIN, alignment=Alignment(vertical="top"))


def fraction(percent):
    """A percentage (110.0, or 35 for 進捗率) as the fraction a percent-formatted cell holds."""
    return None if percent is None else percent / 100


def sheet_writer(ws, widths: Iterable[float] = ()) -> SheetWriter:
    """A writer whose text cells are TEXT and whose number cells are NUMBER unless told otherwise,
    and whose rows are as tall as their wrapped text in columns of ``widths``."""
    return SheetWriter(ws, text_style=TEXT, value_style=NUMBER, widths=list(widths))


# The printed page. Text must print at 8 pt or more: the 11 pt cells at no less than 73 %, which
# each sheet's column widths allow (tests/test_excel_on_paper.py measures them).
A4_LANDSCAPE_WIDTH_PT = 297 / 25.4 * 72
SIDE_MARGIN_IN = 0.4
PRINTABLE_WIDTH_PT = A4_LANDSCAPE_WIDTH_PT - 2 * SIDE_MARGIN_IN * 72


def column_points(width: float) -> float:
    """A column's printed width at 100 %: Excel counts 7 px a character of Calibri 11 plus 5 px, at 96 dpi."""
    return int(width * 7 + 5) * 72 / 96


def page_segments(widths: Sequence[float], title_columns: int, page_breaks: Sequence[int]) -> list[float]:
    """The printed width at 100 % of each page across: the title columns, then the columns up to
    the next page break (``page_breaks`` are the columns that begin a page)."""
    points = [column_points(w) for w in widths]
    titles = sum(points[:title_columns])
    starts = [1, *page_breaks]
    ends = [*page_breaks, len(points) + 1]
    return [
        (0 if start == 1 else titles) + sum(points[start - 1 : end - 1])
        for start, end in zip(starts, ends, strict=True)
    ]


# LibreOffice lays columns out a few percent wider than Excel (its Calibri stand-in, Carlito, and
# its rounding); a page's columns fit in both with this much room to spare.
PAGE_SLACK = 1.08


def print_scale(widths: Sequence[float], title_columns: int, page_breaks: Sequence[int]) -> int:
    """The largest whole percent at which every page across holds its columns, with PAGE_SLACK."""
    widest = max(page_segments(widths, title_columns, page_breaks)) * PAGE_SLACK
    return min(100, math.floor(100 * PRINTABLE_WIDTH_PT / widest))


@dataclass(frozen=True)
class PageInfo:
    """What every printed page names in its header: the plan and the as-of date; and in its foot,
    as the council report's cover does, the day the file was made and who issues it."""

    plan_name: str
    as_of: date
    date_label: str = "基準日"  # the department's template names its 作成日 instead
    issued_on: date | None = None  # 作成日
    issuer: str = ""  # the issuing department, settings.REPORT_ISSUER

    @property
    def as_of_label(self) -> str:
        return fiscal.wareki_date_with_western(self.as_of)


def _header_text(text: str) -> str:
    """Text for a header or footer: & is Excel's code character, so a literal one is doubled."""
    if len(text) > HEADER_TEXT_MAX:
        text = text[: HEADER_TEXT_MAX - 1] + "…"
    return clean_text(text).replace("&", "&&")


def prepare_sheet(
    ws,
    *,
    page: PageInfo,
    widths: Sequence[float],
    title_rows: str,
    title_columns: int = 0,
    page_breaks: Sequence[int] = (),
    freeze: str | None = None,
    fit_width: bool = False,
) -> None:
    """Column widths, frozen panes and the print set-up. Call before the first row is written.

    A4 landscape, ``title_rows`` repeated on every page down, the plan and the as-of date in the
    header, the page number in the footer, with 作成日 and the issuer when the page names them. A sheet laid out for A4 prints one page wide. A
    wide sheet names the columns that begin a new page (``page_breaks``, e.g. each fiscal year):
    each page across repeats its first ``title_columns`` columns, and the pages run across
    before down, so that one measure's pages follow one another.

    Every sheet prints at a scale worked out here, the largest at which every page holds its
    columns, rather than "fit to one page wide": Excel ignores manual page breaks when it fits a
    sheet to pages, and a fitted wide sheet is what once printed at 4 pt. A sheet whose row is
    read whole across and has no page breaks (``fit_width``: 進捗履歴) is fitted to one page wide
    all the same, so that a column widened in Excel still prints on the page; its widths keep
    that fit at 8 pt or more, LibreOffice's wider columns included.
    """
    assert not (fit_width and page_breaks), "Excel ignores page breaks in a sheet fitted to the page"
    for index, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(index)].width = width
    if freeze:
        ws.freeze_panes = freeze
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = 9  # A4
    ws.sheet_properties.pageSetUpPr.fitToPage = fit_width
    if fit_width:
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0  # one page wide, as many down as it takes
    # Under fitToPage Excel works out its own scale; this one is what it comes to, for any reader that does not.
    ws.page_setup.scale = print_scale(widths, title_columns, page_breaks)
    if page_breaks:
        ws.page_setup.pageOrder = "overThenDown"
        for column in page_breaks:
            ws.col_breaks.append(Break(id=column - 1))  # a break after the column before
    ws.page_margins = PageMargins(
        left=SIDE_MARGIN_IN, right=SIDE_MARGIN_IN, top=0.7, bottom=0.6, header=0.3, footer=0.3
    )
    ws.print_options.horizontalCentered = True
    ws.print_title_rows = title_rows
    if title_columns and page_breaks:
        ws.print_title_cols = f"A:{get_column_letter(title_columns)}"
    ws.oddHeader.left.text = _header_text(page.plan_name)
    ws.oddHeader.center.text = "&A"  # the sheet's name
    ws.oddHeader.right.text = _header_text(f"{page.date_label} {page.as_of_label}")
    ws.oddFooter.center.text = "&P / &N ページ"
    if page.issued_on:
        ws.oddFooter.left.text = _header_text(f"作成日 {fiscal.wareki_date_with_western(page.issued_on)}")
    if page.issuer:
        ws.oddFooter.right.text = _header_text(page.issuer)
