"""The measures' sheets of the manager's progress workbook: 概要, 施策別進捗 and 進捗履歴.

Each function writes one sheet from rows the selectors stream to it; bunkyo.workbook puts
the sheets together. Headings are Japanese; status and evaluation cells are coloured but
also carry their symbol and name, so a black-and-white print loses nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from openpyxl.formatting.rule import DataBarRule
from openpyxl.utils import get_column_letter

from . import fiscal
from .models import EvaluationGrade, ProgressStatus
from .selectors import UNREPORTED_LABEL, HistoryEntry, MeasureFigures, ProgressSummary, YearFigures
from .xlsx import (
    CENTER,
    DATE,
    HEADER,
    HEADING,
    LABEL,
    NOTE,
    PERCENT,
    RATE,
    TEXT,
    TITLE,
    PageInfo,
    SheetWriter,
    filled,
    prepare_sheet,
)

OVERVIEW_TITLE = "概要"
PROGRESS_TITLE = "施策別進捗"
HISTORY_TITLE = "進捗履歴"

DATA_BAR = DataBarRule(start_type="num", start_value=0, end_type="num", end_value=100, color="5B9BD5")

# (heading, column width) of the progress sheet: before the years, for each year, after them.
PROGRESS_LEADING = (("施策番号", 6), ("目的", 5), ("施策名", 28), ("所管課", 14), ("施策のキーワード", 16))
PROGRESS_PER_YEAR = (
    ("年度目標", 24),
    ("指標(単位)", 14),
    ("目標値", 9),
    ("実績値", 9),
    ("達成率", 8),
    ("評価", 6),
    ("進捗状況", 10),
    ("進捗率", 8),
)
PROGRESS_TRAILING = (("最新の取組実績", 36), ("課題", 28), ("今後の方向性", 28), ("最新の報告基準日", 12))
PROGRESS_FREEZE = "D3"  # below the two header rows, right of 施策名

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

OVERVIEW_WIDTHS = (26,) + (11,) * 14
OVERVIEW_FACT_SPAN = 10  # a fact's value is merged over this many columns


@dataclass(frozen=True)
class Legend:
    """The plan's statuses and grades, in their configured order: column order and colours."""

    statuses: Sequence[ProgressStatus]
    grades: Sequence[EvaluationGrade]


def _status_cell(sheet: SheetWriter, status: ProgressStatus | None):
    if status is None:
        return sheet.text(UNREPORTED_LABEL, CENTER)
    return sheet.text(str(status), filled(CENTER, status.color))


def _grade_cell(sheet: SheetWriter, grade: EvaluationGrade | None):
    if grade is None:
        return sheet.value(None, CENTER)
    return sheet.text(grade.code, filled(CENTER, grade.color))


def _indicator(year: YearFigures) -> str:
    target = year.target
    if target is None or not target.indicator_name:
        return ""
    return (
        f"{target.indicator_name}({target.indicator_unit})"
        if target.indicator_unit
        else target.indicator_name
    )


def _year_cells(sheet: SheetWriter, year: YearFigures) -> list:
    target, report = year.target, year.report
    return [
        sheet.text(target.text if target else ""),
        sheet.text(_indicator(year)),
        sheet.value(target.target_value if target else None),
        sheet.value(report.actual_value if report else None),
        sheet.value(year.rate, RATE),
        _grade_cell(sheet, year.grade),
        _status_cell(sheet, report.status if report else None),
        sheet.value(report.progress_percent if report else None, PERCENT),
    ]


def _progress_cells(sheet: SheetWriter, row: MeasureFigures) -> list:
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
    return cells + [
        sheet.text(latest.narrative if latest else ""),
        sheet.text(latest.issues if latest else ""),
        sheet.text(latest.next_steps if latest else ""),
        sheet.value(latest.as_of if latest else None, DATE),
    ]


def _progress_header(sheet: SheetWriter, years: Sequence[int]) -> None:
    """Two header rows: a fiscal year's label merged over its columns, the figures beneath it."""
    top, bottom = [], []
    for heading, _ in PROGRESS_LEADING:
        top.append(sheet.text(heading, HEADER))
        bottom.append(sheet.value(None, HEADER))
    for year in years:
        top.append(sheet.text(fiscal.fiscal_year_label(year), HEADER))
        top.extend(sheet.value(None, HEADER) for _ in PROGRESS_PER_YEAR[1:])
        bottom.extend(sheet.text(heading, HEADER) for heading, _ in PROGRESS_PER_YEAR)
    for heading, _ in PROGRESS_TRAILING:
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
    for column in range(trailing_start, trailing_start + len(PROGRESS_TRAILING)):
        sheet.merge(1, column, 2, column)


def progress_widths(years: Sequence[int]) -> list[float]:
    widths = [w for _, w in PROGRESS_LEADING]
    for _ in years:
        widths.extend(w for _, w in PROGRESS_PER_YEAR)
    return widths + [w for _, w in PROGRESS_TRAILING]


def write_progress(ws, *, page: PageInfo, years: Sequence[int], rows: Iterable[MeasureFigures]) -> int:
    """施策別進捗: one row per measure, each fiscal year's figures under its merged label. Returns the count."""
    sheet = SheetWriter(ws)
    prepare_sheet(ws, page=page, widths=progress_widths(years), title_rows="1:2", freeze=PROGRESS_FREEZE)
    _progress_header(sheet, years)
    for row in rows:
        sheet.append(_progress_cells(sheet, row))
    count = sheet.row_count - 2
    if not count:
        sheet.append([sheet.text("条件に合う施策はありません。", NOTE)])
        return 0
    last_column = get_column_letter(len(progress_widths(years)))
    ws.auto_filter.ref = f"A2:{last_column}{sheet.row_count}"
    for index in range(len(years)):  # 進捗率 is the last column of each year
        column = get_column_letter(len(PROGRESS_LEADING) + (index + 1) * len(PROGRESS_PER_YEAR))
        ws.conditional_formatting.add(f"{column}3:{column}{sheet.row_count}", DATA_BAR)
    return count


def _history_cells(sheet: SheetWriter, entry: HistoryEntry, year_labels: dict[int, str]) -> list:
    if entry.fiscal_year not in year_labels:
        year_labels[entry.fiscal_year] = fiscal.fiscal_year_label(entry.fiscal_year)
    return [
        sheet.value(entry.as_of, DATE),
        sheet.value(entry.measure_number),
        sheet.text(entry.measure_title),
        sheet.text(year_labels[entry.fiscal_year], CENTER),
        _status_cell(sheet, entry.status),
        sheet.value(entry.actual_value),
        sheet.value(entry.rate, RATE),
        _grade_cell(sheet, entry.grade),
        sheet.value(entry.progress_percent, PERCENT),
        sheet.text(entry.narrative),
        sheet.text(entry.author),
    ]


def write_history(ws, *, page: PageInfo, entries: Iterable[HistoryEntry]) -> int:
    """進捗履歴: every report up to the as-of date, newest first. Returns the count."""
    sheet = SheetWriter(ws)
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


def _fact_row(sheet: SheetWriter, label: str, value: str) -> None:
    row = sheet.append(
        [sheet.text(label, LABEL), sheet.text(value)]
        + [sheet.value(None, TEXT) for _ in range(OVERVIEW_FACT_SPAN - 1)]
    )
    sheet.merge(row, 2, row, 1 + OVERVIEW_FACT_SPAN)


def _summary_table(
    sheet: SheetWriter, heading: str, summaries: list[ProgressSummary], legend: Legend
) -> None:
    sheet.append([sheet.text(heading, HEADING)])
    sheet.append(
        [sheet.text("区分", HEADER)]
        + [sheet.text(str(status), filled(HEADER, status.color)) for status in legend.statuses]
        + [sheet.text(UNREPORTED_LABEL, HEADER)]
        + [sheet.text(f"評価 {grade.code}", filled(HEADER, grade.color)) for grade in legend.grades]
        + [sheet.text("合計", HEADER), sheet.text("平均進捗率", HEADER)]
    )
    for summary in summaries:
        sheet.append(
            [sheet.text(summary.label)]
            + [sheet.value(summary.by_status.get(status.name, 0)) for status in legend.statuses]
            + [sheet.value(summary.unreported)]
            + [sheet.value(summary.by_grade.get(grade.code, 0)) for grade in legend.grades]
            + [sheet.value(summary.total), sheet.value(summary.average_progress, RATE)]
        )
    if not summaries:
        sheet.append([sheet.text("該当する施策はありません。", NOTE)])
    sheet.blank()


def _grade_meaning(grade: EvaluationGrade) -> str:
    label = grade.label or grade.code
    if grade.min_rate is None:
        return f"{label}(目標値または実績値がない)"
    return f"{label}(達成率{grade.min_rate.normalize():f}%以上)"


def _legend(sheet: SheetWriter, legend: Legend) -> None:
    sheet.append([sheet.text("凡例", HEADING)])
    for status in legend.statuses:
        sheet.append([sheet.text("進捗状況", LABEL), sheet.text(str(status), filled(CENTER, status.color))])
    for grade in legend.grades:
        row = sheet.append(
            [
                sheet.text("評価", LABEL),
                sheet.text(grade.code, filled(CENTER, grade.color)),
                sheet.text(_grade_meaning(grade)),
                *[sheet.value(None, TEXT) for _ in range(3)],
            ]
        )
        sheet.merge(row, 3, row, 6)
    sheet.append([sheet.text("集計の単位は「施策×年度」です。達成率 = 実績値 ÷ 目標値 × 100。", NOTE)])


def write_overview(
    ws,
    *,
    page: PageInfo,
    period_label: str,
    filters: Sequence[tuple[str, str]],
    measure_count: int,
    generated_at: datetime,
    summaries: dict[str, list[ProgressSummary]],
    legend: Legend,
) -> None:
    """概要: the plan, the date, the filters, and the counts by status and evaluation."""
    sheet = SheetWriter(ws)
    prepare_sheet(ws, page=page, widths=OVERVIEW_WIDTHS, title_rows="1:1")
    sheet.append([sheet.text(f"{page.plan_name} 進捗状況", TITLE)])
    sheet.blank()
    _fact_row(sheet, "計画名", page.plan_name)
    _fact_row(sheet, "計画期間", period_label)
    _fact_row(sheet, "基準日", page.as_of_label)
    _fact_row(sheet, "絞り込み条件", "\n".join(f"{label}: {value}" for label, value in filters) or "なし")
    _fact_row(sheet, "対象施策数", f"{measure_count}件")
    _fact_row(
        sheet, "作成日時", f"{fiscal.wareki_date_with_western(generated_at.date())} {generated_at:%H:%M}"
    )
    sheet.blank()
    _summary_table(sheet, "目的別の集計(施策×年度の件数)", summaries["purposes"], legend)
    _summary_table(sheet, "年度別の集計(施策×年度の件数)", summaries["years"], legend)
    _legend(sheet, legend)
