"""The department's template, read back as Excel reads it: its checks, its frozen pane and its
print titles all sit on the table, from the heading row to the last measure."""

from __future__ import annotations

import io
import os
from datetime import date

import pytest
from openpyxl import load_workbook
from openpyxl.utils import range_boundaries

from measures.models import Department, Measure, ProgressReport
from measures.sheets import exchange as x

from .excel import export_bytes
from .factories import seed_plan
from .test_progress_import import (  # noqa: F401
    Filled,
    confirm,
    measure,
    page_text,
    resaved_by_libreoffice,
    secretariat_client,
    template_bytes,
    upload,
)

pytestmark = pytest.mark.usefixtures("demo")


def _covering(ws, row: int, column: int) -> set[str]:
    """The types of the data validations that hold the cell."""
    found = set()
    for validation in ws.data_validations.dataValidation:
        for cell_range in str(validation.sqref).split():
            min_col, min_row, max_col, max_row = range_boundaries(cell_range)
            if min_col <= column <= max_col and min_row <= row <= max_row:
                found.add(validation.type)
    return found


@pytest.mark.parametrize("department", ["広報課", None], ids=["one measure", "all"])
def test_every_measure_row_and_no_heading_has_each_check(secretariat_client, department):  # noqa: F811
    owner = Department.objects.get(name=department) if department else None
    content = template_bytes(secretariat_client, department=owner)
    filled = Filled(content)
    ws, header = filled.ws, filled.header
    measures = Measure.objects.filter(plan=seed_plan())
    if owner:
        measures = measures.filter(departments=owner)
    rows = [filled.row_of(m) for m in measures]
    assert len(rows) == measures.count() >= 1
    assert sorted(rows) == list(range(header + 1, header + 1 + len(rows)))
    expected = {x.STATUS: "list", x.PROGRESS: "whole", x.AS_OF: "date", x.ACTUAL_VALUE: "decimal"}
    for heading, kind in expected.items():
        column = filled.columns[heading]
        for row in rows:
            assert _covering(ws, row, column) == {kind}, (heading, row)
        assert _covering(ws, header, column) == set(), heading
        assert _covering(ws, rows[-1] + 1, column) == set(), heading
    assert ws.freeze_panes == f"E{header + 1}"
    reread = load_workbook(io.BytesIO(content))
    assert reread.active.print_title_rows == f"${header}:${header}"


# ---- 進捗率(%): a whole number, the same in Excel and LibreOffice ------------------------------------


def test_progress_is_a_whole_number_column_headed_with_its_unit(secretariat_client):  # noqa: F811
    filled = Filled(template_bytes(secretariat_client))
    ws, header = filled.ws, filled.header
    column = filled.columns[x.PROGRESS]
    assert ws.cell(header, column).value == "進捗率(%)"
    row = filled.row_of(measure(3))
    assert "%" not in ws.cell(row, column).number_format
    assert ws.cell(row, column).number_format == "0"
    (progress,) = [v for v in ws.data_validations.dataValidation if v.errorTitle == "進捗率(%)"]
    assert (progress.type, progress.operator, progress.formula1, progress.formula2) == (
        "whole",
        "between",
        "0",
        "100",
    )
    text = " ".join(str(c.value) for r in ws.iter_rows(max_row=header - 1) for c in r if c.value)
    assert "進捗率(%)は0から100までの整数で入力します。50%なら 50 と入力します" in text
    assert "50 と入力すると 50% になります" not in text


@pytest.mark.usefixtures("uploads_read_at_once")
@pytest.mark.parametrize(
    "number_format, value",
    [("0", 50), ("0%", 0.5), ("0%", 50)],
    ids=["the template's plain cell", "an old template's percent cell, Excel", "the same, LibreOffice"],
)
def test_progress_reads_as_50_however_the_cell_holds_it(secretariat_client, number_format, value):  # noqa: F811
    filled = Filled(template_bytes(secretariat_client)).fill(
        measure(3), status="○ 実施中", progress=value, as_of="2022/5/1"
    )
    filled.cell(measure(3), x.PROGRESS).number_format = number_format
    text = page_text(upload(secretariat_client, ("戸籍住民課.xlsx", filled.bytes())))
    assert "新しい報告 1件" in text and "問題 0件" in text, text[-1500:]
    confirm(secretariat_client)
    assert ProgressReport.objects.get(measure=measure(3), as_of=date(2022, 5, 1)).progress_percent == 50


@pytest.mark.libreoffice
@pytest.mark.usefixtures("uploads_read_at_once")
def test_50_typed_in_libreoffice_reads_as_50(secretariat_client, tmp_path):  # noqa: F811
    """The instructions' own example, in a template saved by LibreOffice Calc: the cell holds 50
    and the upload reads 50 (the old percent cell held 50 there too, and was refused as 5000 %)."""
    from .test_excel_libreoffice import SOFFICE, libreoffice_unavailable

    if not os.access(SOFFICE, os.X_OK):
        libreoffice_unavailable(f"{SOFFICE} がありません。make test が入れます。")
    filled = Filled(template_bytes(secretariat_client)).fill(
        measure(3), status="○ 実施中", progress=50, as_of="2022/7/15"
    )
    saved = resaved_by_libreoffice(tmp_path, "戸籍住民課.xlsx", filled.bytes())
    again = Filled(saved)
    cell = again.cell(measure(3), x.PROGRESS)
    assert (cell.value, "%" in cell.number_format) == (50, False)
    text = page_text(upload(secretariat_client, ("戸籍住民課.xlsx", saved)))
    assert "新しい報告 1件" in text and "問題 0件" in text, text[-1500:]
    confirm(secretariat_client)
    assert ProgressReport.objects.get(measure=measure(3), as_of=date(2022, 7, 15)).progress_percent == 50


# ---- a note below the table ---------------------------------------------------------------------------


@pytest.mark.usefixtures("uploads_read_at_once")
def test_a_note_typed_below_the_table_is_skipped_with_a_warning(secretariat_client):  # noqa: F811
    filled = Filled(template_bytes(secretariat_client)).fill(
        measure(3), status="○ 実施中", progress=40, as_of="2022/5/1"
    )
    last = max(filled.row_of(m) for m in Measure.objects.filter(plan=seed_plan()))
    ws = filled.ws
    ws.cell(last + 2, filled.columns[x.TITLE]).value = "※ 施策3は10月に担当が変わります"  # no 施策ID
    ws.cell(last + 3, filled.columns[x.NARRATIVE]).value = "確認: 総務課 山田"  # an input column, no 施策ID
    ws.cell(last + 4, 20).value = "備考: 内線1234"  # outside the table's columns
    text = page_text(upload(secretariat_client, ("戸籍住民課.xlsx", filled.bytes())))
    assert "新しい報告 1件" in text and "問題 0件" in text, text[-1500:]
    for row in (last + 2, last + 3, last + 4):
        assert f"表の下の行({row}行目)は読み込みませんでした" in text
    assert "注意 3件" in text
    assert "進捗報告を登録する" in text
    assert confirm(secretariat_client).status_code == 302
    assert ProgressReport.objects.get(measure=measure(3), as_of=date(2022, 5, 1)).progress_percent == 40


@pytest.mark.usefixtures("uploads_read_at_once")
def test_a_row_without_a_measure_inside_the_table_still_stops_the_upload(secretariat_client):  # noqa: F811
    filled = Filled(template_bytes(secretariat_client))
    first = min(filled.row_of(m) for m in Measure.objects.filter(plan=seed_plan()))
    filled.ws.insert_rows(first + 1)
    filled.ws.cell(first + 1, filled.columns[x.NARRATIVE]).value = "追加した行"
    text = page_text(upload(secretariat_client, ("戸籍住民課.xlsx", filled.bytes())))
    assert "問題 1件" in text and "施策IDが空欄です" in text, text[-1500:]
    assert "表の下の行" not in text


# ---- a sheet of another year --------------------------------------------------------------------------


@pytest.mark.usefixtures("uploads_read_at_once")
def test_a_year_sheet_of_another_year_is_named_with_its_year_and_why_it_was_skipped(secretariat_client):  # noqa: F811
    """A manager fills in 令和2年度 of the workbook and uploads it with 令和3年度 chosen."""
    filled = Filled(export_bytes({"as_of": "2022/6/30", "fiscal_year": "2020"}), "令和2年度(2020年度)")
    filled.fill(measure(2), status="○ 実施中", progress="45%", as_of="2021/3/31")
    text = page_text(upload(secretariat_client, ("進捗状況.xlsx", filled.bytes())))
    assert "登録する報告はありません" not in text
    assert (
        "進捗状況.xlsx シート「令和2年度(2020年度)」(令和2年度(2020年度)): 読み込みませんでした。"
        "令和2年度(2020年度)のシートです。取り込む年度は令和3年度(2021年度)のため読み込みませんでした。"
        "このシートの報告は、年度に令和2年度(2020年度)を選んでアップロードしてください。"
    ) in text, text[-2000:]
    assert "シート「概要」: 読み込みませんでした。集計のシートです" in text
    assert "このファイルにあるのは令和2年度(2020年度)のシートです。" in text


@pytest.mark.usefixtures("uploads_read_at_once")
def test_of_a_workbook_of_every_year_only_the_chosen_years_sheet_is_read_and_the_others_say_why(
    secretariat_client,  # noqa: F811
):
    filled = Filled(export_bytes({"as_of": "2022/6/30"}))
    text = page_text(upload(secretariat_client, ("進捗状況.xlsx", filled.bytes())))
    assert "シート「令和3年度(2021年度)」(令和3年度(2021年度)): 読み込みました" in text, text[-2000:]
    assert (
        "シート「令和2年度(2020年度)」(令和2年度(2020年度)): 読み込みませんでした。令和2年度(2020年度)のシートです。"
        in text
    )
    assert "シート「令和元年度(2019年度)」(令和元年度(2019年度)): 読み込みませんでした。" in text
