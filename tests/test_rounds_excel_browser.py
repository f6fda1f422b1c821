"""A department answers by Excel in Chromium at 1280×800: download its answer's template, fill it in,
upload it, check the preview, save the draft; and a file that is not a workbook refused beside the
file field. axe-core finds nothing on each screen. The screenshots (docs/rounds.md) are saved by
tests/screenshots.py."""

from __future__ import annotations

from datetime import date

from openpyxl import load_workbook

from measures.models import Measure
from measures.sheets import exchange as x
from rounds.models import Answer
from rounds.services import round_create, round_transition

from .factories import seed_plan, status
from .screenshots import save_screenshot
from .test_accessibility_browser import _axe_source, _violations
from .test_print_browser import browser, browser_test  # noqa: F401
from .test_rounds import lead_last
from .test_rounds_browser import WIDE, _sign_in


def _no_violations(page, axe_source: str) -> None:
    found = _violations(page, axe_source)
    assert not found, f"{page.url}: {found}"


def _fill(path, measure_pk: int, **values) -> None:
    """Fill a measure's row in the downloaded file, by heading, as a person would in Excel."""
    workbook = load_workbook(path)
    ws = workbook.worksheets[0]
    header = next(row for row in ws.iter_rows() if any(cell.value == x.MEASURE_ID for cell in row))
    columns = {x.canonical_heading(str(cell.value)): cell.column for cell in header if cell.value}
    for number in range(header[0].row + 1, ws.max_row + 1):
        if ws.cell(number, columns[x.MEASURE_ID]).value == measure_pk:
            for heading, value in values.items():
                ws.cell(number, columns[heading]).value = value
    workbook.save(path)


@browser_test
def test_a_department_answers_by_excel_download_fill_upload_preview_save(
    browser,  # noqa: F811
    live_server,
    demo,
    secretariat,
    department,
    tmp_path,
):
    axe_source = _axe_source()
    lead_last()  # 広報課 answers for 施策2
    round_ = round_create(
        plan=seed_plan(),
        fiscal_year=2021,
        as_of=date(2021, 12, 31),
        deadline=date(2040, 6, 30),
        by=secretariat,
    )
    round_transition(round_=round_, action="open", by=secretariat, loaded_version=round_.version)
    answer = Answer.objects.get(round=round_, department__name="広報課")
    measure = Measure.objects.get(number=2)

    context = browser.new_context(locale="ja-JP", viewport=WIDE, accept_downloads=True)
    page = context.new_page()
    _sign_in(page, live_server, department, f"{live_server.url}/rounds/answers/{answer.pk}/")
    assert "Excelで入力する" in page.inner_text("main")
    _no_violations(page, axe_source)

    with page.expect_download() as download:
        page.get_by_role("link", name="Excelでダウンロード").click()
    assert download.value.suggested_filename == "進捗照会_令和3年度_20211231_広報課.xlsx"
    filled = tmp_path / "回答.xlsx"
    download.value.save_as(filled)
    _fill(
        filled,
        measure.pk,
        **{
            x.ACTUAL_VALUE: 131,
            x.STATUS: str(status("実施中")),
            x.PROGRESS: 80,
            x.NARRATIVE: "公開データセットを4件追加しました。",
            x.ISSUES: "更新の手間",
        },
    )

    # A file that is not a workbook: refused beside the file field, the draft untouched.
    wrong = tmp_path / "メモ.txt"
    wrong.write_text("実績は131件です。", encoding="utf-8")
    page.set_input_files("#id_file", str(wrong))
    with page.expect_navigation():
        page.get_by_role("button", name="Excelで取り込む").click()
    main = page.inner_text("main")
    assert "Excelファイルを取り込めませんでした。" in main and "「メモ.txt」" in main
    _no_violations(page, axe_source)
    save_screenshot(page, "rounds-excel-refused", full_page=True)

    page.set_input_files("#id_file", str(filled))
    with page.expect_navigation():
        page.get_by_role("button", name="Excelで取り込む").click()
    main = page.inner_text("main")
    assert "Excelから読み込んだ内容(まだ保存していません)" in main
    assert "下書きから変わる項目 5件" in main
    assert page.get_by_label("取組実績").input_value() == "公開データセットを4件追加しました。"
    assert answer.rows.get().narrative == ""  # nothing saved yet
    _no_violations(page, axe_source)
    save_screenshot(page, "rounds-excel-preview", full_page=True)

    with page.expect_navigation():
        page.get_by_role("button", name="下書きを保存").click()
    assert "1件の施策の入力を保存しました(下書き)。まだ提出していません。" in page.inner_text("main")
    row = answer.rows.get()
    assert (
        row.actual_value,
        row.status,
        row.progress_percent,
        row.narrative,
        row.issues,
        row.entered_by,
    ) == (
        131,
        status("実施中"),
        80,
        "公開データセットを4件追加しました。",
        "更新の手間",
        department,
    )
    _no_violations(page, axe_source)
    context.close()
