"""概要: the plan, the date, the filters, the counts by status and evaluation, and the legend."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from core import fiscal
from core.xlsx import SheetWriter, filled
from measures.selectors import UNREPORTED_LABEL, ProgressSummary

from ..legend import Legend
from .layout import (
    CENTER,
    HEADER,
    HEADING,
    LABEL,
    NOTE,
    RATE,
    TEXT,
    TITLE,
    PageInfo,
    prepare_sheet,
    sheet_writer,
)

OVERVIEW_TITLE = "概要"

OVERVIEW_WIDTHS = (26,) + (11,) * 14
OVERVIEW_FACT_SPAN = 10  # a fact's value is merged over this many columns


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


def _legend(sheet: SheetWriter, legend: Legend) -> None:
    sheet.append([sheet.text("凡例", HEADING)])
    for status in legend.statuses:
        sheet.append([sheet.text("進捗状況", LABEL), sheet.text(str(status), filled(CENTER, status.color))])
    for grade, meaning in legend.grade_meanings:
        row = sheet.append(
            [
                sheet.text("評価", LABEL),
                sheet.text(grade.code, filled(CENTER, grade.color)),
                sheet.text(meaning),
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
    sheet = sheet_writer(ws)
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
