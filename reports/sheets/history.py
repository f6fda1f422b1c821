"""進捗履歴: every standing report up to the as-of date, newest first."""

from __future__ import annotations

from collections.abc import Iterable

from openpyxl.utils import get_column_letter

from core import fiscal
from core.xlsx import SheetWriter
from measures.selectors import HistoryEntry

from .cells import grade_cell, status_cell
from .layout import (
    CENTER,
    DATE,
    HEADER,
    NOTE,
    PERCENT,
    RATE,
    PageInfo,
    prepare_sheet,
    sheet_writer,
)

HISTORY_TITLE = "進捗履歴"

HISTORY_COLUMNS = (
    ("報告基準日", 12),
    ("施策番号", 6),
    ("施策名", 28),
    ("年度", 18),
    ("進捗状況", 10),
    ("実績値", 9),
    ("達成率", 8),
    ("評価", 6),
    ("進捗率", 8),
    ("取組実績", 44),
    ("報告者", 14),
)


def _history_cells(sheet: SheetWriter, entry: HistoryEntry, year_labels: dict[int, str]) -> list:
    report = entry.report
    if entry.fiscal_year not in year_labels:
        year_labels[entry.fiscal_year] = fiscal.fiscal_year_label(entry.fiscal_year)
    return [
        sheet.value(report.as_of, DATE),
        sheet.value(entry.measure_number),
        sheet.text(entry.measure_title),
        sheet.text(year_labels[entry.fiscal_year], CENTER),
        status_cell(sheet, report.status),
        sheet.value(report.actual_value),
        sheet.value(entry.rate, RATE),
        grade_cell(sheet, entry.grade),
        sheet.value(report.progress_percent, PERCENT),
        sheet.text(report.narrative),
        sheet.text(report.author),
    ]


def write_history(ws, *, page: PageInfo, entries: Iterable[HistoryEntry]) -> int:
    """進捗履歴: every report up to the as-of date, newest first. Returns the count."""
    sheet = sheet_writer(ws)
    prepare_sheet(ws, page=page, widths=[w for _, w in HISTORY_COLUMNS], title_rows="1:1", freeze="D2")
    sheet.append([sheet.text(heading, HEADER) for heading, _ in HISTORY_COLUMNS])
    year_labels: dict[int, str] = {}
    for entry in entries:
        sheet.append(_history_cells(sheet, entry, year_labels))
    count = sheet.row_count - 1
    if not count:
        sheet.append([sheet.text("基準日までの進捗報告はありません。", NOTE)])
        return 0
    ws.auto_filter.ref = f"A1:{get_column_letter(len(HISTORY_COLUMNS))}{sheet.row_count}"
    return count
