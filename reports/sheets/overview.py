"""概要: the plan, the date, the filters, the counts by status and evaluation, and the legend."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from openpyxl.chart import BarChart, Reference
from openpyxl.chart.data_source import AxDataSource, MultiLevelStrRef, NumFmt
from openpyxl.chart.text import RichText
from openpyxl.drawing.fill import ColorChoice, PatternFillProperties
from openpyxl.drawing.text import CharacterProperties, Paragraph, ParagraphProperties
from openpyxl.worksheet.pagebreak import Break

from core import fiscal
from core.xlsx import SheetWriter, filled
from measures.chart import grade_fill
from measures.legend import Legend
from measures.selectors import PLAN_TOTAL_LABEL, UNREPORTED_LABEL, ProgressSummary, ProgressTally
from measures.sheets.layout import (
    CENTER,
    HEADER,
    HEADING,
    LABEL,
    NOTE,
    RATE,
    TEXT,
    TITLE,
    TOTAL,
    PageInfo,
    fraction,
    prepare_sheet,
    sheet_writer,
)
from rounds.selectors import AwaitedFigures

OVERVIEW_WIDTHS = (36,) + (9,) * 14
OVERVIEW_FACT_SPAN = 10  # a fact's value is merged over this many columns
TOTAL_LABEL = PLAN_TOTAL_LABEL
YEAR_PURPOSE_HEADING = "年度・目的別の集計(施策の件数)"
CHART_TITLE = "年度・目的別の評価(施策の件数)"
LEGEND_MEANING_SPAN = 6

BLACK, WHITE = "000000", "FFFFFF"


def _pattern(preset: str) -> PatternFillProperties:
    return PatternFillProperties(
        prst=preset, fgClr=ColorChoice(srgbClr=BLACK), bgClr=ColorChoice(srgbClr=WHITE)
    )


# The printed chart's fills (measures.chart.FILLS, drawn by measures/_grade_chart.html) as the
# workbook's chart draws them, so that its grades stay apart in black and white, as on paper:
# the grades' pastel colours all print as the same pale grey. LibreOffice draws every preset
# pattern as lines (the diagonal hatch as such, the grid as a grid); the dots are Excel's short
# horizontal dashes, which it draws as horizontal lines, apart from both.
SOLID_FILLS = {"solid": "333333", "light": "CFCFCF", "blank": WHITE}
PATTERN_FILLS = {"hatch": _pattern("dkUpDiag"), "dots": _pattern("dashHorz"), "cross": _pattern("smGrid")}
# The legend below the bars, as on paper, in the grades' order; its words at 12 pt, and so its
# swatches large enough to show their patterns. (Beside the bars, it narrowed them so much that
# LibreOffice turned the purposes' codes on their side.)
LEGEND_TEXT = RichText(
    p=[
        Paragraph(
            pPr=ParagraphProperties(defRPr=CharacterProperties(sz=1200)), endParaRPr=CharacterProperties()
        )
    ]
)
# The value axis counts measures: whole numbers from 0, in round steps, at most this many.
AXIS_STEPS = 10


@dataclass(frozen=True)
class TableRows:
    """Where a summary table landed: its header row, its first and last rows of counts, and the
    column of its first grade."""

    header: int
    first: int
    last: int
    first_grade_column: int


AWAITED_LABEL = "進捗照会の回答待ち"


def _awaited_summary(awaited: AwaitedFigures) -> str:
    """One line per open round: what it is, and how many measures' figures it still awaits."""
    return "\n".join(
        f"{line.label}で、{line.measures}施策の数値は回答待ちです(シート「回答待ち」、施策別進捗の「照会の状況」)。"
        for line in awaited.rounds
    )


def _fact_row(sheet: SheetWriter, label: str, value: str) -> None:
    cells = [sheet.text(label, LABEL), sheet.text(value)] + [
        sheet.value(None, TEXT) for _ in range(OVERVIEW_FACT_SPAN - 1)
    ]
    row = sheet.append(cells, spans={2: OVERVIEW_FACT_SPAN})
    sheet.merge(row, 2, row, 1 + OVERVIEW_FACT_SPAN)


def _summary_table(
    sheet: SheetWriter,
    heading: str,
    rows: list[tuple[list[str], ProgressSummary]],
    legend: Legend,
    keys: Sequence[str] = ("区分",),
    style=None,
) -> TableRows:
    """A heading, then one row per group: its key columns, the counts by status and grade, the
    total and the average progress (a fraction, shown as a percentage)."""
    sheet.append([sheet.text(heading, HEADING)])
    header = sheet.append(
        [sheet.text(key, HEADER) for key in keys]
        + [sheet.text(str(status), filled(HEADER, status.color)) for status in legend.statuses]
        + [sheet.text(UNREPORTED_LABEL, HEADER)]
        + [sheet.text(f"評価 {grade.code}", filled(HEADER, grade.color)) for grade in legend.grades]
        + [sheet.text("合計", HEADER), sheet.text("平均進捗率", HEADER)]
    )
    for labels, summary in rows:
        total = labels == [TOTAL_LABEL]
        sheet.append(
            [sheet.text(label, TOTAL if total else None) for label in labels]
            + [sheet.value(summary.by_status.get(status.name, 0)) for status in legend.statuses]
            + [sheet.value(summary.unreported)]
            + [sheet.value(summary.by_grade.get(grade.code, 0)) for grade in legend.grades]
            + [sheet.value(summary.total), sheet.value(fraction(summary.average_progress), RATE)]
        )
    if not rows:
        sheet.append([sheet.text("該当する施策はありません。", NOTE)])
    last = sheet.row_count
    sheet.blank()
    return TableRows(header, header + 1, last, first_grade_column=len(keys) + len(legend.statuses) + 2)


def _axis_step(tallest: int) -> int:
    """A round whole step (1, 2, 5, 10, 20, 50 …) that marks a bar of ``tallest`` measures at most
    AXIS_STEPS times."""
    for magnitude in itertools.count():
        for base in (1, 2, 5):
            step = base * 10**magnitude
            if tallest <= step * AXIS_STEPS:
                return step


def _grade_chart(ws, table: TableRows, legend: Legend, tallest: int) -> BarChart:
    """Stacked bars: for each fiscal year and purpose (the table's first two columns), its
    measures by grade, one series per grade in the pattern the printed chart gives it; the
    tallest bar holds ``tallest`` measures."""
    chart = BarChart()
    chart.type = "col"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.title = CHART_TITLE
    chart.y_axis.title = "施策数"
    chart.y_axis.majorGridlines = None
    chart.y_axis.scaling.min = 0
    chart.y_axis.majorUnit = _axis_step(tallest)
    chart.y_axis.numFmt = NumFmt(formatCode="0", sourceLinked=False)
    # Said outright (<c:delete val="0"/>): openpyxl 3.1 leaves the element out, and its charts are
    # reported to open in Excel without axes. LibreOffice draws them either way.
    chart.x_axis.delete = chart.y_axis.delete = False
    chart.width, chart.height = 24, 12  # cm: within one printed page
    data = Reference(
        ws,
        min_col=table.first_grade_column,
        max_col=table.first_grade_column + len(legend.grades) - 1,
        min_row=table.header,
        max_row=table.last,
    )
    chart.add_data(data, titles_from_data=True)
    categories = Reference(ws, min_col=1, max_col=2, min_row=table.first, max_row=table.last)
    for index, series in enumerate(chart.series):
        series.cat = AxDataSource(multiLvlStrRef=MultiLevelStrRef(f=str(categories)))
        shape, fill = series.graphicalProperties, grade_fill(index)
        if fill in PATTERN_FILLS:
            shape.pattFill = PATTERN_FILLS[fill]
        else:
            shape.solidFill = SOLID_FILLS[fill]
        shape.line.solidFill = BLACK  # as the printed bars are outlined
    chart.legend.position = "b"
    chart.legend.txPr = LEGEND_TEXT
    return chart


def _legend(sheet: SheetWriter, legend: Legend) -> None:
    sheet.append([sheet.text("凡例", HEADING)])
    for status in legend.statuses:
        row = sheet.append(
            [
                sheet.text("進捗状況", LABEL),
                sheet.text(str(status), filled(CENTER, status.color)),
                sheet.value(None, filled(CENTER, status.color)),
            ],
            spans={2: 2},
        )
        sheet.merge(row, 2, row, 3)
    for grade, meaning in legend.grade_meanings:
        row = sheet.append(
            [
                sheet.text("評価", LABEL),
                sheet.text(grade.code, filled(CENTER, grade.color)),
                sheet.text(meaning),
                *[sheet.value(None, TEXT) for _ in range(LEGEND_MEANING_SPAN - 1)],
            ],
            spans={3: LEGEND_MEANING_SPAN},
        )
        sheet.merge(row, 3, row, 2 + LEGEND_MEANING_SPAN)
    sheet.append([sheet.text("集計の単位は「施策×年度」です。達成率 = 実績値 ÷ 目標値 × 100。", NOTE)])


def write_overview(
    ws,
    *,
    page: PageInfo,
    period_label: str,
    filters: Sequence[tuple[str, str]],
    measure_count: int,
    generated_at: datetime,
    tally: ProgressTally,
    legend: Legend,
    awaited: AwaitedFigures,
) -> None:
    """概要: the plan, the date, the filters, what an open round still awaits, the counts by status
    and evaluation for each purpose, each year, each purpose in each year and the whole plan, the
    legend and the chart."""
    sheet = sheet_writer(ws, OVERVIEW_WIDTHS)
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
    if awaited:
        _fact_row(sheet, AWAITED_LABEL, _awaited_summary(awaited))
    sheet.blank()
    plan_total = [([TOTAL_LABEL], tally.plan_summary())] if measure_count else []
    purposes = tally.purposes()
    summaries = tally.summaries()
    _summary_table(
        sheet,
        "目的別の集計(施策×年度の件数)",
        # The purpose's whole text: never cut with …, however long.
        [([f"{purposes[s.key].code} {purposes[s.key].text}"], s) for s in summaries["purposes"]] + plan_total,
        legend,
    )
    _summary_table(
        sheet,
        "年度別の集計(施策×年度の件数)",
        [([s.label], s) for s in summaries["years"]] + plan_total,
        legend,
    )
    by_year = _summary_table(
        sheet,
        YEAR_PURPOSE_HEADING,
        [
            ([fiscal.fiscal_year_label(year), purposes[s.key].code], s)
            for year, s in tally.year_purpose_summaries()
        ],
        legend,
        keys=("年度", "区分"),
    )
    _legend(sheet, legend)
    if measure_count and legend.grades:
        ws.row_breaks.append(Break(id=sheet.row_count))  # the chart on a page of its own
        tallest = max(sum(s.by_grade.values()) for _, s in tally.year_purpose_summaries())
        ws.add_chart(_grade_chart(ws, by_year, legend, tallest), f"A{sheet.row_count + 2}")
