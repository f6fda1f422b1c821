"""回答待ち: the figures that an open collection round (進捗照会) still awaits, one row per measure
and round, with the department that answers, its answer's state and the 回答期限. Written only
while a round is open (照会中 or 締切) and some answer is not yet 承認済."""

from __future__ import annotations

from openpyxl.utils import get_column_letter

from core import fiscal
from measures.sheets.cells import date_cell
from measures.sheets.layout import (
    CENTER,
    HEADER,
    NOTE,
    SHORT_DATE,
    TITLE,
    PageInfo,
    prepare_sheet,
    sheet_writer,
)
from rounds.selectors import AwaitedFigures

AWAITED_NOTE = (
    "所管課に照会中で、まだ承認していない施策の数値です。承認されると、"
    "施策別進捗と年度別のシートの数値が変わることがあります。"
)
# (heading, width): the round, then the measure, then who answers and how far it has got.
AWAITED_COLUMNS = (
    ("年度", 23),
    ("報告基準日", 11),
    ("回答期限", 11),
    ("照会の状態", 11),
    ("施策番号", 6),
    ("施策名", 36),
    ("回答する所管課", 16),
    ("回答の状況", 11),
)
HEADER_ROW = 3  # below the title and the note


def write_awaited(ws, *, page: PageInfo, awaited: AwaitedFigures) -> int:
    """回答待ち: each awaited figure, round by round, department by department. Returns the count."""
    widths = [width for _, width in AWAITED_COLUMNS]
    sheet = sheet_writer(ws, widths)
    prepare_sheet(ws, page=page, widths=widths, title_rows=f"{HEADER_ROW}:{HEADER_ROW}", freeze="A4")
    sheet.append([sheet.text("進捗照会の回答待ち", TITLE)])
    sheet.append([sheet.text(AWAITED_NOTE, NOTE)])
    sheet.append([sheet.text(heading, HEADER) for heading, _ in AWAITED_COLUMNS])
    for awaited_round in awaited.rounds:
        round_ = awaited_round.round
        year = fiscal.fiscal_year_label(round_.fiscal_year)
        for figure in awaited_round.figures:
            sheet.append(
                [
                    sheet.text(year, CENTER),
                    date_cell(sheet, round_.as_of, SHORT_DATE, short=True),
                    date_cell(sheet, round_.deadline, SHORT_DATE, short=True),
                    sheet.text(round_.get_state_display(), CENTER),
                    sheet.value(figure.measure_number, CENTER),
                    sheet.text(figure.measure_title),
                    sheet.text(figure.department_name),
                    sheet.text(figure.state_label, CENTER),
                ]
            )
    last = get_column_letter(len(AWAITED_COLUMNS))
    ws.auto_filter.ref = f"A{HEADER_ROW}:{last}{sheet.row_count}"
    return sheet.row_count - HEADER_ROW
