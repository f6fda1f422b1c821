"""The manager takes one year to a meeting: a sheet per fiscal year with a total for each purpose
and for the plan, the same totals on 概要, and a chart of each purpose's grades year by year."""

from __future__ import annotations

from datetime import date

import pytest
from openpyxl.chart import BarChart

from core import fiscal
from measures.models import ProgressStatus

from .excel import expected_year, export_workbook, values
from .factories import seed_plan

pytestmark = pytest.mark.usefixtures("demo")

AS_OF = date(2021, 3, 31)
PLAN_TOTAL = "計画全体"


def _expected_counts(plan, measures, years):
    """Counts by status (報告なし too) and grade, the total and the average progress %, from the models."""
    statuses = list(ProgressStatus.objects.order_by("order"))
    grades = list(plan.evaluation_scale.grades.order_by("order"))
    counts = {str(s): 0 for s in statuses} | {"報告なし": 0} | {f"評価 {g.code}": 0 for g in grades}
    progress = []
    for measure in measures:
        for year in years:
            want = expected_year(measure, year, AS_OF)
            if want.report is None:
                counts["報告なし"] += 1
                continue
            counts[str(want.report.status)] += 1
            counts[f"評価 {want.grade(plan).code}"] += 1
            progress.append(want.report.progress_percent)
    counts["合計"] = len(measures) * len(years)
    counts["平均進捗率"] = round(sum(progress) / len(progress) / 100, 3) if progress else None
    return counts


def _shown(shown: dict, want: dict) -> dict:
    """The cells of a totals row under the expected headings: an empty count is 0, an empty average None."""
    return {k: shown.get(k, None if k == "平均進捗率" else 0) for k in want}


def _table(ws, heading):
    rows = values(ws)
    start = next(i for i, row in enumerate(rows) if row and row[0] == heading)
    header = rows[start + 1]
    table = {}
    for row in rows[start + 2 :]:
        if not row:
            break
        shown = dict(zip(header, row, strict=False))
        if isinstance(shown.get("平均進捗率"), float):
            shown["平均進捗率"] = round(shown["平均進捗率"], 3)
        table[tuple(str(v) for v in row[: header.index("区分") + 1] if v is not None)] = shown
    return table


def test_the_overview_totals_each_purpose_and_the_whole_plan():
    plan = seed_plan()
    purposes = list(plan.purposes.order_by("order"))
    measures = list(plan.measures.all())
    by_purpose = _table(
        export_workbook({"as_of": AS_OF.isoformat()})["概要"], "目的別の集計(施策×年度の件数)"
    )
    assert list(by_purpose) == [(f"{p.code} {p.text}",) for p in purposes] + [(PLAN_TOTAL,)]
    for purpose in purposes:
        want = _expected_counts(plan, [m for m in measures if m.purpose_id == purpose.pk], plan.fiscal_years)
        shown = by_purpose[(f"{purpose.code} {purpose.text}",)]
        assert _shown(shown, want) == want, purpose.code
    want = _expected_counts(plan, measures, plan.fiscal_years)
    assert _shown(by_purpose[(PLAN_TOTAL,)], want) == want


def test_the_overview_counts_each_purpose_in_each_year():
    plan = seed_plan()
    purposes = list(plan.purposes.order_by("order"))
    measures = list(plan.measures.all())
    table = _table(export_workbook({"as_of": AS_OF.isoformat()})["概要"], "年度・目的別の集計(施策の件数)")
    expected_keys = [(fiscal.fiscal_year_label(y), p.code) for y in plan.fiscal_years for p in purposes]
    assert list(table) == expected_keys
    for year in plan.fiscal_years:
        for purpose in purposes:
            want = _expected_counts(plan, [m for m in measures if m.purpose_id == purpose.pk], [year])
            shown = table[(fiscal.fiscal_year_label(year), purpose.code)]
            assert _shown(shown, want) == want, (year, purpose.code)


def test_the_overview_has_a_stacked_bar_chart_of_each_purposes_grades_by_year():
    plan = seed_plan()
    ws = export_workbook({"as_of": AS_OF.isoformat()})["概要"]
    assert len(ws._charts) == 1
    chart = ws._charts[0]
    assert isinstance(chart, BarChart)
    assert chart.grouping == "stacked" and chart.overlap == 100
    grades = list(plan.evaluation_scale.grades.order_by("order"))
    rows = values(ws)
    heading = next(i for i, row in enumerate(rows) if row and row[0] == "年度・目的別の集計(施策の件数)")
    header = rows[heading + 1]
    first, last = heading + 3, heading + 2 + len(plan.fiscal_years) * plan.purposes.count()
    assert len(chart.series) == len(grades)
    for series, grade in zip(chart.series, grades, strict=True):
        column = ws.cell(row=1, column=header.index(f"評価 {grade.code}") + 1).column_letter
        assert series.val.numRef.f == f"'概要'!${column}${first}:${column}${last}"
        assert series.tx.strRef.f.replace("$", "") == f"'概要'!{column}{heading + 2}"
    categories = chart.series[0].cat
    reference = (categories.multiLvlStrRef or categories.strRef).f
    assert reference == f"'概要'!$A${first}:$B${last}"


def test_each_fiscal_year_has_its_own_sheet_with_a_total_for_each_purpose_and_the_plan():
    plan = seed_plan()
    workbook = export_workbook({"as_of": AS_OF.isoformat()})
    assert workbook.sheetnames == [
        "概要",
        "施策別進捗",
        *(fiscal.fiscal_year_label(y) for y in plan.fiscal_years),
        "策定スケジュール",
        "進捗履歴",
    ]
    purposes = list(plan.purposes.order_by("order"))
    grades = list(plan.evaluation_scale.grades.order_by("order"))
    statuses = list(ProgressStatus.objects.order_by("order"))
    for year in plan.fiscal_years:
        rows = values(workbook[fiscal.fiscal_year_label(year)])
        header = rows[0]
        assert header[:4] == ["施策ID", "施策番号", "目的", "施策名"]
        titles = [row[3] for row in rows[1:] if row and isinstance(row[0], int)]
        assert titles == [m.title for m in plan.measures.order_by("purpose__order", "order", "number", "pk")]
        totals = {row[3]: dict(zip(header, row, strict=False)) for row in rows[1:] if row and row[0] is None}
        assert list(totals) == [f"{p.code} 計" for p in purposes] + [PLAN_TOTAL]
        for label, members in [
            *((f"{p.code} 計", list(p.measures.all())) for p in purposes),
            (PLAN_TOTAL, list(plan.measures.all())),
        ]:
            want = _expected_counts(plan, members, [year])
            shown = totals[label]
            # Only the grades and statuses some measure has, one a line.
            grade_lines = [f"{g.code} {n}" for g in grades if (n := want[f"評価 {g.code}"])]
            status_lines = [f"{s.symbol} {s.name} {n}" for s in statuses if (n := want[str(s)])]
            status_lines += [f"報告なし {want['報告なし']}"] if want["報告なし"] else []
            assert (shown.get("評価") or "") == "\n".join(grade_lines), label
            assert shown["進捗状況"] == "\n".join(status_lines), label
            average = shown.get("進捗率")
            assert (None if average is None else round(average, 3)) == want["平均進捗率"], label
