"""施策別進捗: one row per measure, each fiscal year's figures under its merged label."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from openpyxl.formatting.rule import DataBarRule
from openpyxl.utils import get_column_letter

from core import fiscal
from core.xlsx import SheetWriter
from measures.selectors import MeasureProgress, YearProgress
from measures.sheets.cells import date_cell, grade_cell, status_cell
from measures.sheets.layout import (
    CENTER,
    DATE_WIDTH,
    HEADER,
    NOTE,
    PERCENT,
    RATE,
    PageInfo,
    fraction,
    prepare_sheet,
    sheet_writer,
)
from rounds.selectors import AwaitedFigures

DATA_BAR = DataBarRule(start_type="num", start_value=0, end_type="num", end_value=1, color="5B9BD5")

# (heading, column width) of the progress sheet: before the years, for each year, after them.
PROGRESS_LEADING = (("施策番号", 5), ("目的", 5), ("施策名", 28), ("所管課", 14), ("施策のキーワード", 16))
PROGRESS_PER_YEAR = (
    ("年度目標", 24),
    ("指標(単位)", 14),
    ("目標値", 9),
    ("実績値", 9),
    ("達成率", 8),
    ("評価", 6),
    ("進捗状況", 11),
    ("進捗率", 8),
)
PROGRESS_TRAILING = (
    ("最新の取組実績", 36),
    ("課題", 28),
    ("今後の方向性", 28),
    ("最新の報告基準日", DATE_WIDTH),
)
# While a round (進捗照会) is open and awaits some figures, one more column says which, row by row.
PROGRESS_AWAITED = ("照会の状況", 30)
PROGRESS_FREEZE = "D3"  # below the two header rows, right of 施策名
# On screen the years sit side by side; on paper each year begins a page, and so do the latest
# report's texts, 施策番号, 目的 and 施策名 repeated on each. For a meeting, each year's own sheet
# fits one page (years.py).
PROGRESS_TITLE_COLUMNS = 3


def _year_cells(sheet: SheetWriter, year: YearProgress) -> list:
    target, report = year.target, year.report
    return [
        sheet.text(target.target_text if target else ""),
        sheet.text(target.indicator if target else ""),
        sheet.value(target.target_value if target else None),
        sheet.value(report.actual_value if report else None),
        sheet.value(fraction(year.rate), RATE),
        grade_cell(sheet, year.grade),
        status_cell(sheet, report.status if report else None),
        sheet.value(fraction(report.progress_percent) if report else None, PERCENT),
    ]


def _trailing(awaited: AwaitedFigures) -> tuple[tuple[str, float], ...]:
    return PROGRESS_TRAILING + ((PROGRESS_AWAITED,) if awaited else ())


def _awaited_text(row: MeasureProgress, awaited: AwaitedFigures) -> str:
    """回答待ち 令和3年度(2021年度): 広報課 入力中、回答期限 令和3年10月15日: one line a year awaited."""
    return "\n".join(
        f"回答待ち {fiscal.fiscal_year_label(figure.round.fiscal_year)}: {figure.department_name} "
        f"{figure.state_label}、回答期限 {fiscal.wareki_date(figure.deadline)}"
        for figure in awaited.of_measure(row.pk, [year.fiscal_year for year in row.years])
    )


def _progress_cells(sheet: SheetWriter, row: MeasureProgress, awaited: AwaitedFigures) -> list:
    cells = [
        sheet.value(row.number),
        sheet.text(row.purpose.code, CENTER),
        sheet.text(row.title),
        sheet.text("、".join(row.departments)),
        sheet.text("、".join(row.keywords)),
    ]
    for year in row.years:
        cells.extend(_year_cells(sheet, year))
    latest = row.latest_report
    cells += [
        sheet.text(latest.narrative if latest else ""),
        sheet.text(latest.issues if latest else ""),
        sheet.text(latest.next_steps if latest else ""),
        date_cell(sheet, latest.as_of if latest else None),
    ]
    if awaited:
        cells.append(sheet.text(_awaited_text(row, awaited)))
    return cells


def _progress_header(sheet: SheetWriter, years: Sequence[int], awaited: AwaitedFigures) -> None:
    """Two header rows: a fiscal year's label merged over its columns, the figures beneath it."""
    top, bottom = [], []
    for heading, _ in PROGRESS_LEADING:
        top.append(sheet.text(heading, HEADER))
        bottom.append(sheet.value(None, HEADER))
    for year in years:
        top.append(sheet.text(fiscal.fiscal_year_label(year), HEADER))
        top.extend(sheet.value(None, HEADER) for _ in PROGRESS_PER_YEAR[1:])
        bottom.extend(sheet.text(heading, HEADER) for heading, _ in PROGRESS_PER_YEAR)
    for heading, _ in _trailing(awaited):
        top.append(sheet.text(heading, HEADER))
        bottom.append(sheet.value(None, HEADER))
    sheet.append(top)
    sheet.append(bottom)
    leading, per_year = len(PROGRESS_LEADING), len(PROGRESS_PER_YEAR)
    for column in range(1, leading + 1):
        sheet.merge(1, column, 2, column)
    for index in range(len(years)):
        first = leading + 1 + index * per_year
        sheet.merge(1, first, 1, first + per_year - 1)
    trailing_start = leading + len(years) * per_year + 1
    for column in range(trailing_start, trailing_start + len(_trailing(awaited))):
        sheet.merge(1, column, 2, column)


def progress_widths(years: Sequence[int], awaited: AwaitedFigures) -> list[float]:
    widths = [w for _, w in PROGRESS_LEADING]
    for _ in years:
        widths.extend(w for _, w in PROGRESS_PER_YEAR)
    return widths + [w for _, w in _trailing(awaited)]


def progress_page_breaks(years: Sequence[int], awaited: AwaitedFigures) -> list[int]:
    """The columns that begin a printed page: each year after the first, then the trailing texts,
    then 照会の状況 when there is one (beside the texts it would print them below 8 pt)."""
    leading, per_year = len(PROGRESS_LEADING), len(PROGRESS_PER_YEAR)
    breaks = [leading + 1 + index * per_year for index in range(1, len(years) + 1)]
    if awaited:
        breaks.append(breaks[-1] + len(PROGRESS_TRAILING))
    return breaks


def write_progress(
    ws, *, page: PageInfo, years: Sequence[int], rows: Iterable[MeasureProgress], awaited: AwaitedFigures
) -> int:
    """施策別進捗: one row per measure, each fiscal year's figures under its merged label, and while
    a round is open, which of them it still awaits (照会の状況). Returns the count."""
    widths = progress_widths(years, awaited)
    sheet = sheet_writer(ws, widths)
    prepare_sheet(
        ws,
        page=page,
        widths=widths,
        title_rows="1:2",
        title_columns=PROGRESS_TITLE_COLUMNS,
        page_breaks=progress_page_breaks(years, awaited),
        freeze=PROGRESS_FREEZE,
    )
    _progress_header(sheet, years, awaited)
    for row in rows:
        sheet.append(_progress_cells(sheet, row, awaited))
    count = sheet.row_count - 2
    if not count:
        sheet.append([sheet.text("条件に合う施策はありません。", NOTE)])
        return 0
    last_column = get_column_letter(len(widths))
    ws.auto_filter.ref = f"A2:{last_column}{sheet.row_count}"
    for index in range(len(years)):  # 進捗率 is the last column of each year
        column = get_column_letter(len(PROGRESS_LEADING) + (index + 1) * len(PROGRESS_PER_YEAR))
        ws.conditional_formatting.add(f"{column}3:{column}{sheet.row_count}", DATA_BAR)
    return count
