"""The manager opens the workbook: every sheet says what the database says, as of the chosen date."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import fiscal
from measures.models import (
    Department,
    Keyword,
    Measure,
    ProgressReport,
    ProgressStatus,
    Purpose,
    grade_for_rate,
)
from measures.services import progress_report_withdraw
from measures.sheets.layout import APPLICATION_NAME
from reports.sheets.history import HISTORY_COLUMNS
from reports.sheets.progress import PROGRESS_LEADING, PROGRESS_PER_YEAR, PROGRESS_TRAILING

from .excel import (
    GENERATED_AT,
    as_date,
    every_text,
    expected_year,
    export_bytes,
    export_workbook,
    fill_rgb,
    open_workbook,
    sheet_xml,
    values,
)
from .factories import add_report, add_target, make_measure, seed_plan

pytestmark = pytest.mark.usefixtures("demo")

LEAD, PER_YEAR = len(PROGRESS_LEADING), len(PROGRESS_PER_YEAR)
SHEETS = [
    "概要",
    "施策別進捗",
    "令和元年度(2019年度)",
    "令和2年度(2020年度)",
    "令和3年度(2021年度)",
    "策定スケジュール",
    "進捗履歴",
]


def number(value):
    """A number cell as the Decimal the database holds (openpyxl reads 56.2 back as a float)."""
    return None if value is None else Decimal(str(value))


def _measures_in_report_order(plan):
    return list(plan.measures.order_by("purpose__order", "order", "number", "pk"))


def _year_columns(row: list, index: int) -> list:
    start = LEAD + index * PER_YEAR
    return (row + [None] * 200)[start : start + PER_YEAR]


def _progress_rows(workbook):
    return [row for row in values(workbook["施策別進捗"])[2:] if row]


def test_the_workbook_has_japanese_sheets_one_per_fiscal_year_a_title_and_a_creator():
    workbook = export_workbook({"as_of": "2020-03-31"})
    assert workbook.sheetnames == SHEETS
    assert workbook.properties.creator == APPLICATION_NAME
    assert seed_plan().name in workbook.properties.title
    assert "令和2年3月31日" in workbook.properties.title


@pytest.mark.parametrize("as_of", [date(2020, 3, 31), date(2021, 3, 31), date(2022, 3, 31)])
def test_each_measure_row_shows_its_targets_figures_and_latest_report_as_in_the_database(as_of):
    plan = seed_plan()
    workbook = export_workbook({"as_of": as_of.isoformat()})
    rows = _progress_rows(workbook)
    measures = _measures_in_report_order(plan)
    assert len(rows) == len(measures) == 5
    for row, measure in zip(rows, measures, strict=True):
        padded = row + [None] * 60
        assert padded[:LEAD] == [
            measure.number,
            measure.purpose.code,
            measure.title,
            "、".join(d.name for d in measure.departments.order_by("order", "name")),
            "、".join(k.name for k in measure.keywords.order_by("order", "name")),
        ]
        reports = []
        for index, year in enumerate(plan.fiscal_years):
            want = expected_year(measure, year, as_of)
            target, report = want.target, want.report
            grade = want.grade(plan)
            shown = _year_columns(row, index)
            shown[2:5] = [number(v) for v in shown[2:5]]
            shown[7] = number(shown[7])
            assert shown == [
                target.target_text if target else None,
                f"{target.indicator_name}({target.indicator_unit})" if target else None,
                target.target_value if target else None,
                report.actual_value if report else None,
                None if want.rate is None else want.rate / 100,
                grade.code if grade else None,
                f"{report.status.symbol} {report.status.name}" if report else "報告なし",
                None if report is None else Decimal(report.progress_percent) / 100,
            ], f"{measure.title} {year}"
            if report:
                reports.append(report)
        latest = max(reports, key=lambda r: (r.as_of, r.pk))
        trailing = padded[LEAD + 3 * PER_YEAR : LEAD + 3 * PER_YEAR + len(PROGRESS_TRAILING)]
        assert trailing[:3] == [latest.narrative or None, latest.issues or None, latest.next_steps or None]
        assert as_date(trailing[3]) == latest.as_of


def test_the_header_merges_each_fiscal_years_label_over_its_eight_columns():
    plan = seed_plan()
    ws = export_workbook({"as_of": "2021-03-31"})["施策別進捗"]
    merged = {str(r) for r in ws.merged_cells.ranges}
    for index, year in enumerate(plan.fiscal_years):
        first = LEAD + 1 + index * PER_YEAR
        cell = ws.cell(row=1, column=first)
        assert cell.value == fiscal.fiscal_year_label(year)
        assert f"{cell.coordinate}:{ws.cell(row=1, column=first + PER_YEAR - 1).coordinate}" in merged
        assert [ws.cell(row=2, column=first + i).value for i in range(PER_YEAR)] == [
            h for h, _ in PROGRESS_PER_YEAR
        ]
    assert ws["A1"].value == "施策番号" and "A1:A2" in merged
    assert ws["C1"].value == "施策名" and "C1:C2" in merged


def test_panes_freeze_below_the_header_and_right_of_the_title_with_a_filter_and_data_bars():
    ws = export_workbook({"as_of": "2021-03-31"})["施策別進捗"]
    assert ws.freeze_panes == "D3"
    assert ws["C1"].value == "施策名"
    last_column = LEAD + 3 * PER_YEAR + len(PROGRESS_TRAILING)
    assert ws.auto_filter.ref == f"A2:{ws.cell(row=7, column=last_column).coordinate}"
    bars = {str(cf.sqref): [rule.type for rule in cf.rules] for cf in ws.conditional_formatting}
    for index in range(3):
        column = ws.cell(row=3, column=LEAD + (index + 1) * PER_YEAR)
        assert ws.cell(row=2, column=column.column).value == "進捗率"
        assert bars[f"{column.coordinate}:{column.column_letter}7"] == ["dataBar"]
    assert ws.column_dimensions["C"].width >= 20
    assert ws["C3"].alignment.wrap_text


def test_status_and_evaluation_cells_are_coloured_and_still_say_their_symbol_and_name():
    plan = seed_plan()
    as_of = date(2021, 3, 31)
    ws = export_workbook({"as_of": as_of.isoformat()})["施策別進捗"]
    checked = 0
    for row_number, measure in enumerate(_measures_in_report_order(plan), start=3):
        for index, year in enumerate(plan.fiscal_years):
            want = expected_year(measure, year, as_of)
            if want.report is None:
                continue
            grade_cell = ws.cell(row=row_number, column=LEAD + index * PER_YEAR + 6)
            status_cell = ws.cell(row=row_number, column=LEAD + index * PER_YEAR + 7)
            status = want.report.status
            assert status_cell.value == f"{status.symbol} {status.name}"
            assert fill_rgb(status_cell) == status.color.lstrip("#").upper()
            grade = want.grade(plan)
            assert grade_cell.value == grade.code
            assert fill_rgb(grade_cell) == grade.color.lstrip("#").upper()
            checked += 1
    assert checked == 10


def test_the_overview_names_the_plan_period_date_filters_and_time():
    plan = seed_plan()
    department = Department.objects.get(name="情報政策課")
    ws = export_workbook({"as_of": "2020-03-31", "department": department.pk})["概要"]
    facts = {row[0]: row[1] for row in values(ws) if len(row) >= 2 and isinstance(row[0], str)}
    assert facts["計画名"] == plan.name
    assert (
        facts["計画期間"]
        == fiscal.fiscal_period_label(2019, 2021)
        == "令和元年度(2019年度)〜令和3年度(2021年度)"
    )
    assert facts["基準日"] == "令和2年3月31日(2020年3月31日)"
    assert "所管課: 情報政策課" in facts["絞り込み条件"].split("\n")
    assert facts["対象施策数"] == f"{plan.measures.filter(departments=department).count()}件"
    assert facts["作成日時"] == f"{fiscal.wareki_date_with_western(GENERATED_AT.date())} 09:30"


def _summary_table(ws, heading):
    rows = values(ws)
    start = next(i for i, row in enumerate(rows) if row and row[0] == heading)
    header = rows[start + 1]
    table = {}
    for row in rows[start + 2 :]:
        if not row:
            break
        table[row[0]] = dict(zip(header[1:], row[1:], strict=False))
    return table


def test_the_overview_counts_each_status_and_evaluation_by_purpose_and_by_year():
    plan = seed_plan()
    as_of = date(2021, 3, 31)
    ws = export_workbook({"as_of": as_of.isoformat()})["概要"]
    by_purpose = _summary_table(ws, "目的別の集計(施策×年度の件数)")
    by_year = _summary_table(ws, "年度別の集計(施策×年度の件数)")
    statuses = list(ProgressStatus.objects.order_by("order"))
    grades = list(plan.evaluation_scale.grades.order_by("order"))
    expected_purposes, expected_years = {}, {}
    for measure in plan.measures.select_related("purpose"):
        purpose_label = f"{measure.purpose.code} {measure.purpose.text}"
        for year in plan.fiscal_years:
            want = expected_year(measure, year, as_of)
            for table, key in (
                (expected_purposes, purpose_label),
                (expected_years, fiscal.fiscal_year_label(year)),
            ):
                counts = table.setdefault(key, {})
                if want.report is None:
                    column = "報告なし"
                else:
                    column = str(want.report.status)
                    grade_column = f"評価 {want.grade(plan).code}"
                    counts[grade_column] = counts.get(grade_column, 0) + 1
                counts[column] = counts.get(column, 0) + 1
                counts["合計"] = counts.get("合計", 0) + 1
    for shown, expected in ((by_purpose, expected_purposes), (by_year, expected_years)):
        assert set(shown) == set(expected) | {"計画全体"}
        assert shown["計画全体"]["合計"] == plan.measures.count() * 3
        for label, counts in expected.items():
            columns = (
                [str(s) for s in statuses] + ["報告なし"] + [f"評価 {g.code}" for g in grades] + ["合計"]
            )
            assert {c: shown[label][c] for c in columns} == {c: counts.get(c, 0) for c in columns}, label
    assert (
        sum(row["合計"] for label, row in by_year.items() if label != "計画全体") == plan.measures.count() * 3
    )


def test_the_history_lists_every_report_up_to_the_date_newest_first():
    plan = seed_plan()
    as_of = date(2020, 9, 30)
    rows = values(export_workbook({"as_of": as_of.isoformat()})["進捗履歴"])
    assert (
        rows[0]
        == [heading for heading, _ in HISTORY_COLUMNS]
        == [
            "報告基準日",
            "施策番号",
            "施策名",
            "年度",
            "進捗状況",
            "実績値",
            "達成率",
            "評価",
            "進捗率",
            "取組実績",
            "課題",
            "今後の方向性",
            "報告者",
            "取り下げ",
        ]
    )
    reports = list(
        ProgressReport.objects.filter(as_of__lte=as_of)
        .select_related("measure", "status")
        .order_by("-as_of", "-id")
    )
    assert len(rows) - 1 == len(reports) == 15
    for row, report in zip(rows[1:], reports, strict=True):
        target = report.measure.annual_targets.get(fiscal_year=report.fiscal_year)
        rate = target.achievement_rate(report.actual_value)
        row = row + [None] * 15
        assert [as_date(row[0]), *row[1:5], number(row[5]), number(row[6]), row[7], number(row[8])] == [
            report.as_of,
            report.measure.number,
            report.measure.title,
            fiscal.fiscal_year_label(report.fiscal_year),
            str(report.status),
            report.actual_value,
            rate / 100,
            grade_for_rate(list(plan.evaluation_scale.grades.all()), rate).code,
            Decimal(report.progress_percent) / 100,
        ]
        assert row[9:12] == [report.narrative or None, report.issues or None, report.next_steps or None]
        assert row[13] is None


def test_a_withdrawn_report_stays_in_the_history_marked_with_its_date_reason_and_who(secretariat):
    measure = Measure.objects.get(number=1)
    report = add_report(measure, 2020, date(2020, 10, 1), progress=70, narrative="取り下げる報告")
    progress_report_withdraw(
        report=report,
        withdrawn_on=date(2020, 10, 5),
        reason="別の施策の数値を誤って入力したため",
        by=secretariat,
        loaded_version=report.version,
    )
    workbook = export_workbook({"as_of": "2020-12-31"})
    rows = values(workbook["進捗履歴"])
    withdrawn = [row for row in rows[1:] if "取り下げる報告" in row]
    assert len(withdrawn) == 1
    row = withdrawn[0]
    assert row[4] == f"(取り下げ) {report.status}"
    assert (
        row[13] == "令和2年10月5日(2020年10月5日)\n別の施策の数値を誤って入力したため(取り下げ: 事務局 太郎)"
    )
    standing = [row for row in rows[1:] if "取り下げる報告" not in row]
    assert all(r[13:] == [] or r[13:] == [None] for r in standing)
    for ws in workbook:
        if ws.title != "進捗履歴":
            assert "取り下げる報告" not in [str(c.value) for r in ws.iter_rows() for c in r], ws.title


def test_the_author_of_a_report_is_named_in_the_history(secretariat):
    measure = Measure.objects.get(number=1)
    add_report(measure, 2020, date(2020, 10, 15), narrative="事務局が記録", author=secretariat)
    rows = values(export_workbook({"as_of": "2020-10-15"})["進捗履歴"])
    assert rows[1][2] == measure.title and rows[1][9] == "事務局が記録"
    assert rows[1][12] == secretariat.get_full_name() == "事務局 太郎"


def test_a_report_dated_after_the_as_of_date_appears_nowhere_in_the_file():
    measure = Measure.objects.get(number=1)
    add_report(
        measure, 2020, date(2020, 10, 1), progress=70, narrative="基準日当日の報告", status_name="遅延"
    )
    add_report(
        measure,
        2020,
        date(2020, 10, 2),
        progress=100,
        status_name="完了",
        narrative="翌日の報告",
        issues="翌日の課題",
        next_steps="翌日の方向性",
        actual=999,
    )
    workbook = export_workbook({"as_of": "2020-10-01"})
    texts = every_text(workbook)
    assert "基準日当日の報告" in texts
    for later in ("翌日の報告", "翌日の課題", "翌日の方向性", "999"):
        assert later not in texts
    row = next(r for r in _progress_rows(workbook) if r[2] == measure.title)
    assert _year_columns(row, 1)[6:] == ["△ 遅延", 0.7]
    history_dates = [as_date(r[0]) for r in values(workbook["進捗履歴"])[1:]]
    assert max(history_dates) == date(2020, 10, 1)


@pytest.mark.parametrize(
    "field, pick, keep",
    [
        (
            "department",
            lambda: Department.objects.get(name="戸籍住民課"),
            lambda m, v: v in m.departments.all(),
        ),
        ("keyword", lambda: Keyword.objects.get(name="電子申請"), lambda m, v: v in m.keywords.all()),
        ("purpose", lambda: Purpose.objects.get(code="ウ"), lambda m, v: m.purpose == v),
    ],
)
def test_the_filters_keep_only_the_measures_they_name(field, pick, keep):
    plan = seed_plan()
    value = pick()
    workbook = export_workbook({"as_of": "2021-03-31", field: value.pk})
    titles = [row[2] for row in _progress_rows(workbook)]
    expected = [m.title for m in _measures_in_report_order(plan) if keep(m, value)]
    assert titles == expected and 0 < len(expected) < 5
    history_titles = {row[2] for row in values(workbook["進捗履歴"])[1:]}
    assert history_titles == set(expected)


def test_the_status_filter_keeps_measures_whose_current_report_has_that_status():
    plan = seed_plan()
    as_of = date(2020, 3, 31)
    delayed = ProgressStatus.objects.get(name="遅延")
    workbook = export_workbook({"as_of": as_of.isoformat(), "status": delayed.pk})
    titles = [row[2] for row in _progress_rows(workbook)]
    expected = [
        m.title
        for m in _measures_in_report_order(plan)
        if any((r := expected_year(m, y, as_of).report) and r.status == delayed for y in plan.fiscal_years)
    ]
    assert titles == expected and expected


def test_a_fiscal_year_filter_shows_only_that_years_columns_and_reports():
    workbook = export_workbook({"as_of": "2022-03-31", "fiscal_year": "令和2年度"})
    ws = workbook["施策別進捗"]
    year_labels = [c.value for c in ws[1] if c.value and "年度(" in str(c.value)]
    assert year_labels == ["令和2年度(2020年度)"]
    assert ws.cell(row=1, column=LEAD + PER_YEAR + 1).value == "最新の取組実績"
    assert {row[3] for row in values(workbook["進捗履歴"])[1:]} == {"令和2年度(2020年度)"}
    facts = {row[0]: row[1] for row in values(workbook["概要"]) if len(row) >= 2}
    assert "年度: 令和2年度(2020年度)" in facts["絞り込み条件"]


def test_no_matching_measure_says_so_instead_of_an_empty_table():
    plan = seed_plan()
    lonely = Department.objects.create(name="施策のない課")
    workbook = export_workbook({"department": lonely.pk, "plan": plan.pk})
    assert values(workbook["施策別進捗"])[2] == ["条件に合う施策はありません。"]
    assert values(workbook["進捗履歴"])[1] == ["基準日までの進捗報告はありません。"]


INJECTIONS = ['=HYPERLINK("http://example.com","x")', "+1+1", "-2+3", "@SUM(A1)", "=1+1"]


def test_text_a_user_typed_is_never_a_formula(secretariat):
    plan = seed_plan()
    measure = make_measure(plan=plan, number=6, title=INJECTIONS[0], departments=[INJECTIONS[4]])
    add_target(measure, 2020, 10, text=INJECTIONS[1], indicator=INJECTIONS[2])
    add_report(
        measure,
        2020,
        date(2020, 9, 30),
        narrative=INJECTIONS[3],
        issues=INJECTIONS[1],
        next_steps=INJECTIONS[0],
        actual=5,
    )
    content = export_bytes({"as_of": "2020-12-31"})
    for name, xml in sheet_xml(content).items():
        assert "<f>" not in xml and "<f " not in xml, name
    workbook = open_workbook(content)
    found = {}
    for ws in workbook:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@")):
                    assert cell.data_type == "s", (ws.title, cell.coordinate)
                    assert cell.quotePrefix, (ws.title, cell.coordinate)
                    found.setdefault(ws.title, []).append(cell.value)
    # Each is there, as the user typed it: the title, department, target, indicator, narrative,
    # issues and next steps on 施策別進捗 and on 2020's sheet, the title and department on the
    # other years', the title, narrative, issues and next steps in the history.
    title, department, target, indicator = INJECTIONS[0], INJECTIONS[4], INJECTIONS[1], f"{INJECTIONS[2]}(件)"
    narrative, issues, next_steps = INJECTIONS[3], INJECTIONS[1], INJECTIONS[0]
    everything = [title, department, target, indicator, narrative, issues, next_steps]
    expected = {
        "施策別進捗": everything,
        "令和元年度(2019年度)": [title, department],
        "令和2年度(2020年度)": everything,
        "令和3年度(2021年度)": [title, department],
        "進捗履歴": [title, narrative, issues, next_steps],
    }
    assert {k: sorted(v) for k, v in found.items()} == {k: sorted(v) for k, v in expected.items()}


def test_control_characters_and_odd_colours_do_not_break_the_file():
    plan = seed_plan()
    measure = make_measure(plan=plan, number=6, title="ベル\x07入りの施策")
    ProgressStatus.objects.filter(name="実施中").update(color="水色")
    # The longest 課題 a report may hold (4,000) arrives whole; a text longer than a cell, which
    # the database no longer holds, is cut with a mark (tests/test_long_text.py).
    add_report(measure, 2020, date(2020, 9, 30), narrative="改行\nとタブ\tと\x0bの報告", issues="長" * 4000)
    workbook = export_workbook({"as_of": "2020-12-31"})
    row = next(r for r in _progress_rows(workbook) if r[0] == 6)
    assert row[2] == "ベル入りの施策"
    assert row[LEAD + 3 * PER_YEAR] == "改行\nとタブ\tとの報告"
    assert row[LEAD + 3 * PER_YEAR + 1] == "長" * 4000
    status_cell = workbook["施策別進捗"].cell(
        row=_progress_rows(workbook).index(row) + 3, column=LEAD + PER_YEAR + 7
    )
    assert status_cell.value == "○ 実施中" and fill_rgb(status_cell) is None


def test_every_sheet_prints_a4_landscape_with_titles_header_and_footer():
    plan = seed_plan()
    workbook = export_workbook({"as_of": "2020-03-31"})
    title_rows = {"概要": "$1:$1", "施策別進捗": "$1:$2", "策定スケジュール": "$1:$3", "進捗履歴": "$1:$1"}
    title_rows |= {fiscal.fiscal_year_label(year): "$1:$1" for year in plan.fiscal_years}
    for ws in workbook:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4, ws.title
        # Its own scale, not "fit to page", under which Excel ignores page breaks (test_excel_on_paper.py);
        # but 進捗履歴, which has none, is fitted to one page wide.
        fitted = ws.sheet_properties.pageSetUpPr.fitToPage
        assert fitted == (ws.title == "進捗履歴") and 73 <= ws.page_setup.scale <= 100, ws.title
        assert ws.print_title_rows == title_rows[ws.title]
        assert ws.oddHeader.left.text == plan.name
        assert ws.oddHeader.right.text == "基準日 令和2年3月31日(2020年3月31日)"
        assert re.search(r"&P.*&N", ws.oddFooter.center.text)


def test_every_printed_page_names_its_date_of_issue_and_the_issuing_department(settings):
    """As the council report's cover does: 作成日 at the foot's left (the day the file was made,
    in 和暦) and the issuing department at its right, on every sheet."""
    issued = f"作成日 {fiscal.wareki_date_with_western(GENERATED_AT.date())}"
    assert issued == "作成日 令和3年4月5日(2021年4月5日)"
    workbook = export_workbook({"as_of": "2020-03-31"})
    for ws in workbook:
        assert ws.oddFooter.left.text == issued, ws.title
        assert ws.oddFooter.right.text == "文京区 企画政策部 情報政策課", ws.title

    settings.REPORT_ISSUER = "文京区 企画&政策課"  # & is a header's code character
    for ws in export_workbook({"as_of": "2020-03-31"}):
        assert ws.oddFooter.right.text == "文京区 企画&&政策課", ws.title


def test_an_ampersand_in_the_plan_name_is_printed_not_taken_for_a_header_code():
    plan = seed_plan()
    plan.name = "データ&デジタル計画"
    plan.save()
    ws = export_workbook({"as_of": "2020-03-31"})["概要"]
    assert ws.oddHeader.left.text == "データ&&デジタル計画"
    assert values(ws)[2][1] == "データ&デジタル計画"


def test_the_queries_do_not_grow_with_the_number_of_measures(django_assert_num_queries):
    plan = seed_plan()
    with CaptureQueriesContext(connection) as five:
        export_bytes({"as_of": "2021-03-31"})
    assert len(five.captured_queries) < 30
    for number in range(6, 31):
        measure = make_measure(
            plan=plan, number=number, title=f"追加施策{number}", departments=["情報政策課"]
        )
        for year in plan.fiscal_years:
            add_target(measure, year, 10)
            add_report(measure, year, date(year, 9, 30), actual=6)
    with django_assert_num_queries(len(five.captured_queries)):
        workbook = open_workbook(export_bytes({"as_of": "2021-03-31"}))
    assert len(_progress_rows(workbook)) == 30
    assert (
        len(values(workbook["進捗履歴"])) - 1
        == ProgressReport.objects.filter(as_of__lte=date(2021, 3, 31)).count()
    )
