"""The formula-safe xlsx cell writer: styled cells for openpyxl's write-only mode, text never a formula.

Sheets are written in openpyxl's write-only mode: a row goes to disk as soon as it is
appended, so memory stays flat however many rows there are. That mode fixes an order:
column widths, frozen panes and page properties must be set before the first row;
merges, filters and conditional formats may follow the rows.

The workbook's own look (styles, print set-up) lives with the year sheet's format, in measures.sheets.layout.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from urllib.parse import quote

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter

# A text beginning with one of these is a formula (or a DDE payload) to Excel and to CSV readers.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def attachment(filename: str, ascii_filename: str) -> str:
    """A download's Content-Disposition (RFC 5987): the Japanese name, and an ASCII one for older clients."""
    return f"attachment; filename=\"{ascii_filename}\"; filename*=UTF-8''{quote(filename)}"


# Excel's most characters in a cell, counted in UTF-16 units (a character beyond U+FFFF is two).
EXCEL_CELL_MAX = 32_767
# Ends a text cut to fit one cell, so the reader knows there was more.
CUT_MARK = "…(以下省略)"
_COLOR_RE = re.compile(r"^#?([0-9A-Fa-f]{6})$")
# Values openpyxl writes as numbers as they are (bool is not one of them: it is written as a boolean).
_PLAIN_NUMBERS = frozenset({int, float, Decimal})


@dataclass(frozen=True, eq=False)
class Style:
    """A cell style, defined once at module level and turned into openpyxl's form once per sheet.

    Compared by identity (eq=False): a sheet looks its styles up once per cell, and hashing
    the fonts and fills inside on every lookup would cost more than writing the cell.
    """

    font: Font | None = None
    fill: PatternFill | None = None
    border: Border | None = None
    alignment: Alignment | None = None
    number_format: str | None = None
    protection: Protection | None = None  # only counts on a protected sheet (the department's template)


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
        style.font,
        PatternFill("solid", fgColor=rgb),
        style.border,
        style.alignment,
        style.number_format,
        style.protection,
    )


@lru_cache(maxsize=256)
def formatted(style: Style, number_format: str) -> Style:
    """The style with another number format (a date in an era's first year has its own)."""
    return Style(style.font, style.fill, style.border, style.alignment, number_format, style.protection)


UNLOCKED = Protection(locked=False)


@lru_cache(maxsize=256)
def unlocked(style: Style, fill: PatternFill | None = None) -> Style:
    """The style of a cell to fill in on a protected sheet: not locked, and on ``fill`` when given."""
    return Style(style.font, fill or style.fill, style.border, style.alignment, style.number_format, UNLOCKED)


# Row heights. Excel and LibreOffice grow a row for wrapped text only when they lay the sheet
# out themselves; a row written here keeps the default height unless it is given one, and the
# second line of a wrapped cell then overlaps the next row. So the writer estimates the lines.
DEFAULT_FONT_SIZE = 11  # points: the size column widths are counted in
LINE_HEIGHT = 1.5  # a line's height per point of font size (Japanese fonts need about 1.4)
ROW_PADDING = 3  # points above and below the text
EXCEL_ROW_MAX = 409  # points: Excel's tallest row


def text_units(text: str) -> float:
    """A text's width in column-width units, a full-width (CJK) character counting as two.

    Counted from the UTF-8 length, which is fast over 50,000 rows: a character of one byte
    (ASCII) is one unit, one of three or four bytes (CJK, kana, full-width forms, emoji, and a
    few narrow symbols such as ○) two, one of two bytes (accented Latin, Greek) one and a half.
    Never less than the East Asian width, so a row is never too short.
    """
    return (len(text) + len(text.encode("utf-8"))) / 2


def wrapped_lines(text: str, width: float, size: float = DEFAULT_FONT_SIZE) -> int:
    """The lines ``text`` takes when wrapped in a column ``width`` units wide (a little generously:
    glyphs are wider than their units in some fonts, and words break early)."""
    per_line = max(int(width) - 1, 1)
    scale = 1.05 * size / DEFAULT_FONT_SIZE
    if "\n" not in text:
        return max(1, math.ceil(text_units(text) * scale / per_line))
    return sum(max(1, math.ceil(text_units(line) * scale / per_line)) for line in text.split("\n"))


def starts_formula(text: str) -> bool:
    """Whether a spreadsheet would read ``text`` as a formula (or a DDE payload): the one rule,
    used by the workbook's cells (Excel's quote prefix) and by the open-data CSV (csv_text)."""
    return text.startswith(FORMULA_TRIGGERS)


def csv_text(value: str) -> str:
    """A CSV cell that no spreadsheet opens as a formula: one beginning with = + - @, a tab or a
    carriage return gets a leading apostrophe (OWASP's advice for CSV injection), the rest is
    left exactly as typed. Only for text: numbers and dates are written as they are."""
    return "'" + value if starts_formula(value) else value


def clean_text(value: object) -> str:
    """Text without the control characters Excel rejects (pasted text sometimes has them)."""
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def fit_cell(text: str) -> str:
    """The text, or when Excel cannot hold it in one cell its beginning ending with CUT_MARK."""
    if len(text) <= EXCEL_CELL_MAX // 2:
        return text  # even if every character took two UTF-16 units
    units = text.encode("utf-16-le")
    if len(units) // 2 <= EXCEL_CELL_MAX:
        return text
    keep = (EXCEL_CELL_MAX - len(CUT_MARK)) * 2
    # errors="ignore" drops the half of a surrogate pair the cut may leave at the end.
    return units[:keep].decode("utf-16-le", errors="ignore") + CUT_MARK


def _take_cells_as_they_are(ws) -> None:
    """Let the write-only sheet take the cells it is given without trying each as a value first.

    openpyxl's WriteOnlyWorksheet._values_to_row sets every appended object as the value of a
    scratch cell and, when that fails with a ValueError whose message formats the cell's repr,
    takes the object as the cell: for a row of ready cells that is about 7 % of the export's
    time (make bench). This sheet's version yields the cells directly, anything else as openpyxl
    does; the XML written is the same.
    """
    original = ws._values_to_row

    def values_to_row(values, row_idx):
        if not all(type(value) is Cell and value._hyperlink is None for value in values):
            yield from original(values, row_idx)
            return
        for column, cell in enumerate(values, 1):
            cell.column = column
            cell.row = row_idx
            yield cell

    ws._values_to_row = values_to_row


class SheetWriter:
    """Appends rows of styled cells to a write-only worksheet and counts them."""

    def __init__(self, ws, *, text_style: Style, value_style: Style, widths: Sequence[float] = ()):
        """``widths``: the columns' widths, from which each row's height is worked out."""
        self.ws = ws
        self.row_count = 0
        self.text_style = text_style
        self.value_style = value_style
        self.widths = list(widths)
        self._arrays: dict[Style, object] = {}
        self._pools: dict[Style, list[Cell]] = {}
        _take_cells_as_they_are(ws)
        self._out: dict[int, tuple[Style, Cell]] = {}
        self._wraps: dict[tuple[int, int], tuple[bool, float]] = {}

    def _array(self, style: Style):
        array = self._arrays.get(style)
        if array is None:
            prototype = Cell(self.ws)
            for name in ("font", "fill", "border", "alignment", "number_format", "protection"):
                if getattr(style, name) is not None:
                    setattr(prototype, name, getattr(style, name))
            array = self._arrays[style] = prototype._style
        return array

    # Cells are reused: a cell handed out by value() or text() goes back to its style's pool once the
    # row that holds it has been written (append), and the next cell of that style is that object with
    # a new value. openpyxl's write-only mode writes a row when it is appended and keeps no cell, so
    # this writes the same XML as fresh cells while sparing an object per cell (make bench).
    def _cell(self, style: Style) -> Cell:
        pool = self._pools.get(style)
        if pool:
            cell = pool.pop()
        else:
            cell = Cell(self.ws, 1, 1, None, self._array(style))
        self._out[id(cell)] = (style, cell)
        return cell

    def value(self, value, style: Style | None = None) -> Cell:
        """A number, date or empty cell. Never pass text a user typed: use text()."""
        style = style or self.value_style
        if value is None or type(value) in _PLAIN_NUMBERS:
            cell = self._cell(style)
            cell._value = value
            cell.data_type = "n"
            return cell
        # Dates and the rest: openpyxl's own conversion, in a cell of its own (it may change the style).
        return Cell(self.ws, 1, 1, value, self._array(style))

    def text(self, value: object, style: Style | None = None) -> Cell:
        """A text cell that stays text: one beginning with = + - @ is neither a formula nor made one on edit.

        A text longer than a cell holds is cut and ends with CUT_MARK (openpyxl alone would cut it
        without a sign); control characters Excel refuses are dropped.
        """
        style = style or self.text_style
        if value is None or value == "":
            cell = self._cell(style)
            cell._value = None
            cell.data_type = "n"
            return cell
        text = fit_cell(value if isinstance(value, str) else str(value))
        if ILLEGAL_CHARACTERS_RE.search(text):  # what openpyxl refuses (IllegalCharacterError)
            text = clean_text(text)
        if starts_formula(text):
            # Excel's leading apostrophe: it stays text when the cell is edited. It changes the
            # cell's style, so this cell is not reused.
            cell = Cell(self.ws, 1, 1, None, self._array(style))
            cell.quotePrefix = True
        else:
            cell = self._cell(style)
        # Set as text directly: openpyxl would make a string beginning with = a formula (# one an error).
        cell._value = text
        cell.data_type = "s"
        return cell

    def _wrap(self, cell: Cell) -> tuple[bool, float]:
        """Whether a cell's style wraps its text, and its font size (looked up once per style)."""
        style = cell._style
        key = (style.alignmentId, style.fontId)
        found = self._wraps.get(key)
        if found is None:
            found = self._wraps[key] = (bool(cell.alignment.wrap_text), cell.font.sz or DEFAULT_FONT_SIZE)
        return found

    def height(self, cells: Sequence, spans: dict[int, int] | None = None) -> float | None:
        """The height the row needs for its wrapped text, in points; None when one line does.

        ``spans``: {column: how many columns the cell at that column will be merged over}.
        """
        spans = spans or {}
        lines, size = 1, DEFAULT_FONT_SIZE
        for index, cell in enumerate(cells[: len(self.widths)]):
            text = cell._value if isinstance(cell, Cell) else None
            if not isinstance(text, str):
                continue
            wraps, cell_size = self._wrap(cell)
            size = max(size, cell_size)
            if not wraps:
                continue
            width = (
                self.widths[index]
                if index + 1 not in spans
                else sum(self.widths[index : index + spans[index + 1]])
            )
            if "\n" not in text and len(text) * 2 * 1.05 * cell_size / DEFAULT_FONT_SIZE <= int(width) - 1:
                continue  # one line even if every character were full-width (as wrapped_lines counts)
            lines = max(lines, wrapped_lines(text, width, cell_size))
        if lines == 1 and size <= DEFAULT_FONT_SIZE:
            return None
        return min(lines * size * LINE_HEIGHT + ROW_PADDING, EXCEL_ROW_MAX)

    def append(self, cells: Sequence, *, spans: dict[int, int] | None = None) -> int:
        """Write one row, as tall as its wrapped text needs when the column widths are known; returns its number.

        ``spans`` names the cells that will be merged across columns (see height()).
        """
        number = self.row_count + 1
        height = self.height(cells, spans) if self.widths else None
        if height is not None:
            # Write-only rows are written as they are appended, reading their dimension then;
            # it is dropped afterwards so that 50,000 rows keep no 50,000 objects.
            self.ws.row_dimensions[number].height = height
        self.ws.append(cells)
        if height is not None:
            del self.ws.row_dimensions[number]
        out, pools = self._out, self._pools
        for cell in cells:
            handed = out.pop(id(cell), None)
            if handed is not None:
                pools.setdefault(handed[0], []).append(cell)
        self.row_count = number
        return number

    def blank(self) -> int:
        return self.append([])

    def merge(self, first_row: int, first_col: int, last_row: int, last_col: int) -> None:
        if (first_row, first_col) != (last_row, last_col):
            self.ws.merged_cells.add(
                f"{get_column_letter(first_col)}{first_row}:{get_column_letter(last_col)}{last_row}"
            )
