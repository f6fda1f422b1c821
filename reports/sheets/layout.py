"""The workbook's look, shared by every sheet: its cell styles and its printed page.

The cell writer itself (text that is never a formula, write-only rows) is core.xlsx. This
module needs no database, so the benchmark's baseline styles its cells with it too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins

from core import fiscal
from core.xlsx import SheetWriter, Style, clean_text

HEADER_TEXT_MAX = 80  # Excel allows 255 characters for a whole header; the plan name gets this many
APPLICATION_NAME = "文京区官民データ活用推進計画 進捗管理"

THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")

TEXT = Style(border=BOX, alignment=Alignment(vertical="top", wrap_text=True))
CENTER = Style(border=BOX, alignment=Alignment(horizontal="center", vertical="top", wrap_text=True))
NUMBER = Style(border=BOX, alignment=Alignment(horizontal="right", vertical="top"))
DATE = Style(border=BOX, alignment=Alignment(horizontal="center", vertical="top"), number_format="yyyy/mm/dd")
# 達成率 is stored as a percentage (110.0), 進捗率 as a whole number from 0 to 100.
RATE = Style(border=BOX, alignment=Alignment(horizontal="right", vertical="top"), number_format='0.0"%"')
PERCENT = Style(border=BOX, alignment=Alignment(horizontal="right", vertical="top"), number_format='0"%"')
HEADER = Style(
    font=BOLD,
    fill=HEADER_FILL,
    border=BOX,
    alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
)
LABEL = Style(font=BOLD, fill=HEADER_FILL, border=BOX, alignment=Alignment(vertical="top", wrap_text=True))
TITLE = Style(font=Font(bold=True, size=14))
HEADING = Style(font=Font(bold=True, size=12))
NOTE = Style(alignment=Alignment(vertical="top"))


def sheet_writer(ws) -> SheetWriter:
    """A writer whose text cells are TEXT and whose number cells are NUMBER unless told otherwise."""
    return SheetWriter(ws, text_style=TEXT, value_style=NUMBER)


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
