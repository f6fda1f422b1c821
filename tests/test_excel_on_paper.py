"""The manager prints the workbook and works with its figures: real percentages, text of 8 pt or
more on A4, rows tall enough for their text, a Japanese font, one date style, one legend."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl.utils import get_column_letter

from core import fiscal
from measures.models import Measure
from measures.sheets.layout import PAGE_SLACK

from .excel import (
    export_workbook,
    lines_in,
    page_widths,
    printable_width,
    printed_scale,
    smallest_font,
    text_units,
    values,
)
from .factories import add_report, add_target, make_measure, seed_plan
from .page_text import parse

pytestmark = pytest.mark.usefixtures("demo")

AS_OF = "2021-03-31"
JAPANESE_FONT = "游ゴシック"


def _cells(ws):
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is not None:
                yield cell


def _column(ws, heading, header_row):
    """The column letter whose header (in ``header_row``) is ``heading``; the first one."""
    for cell in ws[header_row]:
        if cell.value == heading:
            return cell.column_letter
    raise AssertionError(f"no column {heading} in {ws.title}")


def test_every_percentage_is_a_fraction_under_a_percent_format():
    workbook = export_workbook({"as_of": AS_OF})
    seen = 0
    for ws in workbook:
        for cell in _cells(ws):
            if "%" not in cell.number_format:
                continue
            assert '"%"' not in cell.number_format, (ws.title, cell.coordinate, cell.number_format)
            assert isinstance(cell.value, int | float), (ws.title, cell.coordinate, cell.value)
            assert 0 <= cell.value <= 5, (ws.title, cell.coordinate, cell.value)  # 500 % would be odd
            seen += 1
    assert seen > 50


def test_the_achievement_rate_and_progress_are_stored_as_the_fraction_a_formula_expects():
    measure = Measure.objects.get(number=1)
    target = measure.annual_targets.get(fiscal_year=2020)
    target.target_value = Decimal("20")
    target.save()
    add_report(measure, 2020, date(2020, 10, 1), progress=35, actual=21)
    workbook = export_workbook({"as_of": "2020-10-01", "fiscal_year": "2020"})
    history = workbook["進捗履歴"]
    rate = history[f"{_column(history, '達成率', 1)}2"]
    progress = history[f"{_column(history, '進捗率', 1)}2"]
    assert (rate.value, rate.number_format) == (1.05, "0.0%")
    assert (progress.value, progress.number_format) == (0.35, "0%")
    ws = workbook["施策別進捗"]
    row = next(r for r in ws.iter_rows(min_row=3) if r[2].value == measure.title)
    assert [c.value for c in row if c.number_format in ("0.0%", "0%")] == [1.05, 0.35]


def test_every_sheet_prints_its_text_at_8_points_or_more():
    for as_of, data in ((AS_OF, {}), ("2022-03-31", {"fiscal_year": "2020"})):
        workbook = export_workbook({"as_of": as_of, **data})
        for ws in workbook:
            scale = printed_scale(ws)
            assert smallest_font(ws) * scale >= 8, (ws.title, scale, smallest_font(ws))
            # At that scale each page across holds its columns, so the printer adds no page of its own.
            assert all(width * scale <= printable_width(ws) for width in page_widths(ws)), ws.title


def test_the_wide_sheet_prints_a_year_a_page_across_repeating_the_titles_and_each_year_fits_one_page():
    plan = seed_plan()
    workbook = export_workbook({"as_of": AS_OF})
    wide = workbook["施策別進捗"]
    assert wide.print_title_cols == "$A:$C" and wide.print_title_rows == "$1:$2"
    assert wide.freeze_panes == "D3" and wide.auto_filter.ref
    assert wide.page_setup.pageOrder == "overThenDown"  # a measure's pages follow one another
    # Each fiscal year, and the latest report's texts, begin a page: the first column after a break.
    first_columns = [wide.cell(row=1, column=brk.id + 1).value for brk in wide.col_breaks.brk]
    assert first_columns == [fiscal.fiscal_year_label(y) for y in plan.fiscal_years[1:]] + ["最新の取組実績"]
    for year in plan.fiscal_years:
        ws = workbook[fiscal.fiscal_year_label(year)]
        assert len(page_widths(ws)) == 1 and not ws.col_breaks.brk, ws.title  # one page wide
        assert printed_scale(ws) >= 0.73, ws.title


def test_the_history_prints_each_report_whole_across_one_page_with_its_heading_on_every_page():
    """A report is one row, and a row is read across: 進捗履歴 is fitted to one page wide (pages
    run down only), at a scale that still prints 8 pt with LibreOffice's wider columns."""
    history = export_workbook({"as_of": AS_OF})["進捗履歴"]
    setup = history.page_setup
    assert history.sheet_properties.pageSetUpPr.fitToPage
    assert (int(setup.fitToWidth), int(setup.fitToHeight)) == (1, 0)  # as many pages down as it takes
    assert not history.col_breaks.brk and not history.print_title_cols
    assert history.print_title_rows == "$1:$1"  # the headings on every page
    # LibreOffice lays the columns out up to PAGE_SLACK wider, and fits them to the page smaller.
    assert smallest_font(history) * printed_scale(history) / PAGE_SLACK >= 8, printed_scale(history)


def test_the_chart_on_the_overview_begins_a_page():
    ws = export_workbook({"as_of": AS_OF})["概要"]
    (chart,) = ws._charts
    (row_break,) = ws.row_breaks.brk
    assert chart.anchor._from.row >= row_break.id  # zero-based: on the page after the break
    assert [c.value for c in ws[row_break.id]][0] is not None or ws[row_break.id - 1][0].value


# The printed chart's patterns (measures/_grade_chart.html) as a drawing's fill looks in black and
# white: a solid grey of about this darkness, or a preset pattern of this family (DrawingML's
# names), black on white. The dots may be short dashes: LibreOffice draws no dots.
SOLID_GREYS = {"solid": (0.0, 0.3), "light": (0.7, 0.9)}
PATTERN_PRESETS = {
    "hatch": {"upDiag", "dnDiag", "ltUpDiag", "ltDnDiag", "dkUpDiag", "dkDnDiag", "wdUpDiag", "wdDnDiag"},
    "dots": {
        "pct5",
        "pct10",
        "pct20",
        "pct25",
        "dotGrid",
        "smConfetti",
        "lgConfetti",
        "dashHorz",
        "dashVert",
    },
    "cross": {"cross", "smGrid", "lgGrid", "smCheck", "lgCheck", "diagCross"},
}


def _rgb(choice) -> str:
    """A drawing's colour as RRGGBB (openpyxl reads srgbClr back as the string itself)."""
    return str(getattr(choice.srgbClr, "val", choice.srgbClr)).upper()


def _grey(rgb: str) -> float:
    """An RRGGBB colour as it prints in grey, 0 black to 1 white."""
    red, green, blue = (int(rgb[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return 0.299 * red + 0.587 * green + 0.114 * blue


def _printed_legend(client, council) -> dict[str, str]:
    """Each key of the council's printed chart (a grade's code, 報告なし) and its pattern's name."""
    client.force_login(council)
    page = parse(client.get(reverse("reports:print"), {"as_of": AS_OF}).content)
    return {
        item.find("span", cls="grade-code").text: re.search(
            r"chart-fill-(\w+)", item.find("rect").attrs["fill"]
        ).group(1)
        for item in page.find("ul", cls="chart-legend").find_all("li")
    }


def test_the_chart_draws_each_grade_in_its_pattern_on_the_printed_page(client, council):
    """Paper is black and white: each grade's series is drawn as the council's printed chart draws
    that grade (solid, hatched, dotted, grid, light grey), in the same order, outlined in black."""
    printed = _printed_legend(client, council)
    ws = export_workbook({"as_of": AS_OF})["概要"]
    (chart,) = ws._charts
    codes = [ws[series.tx.strRef.f.split("!")[1]].value.removeprefix("評価 ") for series in chart.series]
    assert codes == [code for code in printed if code != "報告なし"]
    fills = []
    for code, series in zip(codes, chart.series, strict=True):
        shape = series.graphicalProperties
        wanted = printed[code]
        if wanted in SOLID_GREYS:
            assert shape.pattFill is None and shape.solidFill is not None, code
            low, high = SOLID_GREYS[wanted]
            assert low <= _grey(_rgb(shape.solidFill)) <= high, (code, _rgb(shape.solidFill))
            fills.append(_rgb(shape.solidFill))
        else:
            pattern = shape.pattFill
            assert pattern is not None and shape.solidFill is None, (code, wanted)
            assert pattern.prst in PATTERN_PRESETS[wanted], (code, wanted, pattern.prst)
            assert (_rgb(pattern.fgClr), _rgb(pattern.bgClr)) == ("000000", "FFFFFF"), code
            fills.append(pattern.prst)
        assert _rgb(shape.line.solidFill) == "000000", code
    assert len(set(fills)) == len(fills), fills


def _value_axis(ws):
    (chart,) = ws._charts
    return chart.y_axis


def test_the_charts_axis_counts_whole_measures_from_zero():
    axis = _value_axis(export_workbook({"as_of": AS_OF})["概要"])
    assert axis.scaling.min == 0
    assert axis.majorUnit == 1  # the demo's bars hold 1 to 3 measures: 0, 1, 2, 3
    assert axis.numFmt.formatCode == "0"
    assert axis.delete is False  # the axis is shown, said outright for Excel


def test_with_many_measures_the_axis_steps_by_a_round_whole_number():
    plan = seed_plan()
    purpose = plan.purposes.order_by("order").first()
    for number in range(6, 46):
        measure = make_measure(plan=plan, number=number, title=f"追加施策{number}", purpose=purpose)
        add_target(measure, 2020, 10)
        add_report(measure, 2020, date(2020, 9, 30), actual=9)
    axis = _value_axis(export_workbook({"as_of": AS_OF})["概要"])
    tallest = 40 + Measure.objects.filter(purpose=purpose, number__lt=6).count()
    assert axis.majorUnit in (5, 10) and tallest / axis.majorUnit <= 10, axis.majorUnit
    assert axis.numFmt.formatCode == "0" and axis.scaling.min == 0


def test_every_cell_names_a_japanese_font_that_excel_has():
    workbook = export_workbook({"as_of": AS_OF})
    for ws in workbook:
        for cell in _cells(ws):
            assert cell.font.name == JAPANESE_FONT, (ws.title, cell.coordinate, cell.font.name)


def _merged_width(ws, cell) -> float:
    for merged in ws.merged_cells.ranges:
        if cell.coordinate in merged:
            return sum(
                ws.column_dimensions[get_column_letter(c)].width or 8.43
                for c in range(merged.min_col, merged.max_col + 1)
            )
    return ws.column_dimensions[cell.column_letter].width or 8.43


@pytest.mark.parametrize("sheet", ["概要", "進捗履歴", "施策別進捗"])
def test_rows_are_tall_enough_for_their_wrapped_text(sheet):
    measure = Measure.objects.get(number=2)
    add_report(
        measure,
        2020,
        date(2020, 12, 1),
        narrative="オープンデータの公開件数を増やすため、各課の保有データを棚卸しし、" * 4,
        issues="担当課の負担が大きい。\n公開形式の統一が必要。\n更新の手順が決まっていない。",
    )
    ws = export_workbook({"as_of": AS_OF})[sheet]
    checked = 0
    for cell in _cells(ws):
        if not (isinstance(cell.value, str) and cell.alignment.wrap_text):
            continue
        lines = lines_in(cell.value, _merged_width(ws, cell))
        if lines < 2:
            continue
        height = ws.row_dimensions[cell.row].height
        size = cell.font.sz or 11
        assert height is not None and height >= lines * size * 1.3, (cell.coordinate, lines, height)
        checked += 1
    assert checked


def _year_sheets(workbook):
    return {fiscal.fiscal_year_label(year) for year in seed_plan().fiscal_years} & set(workbook.sheetnames)


def test_dates_are_true_dates_shown_in_the_era_with_the_western_date_beside_them():
    """Everywhere but a year's sheet, whose narrow 報告基準日 column (one A4 page wide, and the
    department's template) has the short era form: R3.3.31."""
    workbook = export_workbook({"as_of": AS_OF})
    year_sheets = _year_sheets(workbook)
    seen, short = set(), set()
    for ws in workbook:
        for cell in _cells(ws):
            if isinstance(cell.value, datetime):
                day = cell.value.date()
                if ws.title in year_sheets:
                    assert cell.number_format == fiscal.SHORT_WAREKI_DATE_XLSX, (ws.title, cell.coordinate)
                    short.add(ws.title)
                    continue
                assert cell.number_format == fiscal.xlsx_date_format(day), (ws.title, cell.coordinate)
                seen.add(ws.title)
    assert {"施策別進捗", "進捗履歴"} <= seen
    assert short and short <= year_sheets


@pytest.mark.parametrize(
    "day, shown",
    [
        (date(2019, 4, 30), "平成31年4月30日(2019年4月30日)"),
        (date(2019, 5, 1), "令和元年5月1日(2019年5月1日)"),
        (date(2020, 3, 31), "令和2年3月31日(2020年3月31日)"),
    ],
)
def test_the_excel_date_format_spells_the_date_as_the_print_pages_do(day, shown):
    """Only a spreadsheet can apply the format; LibreOffice's rendering is checked in
    test_excel_libreoffice.py. Here: the era's first year is written out as 元年."""
    pattern = fiscal.xlsx_date_format(day)
    assert shown == fiscal.wareki_date_with_western(day)
    if day.year == 2019 and day >= date(2019, 5, 1):
        assert '"令和元年"' in pattern
    else:
        assert "ggge" in pattern and "yyyy" in pattern


def test_the_legend_says_what_the_printed_page_says(client, council):
    client.force_login(council)
    response = client.get(reverse("reports:print"), {"as_of": AS_OF})
    printed = [
        " ".join(item.text.split())
        for item in parse(response.content).find("dl", cls="legend").find_all("span", cls="legend-item")
    ]
    rows = values(export_workbook({"as_of": AS_OF})["概要"])
    start = next(i for i, row in enumerate(rows) if row and row[0] == "凡例")
    in_workbook = []
    for row in rows[start + 1 :]:
        if not row or row[0] not in ("進捗状況", "評価"):
            break
        in_workbook.append(" ".join(str(v) for v in row[1:] if v is not None))
    assert in_workbook == printed
    assert any(text.startswith("B ") and "80%以上100%未満" in text for text in in_workbook)
    assert any(text.startswith("D ") and text.endswith("50%未満)") for text in in_workbook)


def test_a_date_column_is_wide_enough_for_the_longest_date():
    """A date too wide for its column shows as ####. Its digits are wider than the standard
    font's that column widths count in (tests/test_excel_libreoffice.py sees it whole)."""
    workbook = export_workbook({"as_of": AS_OF})
    longest = text_units("平成31年12月31日(2019年12月31日)") * 1.15
    longest_short = text_units("H31.12.31") * 1.15
    year_sheets = _year_sheets(workbook)
    for ws in workbook:
        for cell in _cells(ws):
            if isinstance(cell.value, datetime):
                width = ws.column_dimensions[cell.column_letter].width
                want = longest_short if ws.title in year_sheets else longest
                assert width >= want, (ws.title, cell.coordinate, width)
