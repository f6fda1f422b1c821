"""策定スケジュール in the workbook: the ward's FY2018 table, every mark in its cell, checked against the document."""

from __future__ import annotations

from datetime import date

import pytest

from core import fiscal
from schedule.models import Body, PublicCommentPeriod, ScheduledItem

from . import seed_document as doc
from .excel import export_workbook, fill_rgb, values

pytestmark = pytest.mark.usefixtures("seeded")

HEADER_ROW, MONTH_ROW, PHASE_ROW = 2, 3, 4


def _sheet():
    return export_workbook({"as_of": "2019-03-31"})["策定スケジュール"]


def _body_rows(ws) -> dict[str, list]:
    """{row label: the twelve month cells} for the rows below the phase band, up to the blank row."""
    rows = {}
    for row in ws.iter_rows(min_row=PHASE_ROW + 1):
        if row[0].value is None:
            break
        rows[row[0].value] = list(row[1:13])
    return rows


def test_every_mark_is_in_the_same_cell_as_in_the_seed_document(seed_document):
    table = doc.schedule_table(seed_document)
    ws = _sheet()
    assert ws["A1"].value == "策定スケジュール"
    assert fiscal.parse_fiscal_year(ws.cell(row=HEADER_ROW, column=2).value) == fiscal.parse_fiscal_year(
        table.fiscal_year_label
    )
    assert ws.cell(row=HEADER_ROW, column=2).value == fiscal.fiscal_year_label(2018) == "平成30年度(2018年度)"
    assert "B2:M2" in {str(r) for r in ws.merged_cells.ranges}
    months = [ws.cell(row=MONTH_ROW, column=c).value for c in range(2, 14)]
    assert months == [f"{m}月" for m in table.months]
    rows = _body_rows(ws)
    assert list(rows) == list(table.rows), "one row per body, in the document's order"
    for label, expected in table.rows.items():
        shown = [cell.value or "" for cell in rows[label]]
        assert shown == expected, f"{label}: {shown} != {expected}"
    assert sum(cell.count("●") for cells in table.rows.values() for cell in cells) == 14


def test_the_phases_are_merged_bands_over_the_documents_months(seed_document):
    table = doc.schedule_table(seed_document)
    ws = _sheet()
    assert ws.cell(row=PHASE_ROW, column=1).value == "全体スケジュール"
    starts = [(i, name.rstrip("→ ").strip()) for i, name in enumerate(table.phase_row) if name]
    merged = {str(r) for r in ws.merged_cells.ranges}
    for n, (index, name) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else 12
        first, last = ws.cell(row=PHASE_ROW, column=2 + index), ws.cell(row=PHASE_ROW, column=1 + end)
        assert first.value == name
        assert f"{first.coordinate}:{last.coordinate}" in merged
        assert fill_rgb(first) is not None


def test_a_held_meeting_gets_another_mark_and_a_fill():
    committee = Body.objects.get(name="IT・情報セキュリティ委員会")
    ScheduledItem.objects.filter(body=committee, planned_month=7).update(
        status=ScheduledItem.Status.HELD, actual_date=date(2018, 7, 20)
    )
    ScheduledItem.objects.filter(body=committee, planned_month=10).update(
        status=ScheduledItem.Status.POSTPONED
    )
    row = _body_rows(_sheet())[committee.label]
    by_month = dict(zip(fiscal.MONTHS_IN_FISCAL_ORDER, row, strict=True))
    assert by_month[4].value == "●" and fill_rgb(by_month[4]) is None
    assert by_month[7].value == "◎" and fill_rgb(by_month[7]) is not None
    assert by_month[10].value == "△"
    assert by_month[1].value == "●"


def test_the_public_comment_runs_across_the_months_it_covers_with_its_dates_in_the_notes():
    PublicCommentPeriod.objects.update(
        start_date=date(2018, 12, 10), end_date=date(2019, 1, 15), comments_received=12
    )
    ws = _sheet()
    body = Body.objects.get(kind=Body.Kind.PUBLIC_COMMENT)
    row = _body_rows(ws)[body.label]
    by_month = dict(zip(fiscal.MONTHS_IN_FISCAL_ORDER, row, strict=True))
    assert [m for m, cell in by_month.items() if cell.value] == [12, 1]
    assert by_month[12].value == "➡" and by_month[1].value == "━"
    assert fill_rgb(by_month[12]) == fill_rgb(by_month[1]) is not None
    notes = next(r for r in values(ws) if r and r[0] == body.label)[13]
    # Dates in the workbook's one style: 和暦 with the Western date beside.
    assert "平成30年12月10日(2018年12月10日)〜平成31年1月15日(2019年1月15日)" in notes
    assert "37日間" in notes and "意見12件" in notes


def test_the_legend_explains_every_mark():
    legend = next(r[0] for r in values(_sheet()) if r and str(r[0]).startswith("凡例"))
    for mark, meaning in (
        ("●", "予定"),
        ("◎", "実施済"),
        ("△", "延期"),
        ("×", "中止"),
        ("➡", "パブリック・コメント"),
    ):
        assert f"{mark} {meaning}" in legend
