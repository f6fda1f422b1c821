"""Excel building blocks that every sheet shares: styles, text that is never a formula, the printed page.

Sheets are written in openpyxl's write-only mode: a row goes to disk as soon as it is
appended, so memory stays flat however many measures a plan has. That mode fixes an order:
column widths, frozen panes and page properties must be set before the first row (see
prepare_sheet); merges, filters and conditional formats may follow the rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import IllegalCharacterError
from openpyxl.worksheet.page import PageMargins

from . import fiscal

# A text beginning with one of these is a formula (or a DDE payload) to Excel and to CSV readers.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
HEADER_TEXT_MAX = 80  # Excel allows 255 characters for a whole header; the plan name gets this many
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
APPLICATION_NAME = "文京区官民データ活用推進計画 進捗管理"
_COLOR_RE = re.compile(r"^#?([0-9A-Fa-f]{6})$")

THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")


@dataclass(frozen=True, eq=False)
class Style:
    """A cell style, defined once at module level and turned into openpyxl's form once per sheet.

    Compared by identity (eq=False): a sheet looks its styles up once per cell, and hashing
    the fonts and fills inside on every lookup would cost more than writing the cell.
    """

    font: Font | None = None
    fill: PatternFill | None = None
    border: Border | None = BOX
    alignment: Alignment | None = None
    number_format: str | None = None


TEXT = Style(alignment=Alignment(vertical="top", wrap_text=True))
CENTER = Style(alignment=Alignment(horizontal="center", vertical="top", wrap_text=True))
NUMBER = Style(alignment=Alignment(horizontal="right", vertical="top"))
DATE = Style(alignment=Alignment(horizontal="center", vertical="top"), number_format="yyyy/mm/dd")
# 達成率 is stored as a percentage (110.0), 進捗率 as a whole number from 0 to 100.
RATE = Style(alignment=Alignment(horizontal="right", vertical="top"), number_format='0.0"%"')
PERCENT = Style(alignment=Alignment(horizontal="right", vertical="top"), number_format='0"%"')
HEADER = Style(
    font=BOLD, fill=HEADER_FILL, alignment=Alignment(horizontal="center", vertical="center", wrap_text=True)
)
LABEL = Style(font=BOLD, fill=HEADER_FILL, alignment=Alignment(vertical="top", wrap_text=True))
TITLE = Style(font=Font(bold=True, size=14), border=None)
HEADING = Style(font=Font(bold=True, size=12), border=None)
NOTE = Style(border=None, alignment=Alignment(vertical="top"))


def fill_color(color: str) -> str | None:
    """An RGB colour typed in the admin (#C6EFCE) as openpyxl wants it; None when it is not one."""
    match = _COLOR_RE.match((color or "").strip())
    return match.group(1).upper() if match else None


@lru_cache(maxsize=256)
def filled(style: Style, color: str) -> Style:
    """The style with a solid background of ``color``, or the style unchanged when the colour is unusable."""
    rgb = fill_color(color)
    if rgb is None:
        return style
    return Style(
        style.font, PatternFill("solid", fgColor=rgb), style.border, style.alignment, style.number_format
    )


def clean_text(value: object) -> str:
    """Text without the control characters Excel rejects (pasted text sometimes has them)."""
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


class SheetWriter:
    """Appends rows of styled cells to a write-only worksheet and counts them."""

    def __init__(self, ws):
        self.ws = ws
        self.row_count = 0
        self._arrays: dict[Style, object] = {}

    def _array(self, style: Style):
        array = self._arrays.get(style)
        if array is None:
            prototype = Cell(self.ws)
            for name in ("font", "fill", "border", "alignment", "number_format"):
                if getattr(style, name) is not None:
                    setattr(prototype, name, getattr(style, name))
            array = self._arrays[style] = prototype._style
        return array

    def value(self, value, style: Style = NUMBER) -> Cell:
        """A number, date or empty cell. Never pass text a user typed: use text()."""
        return Cell(self.ws, 1, 1, value, self._array(style))

    def text(self, value: object, style: Style = TEXT) -> Cell:
        """A text cell that stays text: one beginning with = + - @ is neither a formula nor made one on edit.

        openpyxl cuts text to Excel's 32,767 characters; control characters it refuses are dropped.
        """
        array = self._array(style)
        if value is None or value == "":
            return Cell(self.ws, 1, 1, None, array)
        text = value if isinstance(value, str) else str(value)
        try:
            cell = Cell(self.ws, 1, 1, text, array)
        except IllegalCharacterError:
            text = clean_text(text)
            cell = Cell(self.ws, 1, 1, text, array)
        cell.data_type = "s"  # openpyxl makes a string beginning with = a formula (# one an error); undo it
        if text.startswith(FORMULA_TRIGGERS):
            cell.quotePrefix = True  # Excel's leading apostrophe: it stays text when the cell is edited
        return cell

    def append(self, cells: Sequence) -> int:
        """Write one row; returns its number."""
        self.ws.append(cells)
        self.row_count += 1
        return self.row_count

    def blank(self) -> int:
        return self.append([])

    def merge(self, first_row: int, first_col: int, last_row: int, last_col: int) -> None:
        if (first_row, first_col) != (last_row, last_col):
            self.ws.merged_cells.add(
                f"{get_column_letter(first_col)}{first_row}:{get_column_letter(last_col)}{last_row}"
            )


@dataclass(frozen=True)
class PageInfo:
    """What every printed page names in its header: the plan and the as-of date."""

    plan_name: str
    as_of: date

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
    widths: Iterable[float],
    title_rows: str,
    freeze: str | None = None,
) -> None:
    """Column widths, frozen panes and the print set-up. Call before the first row is written.

    A4 landscape, fitted to one page wide, ``title_rows`` repeated on every page, the plan
    and the as-of date in the header and the page number in the footer.
    """
    for index, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(index)].width = width
    if freeze:
        ws.freeze_panes = freeze
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = 9  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as it takes
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.7, bottom=0.6, header=0.3, footer=0.3)
    ws.print_options.horizontalCentered = True
    ws.print_title_rows = title_rows
    ws.oddHeader.left.text = _header_text(page.plan_name)
    ws.oddHeader.center.text = "&A"  # the sheet's name
    ws.oddHeader.right.text = _header_text(f"基準日 {page.as_of_label}")
    ws.oddFooter.center.text = "&P / &N ページ"
