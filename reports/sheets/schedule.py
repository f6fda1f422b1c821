"""The schedule's sheet of the manager's progress workbook: 策定スケジュール, laid out as the ward's table.

One band row for the phases, one row per body, the months of the fiscal year April first,
and in each cell the marks that schedule.selectors gives every item and public comment.
"""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl.styles import Alignment

from core import fiscal
from core.xlsx import SheetWriter, Style, filled
from measures.sheets.exchange import SCHEDULE_TITLE
from measures.sheets.layout import (
    BOX,
    CENTER,
    HEADER,
    LABEL,
    NOTE,
    PLAIN,
    TEXT,
    TITLE,
    PageInfo,
    prepare_sheet,
    sheet_writer,
)
from schedule.models import ScheduledItem
from schedule.selectors import (
    ITEM_MARKS,
    SCHEDULE_LEGEND,
    GridCell,
    GridRow,
    PhaseCell,
    ScheduleGrid,
)

PHASE_ROW_LABEL = "全体スケジュール"
MARK = Style(font=PLAIN, border=BOX, alignment=Alignment(horizontal="center", vertical="center"))
HELD = filled(MARK, "#BDD7EE")
PUBLIC_COMMENT = filled(MARK, "#FFF2CC")
PHASE_BAND = filled(CENTER, "#E2EFDA")
WIDTHS = (28,) + (6,) * 12 + (40,)
NOTES_COLUMN = 14
# The schedule's legend (schedule.selectors.SCHEDULE_LEGEND), with the sheet's shading of held items.
LEGEND = tuple(
    f"{entry.mark} {entry.meaning}"
    + ("(網掛け)" if entry.mark == ITEM_MARKS[ScheduledItem.Status.HELD] else "")
    for entry in SCHEDULE_LEGEND
)


def _mark_cell(sheet: SheetWriter, cell: GridCell):
    text = "".join(m.mark for m in cell.items) + "".join(c.mark for c in cell.comments)
    if any(m.item.status == ScheduledItem.Status.HELD for m in cell.items):
        return sheet.text(text, HELD)
    return sheet.text(text, PUBLIC_COMMENT if cell.comments else MARK)


_date = fiscal.wareki_date_with_western


def _notes(row: GridRow) -> str:
    """The public comment's dates and results, which a month cell has no room for."""
    periods = {c.period.pk: c.period for cell in row.cells for c in cell.comments}.values()
    notes = []
    for period in periods:
        if period.start_date and period.end_date:  # the workbook's one date style
            dates = f"{_date(period.start_date)}〜{_date(period.end_date)}"
        else:
            dates = period.period_label
        note = f"{period.subject}: {dates}"
        if period.days:
            note += f"({period.days}日間)"
        if period.comments_received is not None:
            note += f"、意見{period.comments_received}件"
        if period.answers_published_on:
            note += f"、区の考え方公表 {_date(period.answers_published_on)}"
        notes.append(note)
    return "\n".join(notes)


def _phase_lane(sheet: SheetWriter, lane: Sequence[PhaseCell], label: str) -> None:
    cells, spans, column = [sheet.text(label, LABEL)], [], 2
    for phase_cell in lane:
        if phase_cell.phase is None:
            cells.extend(sheet.value(None, TEXT) for _ in range(phase_cell.span))
        else:
            cells.append(sheet.text(phase_cell.phase.name, PHASE_BAND))
            cells.extend(sheet.value(None, PHASE_BAND) for _ in range(phase_cell.span - 1))
            spans.append((column, column + phase_cell.span - 1))
        column += phase_cell.span
    row = sheet.append(
        cells + [sheet.value(None, TEXT)], spans={first: last - first + 1 for first, last in spans}
    )
    for first, last in spans:
        sheet.merge(row, first, row, last)


def _grid(sheet: SheetWriter, grid: ScheduleGrid) -> None:
    top = sheet.append(
        [sheet.value(None, HEADER), sheet.text(fiscal.fiscal_year_label(grid.table.fiscal_year), HEADER)]
        + [sheet.value(None, HEADER) for _ in range(11)]
        + [sheet.text("備考", HEADER)]
    )
    sheet.append(
        [sheet.value(None, HEADER)]
        + [sheet.text(fiscal.month_label(month), HEADER) for month in grid.table.months]
        + [sheet.value(None, HEADER)]
    )
    sheet.merge(top, 1, top + 1, 1)
    sheet.merge(top, 2, top, 13)
    sheet.merge(top, NOTES_COLUMN, top + 1, NOTES_COLUMN)
    for index, lane in enumerate(grid.phase_lanes):
        _phase_lane(sheet, lane, PHASE_ROW_LABEL if index == 0 else "")
    for row in grid.rows:
        sheet.append(
            [sheet.text(row.body.label, LABEL)]
            + [_mark_cell(sheet, cell) for cell in row.cells]
            + [sheet.text(_notes(row), TEXT)]
        )


def write_schedule(ws, *, page: PageInfo, grids: Sequence[ScheduleGrid]) -> None:
    """策定スケジュール: each fiscal year's table as the ward drew it, then the legend."""
    sheet = sheet_writer(ws, WIDTHS)
    prepare_sheet(ws, page=page, widths=WIDTHS, title_rows="1:3")
    sheet.append([sheet.text(SCHEDULE_TITLE, TITLE)])
    for grid in grids:
        _grid(sheet, grid)
        sheet.blank()
    if not grids:
        sheet.append([sheet.text("策定スケジュールが登録されていません。", NOTE)])
        return
    sheet.append([sheet.text("凡例: " + " ".join(LEGEND), NOTE)])
