"""進捗履歴: every report up to the as-of date, newest first, withdrawn ones included and marked."""

from __future__ import annotations

from collections.abc import Iterable

from openpyxl.utils import get_column_letter

from core import fiscal
from core.xlsx import SheetWriter, filled
from measures.selectors import HistoryEntry
from measures.sheets.cells import date_cell, grade_cell, status_cell
from measures.sheets.layout import (
    CENTER,
    DATE_WIDTH,
    HEADER,
    NOTE,
    PERCENT,
    RATE,
    TEXT,
    PageInfo,
    fraction,
    prepare_sheet,
    sheet_writer,
)

WITHDRAWN_MARK = "(取り下げ)"
WITHDRAWN = filled(CENTER, "#D9D9D9")

# On paper a report is read across: the whole row fits one A4 page wide (fitted, at 79 %, so that
# text still prints at 8 pt where LibreOffice lays the columns out 8 % wider). So the texts wrap
# in narrow columns, and the withdrawal is one column, its date written out before the reason.
HISTORY_COLUMNS = (
    ("報告基準日", DATE_WIDTH),
    ("施策番号", 5),
    ("施策名", 15),
    ("年度", 12),
    ("進捗状況", 10),
    ("実績値", 9),
    ("達成率", 8),
    ("評価", 5),
    ("進捗率", 7),
    ("取組実績", 19),
    ("課題", 14),
    ("今後の方向性", 14),
    ("報告者", 8),
    ("取り下げ", 14),
)


def _withdrawal(entry: HistoryEntry) -> str:
    """The day, then the reason, and who withdrew the report when that is recorded."""
    withdrawal = entry.withdrawal
    who = f"(取り下げ: {withdrawal.withdrawn_by})" if withdrawal.withdrawn_by else ""
    return f"{fiscal.wareki_date_with_western(withdrawal.withdrawn_on)}\n{withdrawal.reason}{who}"


def _history_cells(sheet: SheetWriter, entry: HistoryEntry, year_labels: dict[int, str]) -> list:
    report = entry.report
    if entry.fiscal_year not in year_labels:
        year_labels[entry.fiscal_year] = fiscal.fiscal_year_label(entry.fiscal_year)
    withdrawn = entry.withdrawal is not None
    return [
        date_cell(sheet, report.as_of),
        sheet.value(entry.measure_number),
        sheet.text(entry.measure_title),
        sheet.text(year_labels[entry.fiscal_year], CENTER),
        sheet.text(f"{WITHDRAWN_MARK} {report.status}", WITHDRAWN)
        if withdrawn
        else status_cell(sheet, report.status),
        sheet.value(report.actual_value),
        sheet.value(fraction(entry.rate), RATE),
        grade_cell(sheet, entry.grade),
        sheet.value(fraction(report.progress_percent), PERCENT),
        sheet.text(report.narrative),
        sheet.text(report.issues),
        sheet.text(report.next_steps),
        sheet.text(report.author),
        sheet.text(_withdrawal(entry) if withdrawn else "", TEXT),
    ]


def write_history(ws, *, page: PageInfo, entries: Iterable[HistoryEntry]) -> int:
    """進捗履歴: every report up to the as-of date, newest first. Returns the count.

    A withdrawn report stays on the list, marked 取り下げ in its status, with the date and the
    reason; it counts on no other sheet.
    """
    widths = [w for _, w in HISTORY_COLUMNS]
    sheet = sheet_writer(ws, widths)
    prepare_sheet(ws, page=page, widths=widths, title_rows="1:1", freeze="D2", fit_width=True)
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
