"""Reading the manager's workbook back the way a user's Excel would, and what the database says it should show."""

from __future__ import annotations

import io
import math
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string, get_column_letter

from measures.models import AnnualTarget, Measure, ProgressReport, grade_for_rate
from reports.filters import MeasureProgressFilter
from reports.workbook import ProgressExport, write_progress_workbook

GENERATED_AT = datetime(2021, 4, 5, 9, 30)


def export_bytes(data: dict | None = None, *, queryset=None) -> bytes:
    filterset = MeasureProgressFilter(data or {}, queryset=queryset)
    assert filterset.is_valid(), filterset.form.errors
    output = io.BytesIO()
    write_progress_workbook(ProgressExport.from_filter(filterset), output, generated_at=GENERATED_AT)
    return output.getvalue()


def open_workbook(content: bytes):
    return load_workbook(io.BytesIO(content))


def export_workbook(data: dict | None = None, *, queryset=None):
    return open_workbook(export_bytes(data, queryset=queryset))


def sheet_xml(content: bytes) -> dict[str, str]:
    """The raw XML of every worksheet: what Excel itself parses."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {
            name: archive.read(name).decode()
            for name in archive.namelist()
            if name.startswith("xl/worksheets/sheet")
        }


def values(ws) -> list[list]:
    """Every row's values, trailing empty cells dropped, as a reader sees them."""
    rows = []
    for row in ws.iter_rows(values_only=True):
        row = list(row)
        while row and row[-1] is None:
            row.pop()
        rows.append(row)
    return rows


def every_text(workbook) -> list[str]:
    return [
        str(cell.value) for ws in workbook for row in ws.iter_rows() for cell in row if cell.value is not None
    ]


def as_date(value) -> date | None:
    """Excel has no date type: openpyxl reads a date cell back as midnight."""
    return value.date() if isinstance(value, datetime) else value


@dataclass
class Expected:
    """What one measure-year should show, worked out from the models directly (not the selectors)."""

    target: AnnualTarget | None
    report: ProgressReport | None

    @property
    def rate(self):
        return self.target.achievement_rate(self.report.actual_value) if self.target and self.report else None

    def grade(self, plan):
        return grade_for_rate(list(plan.evaluation_scale.grades.all()), self.rate) if self.report else None


def expected_year(measure: Measure, year: int, as_of: date) -> Expected:
    report = (
        ProgressReport.objects.filter(
            measure=measure, fiscal_year=year, as_of__lte=as_of, withdrawn_on__isnull=True
        )
        .order_by("-as_of", "-id")
        .first()
    )
    return Expected(AnnualTarget.objects.filter(measure=measure, fiscal_year=year).first(), report)


def fill_rgb(cell) -> str | None:
    """The cell's solid background as RRGGBB, None when it has none."""
    if cell.fill is None or cell.fill.fill_type != "solid":
        return None
    return cell.fill.fgColor.rgb[-6:].upper()


# ---- The workbook on paper -----------------------------------------------------------------------
# Excel's column width is in characters of the workbook's standard font (Calibri 11: 7 px a digit,
# plus 5 px of padding); printed at 96 px to the inch. A4 landscape is 297 mm wide.
A4_LANDSCAPE_WIDTH_PT = 297 / 25.4 * 72
DEFAULT_COLUMN_WIDTH = 8.43
DEFAULT_FONT_SIZE = 11


def column_points(width: float | None) -> float:
    """A column's printed width at 100 %, in points."""
    return int((width or DEFAULT_COLUMN_WIDTH) * 7 + 5) * 72 / 96


def _title_columns(ws) -> int:
    """How many columns, from A, print_title_cols repeats on every page ("$A:$C" → 3)."""
    if not ws.print_title_cols:
        return 0
    last = ws.print_title_cols.split(":")[-1].replace("$", "")
    return column_index_from_string(last)


def _pages_across(widths: list[float], title_columns: int, page_width: float) -> int | None:
    """Pages a row of columns takes, cut between columns as Excel does, the title columns repeated."""
    titles = sum(widths[:title_columns])
    pages, used = 1, 0.0
    for width in widths:
        if width > page_width - (titles if pages > 1 else 0):
            return None  # a column wider than a page: never fits
        if used + width > page_width:
            pages += 1
            used = titles
        used += width
    return pages


def page_widths(ws) -> list[float]:
    """The printed width at 100 % of each page across, when the sheet names its page breaks:
    the title columns, then the columns up to the next break."""
    widths = [
        column_points(ws.column_dimensions[get_column_letter(c)].width) for c in range(1, ws.max_column + 1)
    ]
    titles = sum(widths[: _title_columns(ws)])
    starts = [1] + [brk.id + 1 for brk in ws.col_breaks.brk]
    ends = starts[1:] + [len(widths) + 1]
    return [(0 if s == 1 else titles) + sum(widths[s - 1 : e - 1]) for s, e in zip(starts, ends, strict=True)]


def printable_width(ws) -> float:
    return A4_LANDSCAPE_WIDTH_PT - (ws.page_margins.left + ws.page_margins.right) * 72


def printed_scale(ws) -> float:
    """The scale a sheet prints at: its own scale, or under "fit to page" the largest whole
    percent at which its columns (whole columns per page, print_title_cols repeated) fit in
    fitToWidth pages of the printable width of the page."""
    setup = ws.page_setup
    assert setup.orientation == "landscape" and str(setup.paperSize) == ws.PAPERSIZE_A4, ws.title
    if not ws.sheet_properties.pageSetUpPr.fitToPage:
        return int(setup.scale or 100) / 100
    widths = [
        column_points(ws.column_dimensions[get_column_letter(c)].width) for c in range(1, ws.max_column + 1)
    ]
    pages = int(setup.fitToWidth or 0)
    if pages == 0:
        return 1.0
    for percent in range(100, 9, -1):
        fitted = _pages_across(widths, _title_columns(ws), printable_width(ws) * 100 / percent)
        if fitted is not None and fitted <= pages:
            return percent / 100
    return 0.1


def smallest_font(ws) -> float:
    """The smallest font size of any cell that holds something."""
    return min(
        (cell.font.sz or DEFAULT_FONT_SIZE)
        for row in ws.iter_rows()
        for cell in row
        if cell.value is not None
    )


def text_units(text: str) -> int:
    """A text's width in Excel's column units: a full-width (CJK) character counts 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def lines_in(text: str, width: float) -> int:
    """The lines a wrapped text takes in a column ``width`` units wide."""
    per_line = max(int(width) - 1, 1)
    return sum(max(1, math.ceil(text_units(line) / per_line)) for line in str(text).split("\n"))
