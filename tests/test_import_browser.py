"""The Excel round trip in Debian's Chromium at 1280×800: the template downloaded from the admin,
filled in, two departments' files uploaded at once through the file chooser, the preview, then 登録;
and the upload's page while the worker reads the files, which follows the reading by itself.

Screenshots of each page go to docs/screenshots with `make screenshots` (docs/admin.md shows them).
"""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from measures.models import Measure, ProgressReport
from measures.sheets import exchange as x
from rounds.models import ProgressImport
from rounds.progress_imports import progress_import_read

from .screenshots import save_screenshot
from .test_forms_browser import admin_page  # noqa: F401 (the signed-in tab)
from .test_import_background import NOT_STARTED
from .test_print_browser import browser, browser_test  # noqa: F401 (the browser fixture)
from .test_workbook_background import DUMMY

# The page asks the upload's status every 1.5 s (reports/static/rounds/progress_import.js).
WAIT_MS = 10_000


def _download_template(page, department: str, folder) -> tuple[str, bytes]:
    page.goto(page.base + reverse("admin:index"))
    with page.expect_navigation():  # the menu entry opens the upload page, where the work begins
        page.click("#content-main a:text-is('進捗のExcel取込')")
    assert page.url.endswith(reverse("admin:rounds_progressimport_add")), page.url
    page.select_option("#id_department", label=department)
    with page.expect_download() as download:
        page.click("#template-form input[type=submit]")
    path = folder / download.value.suggested_filename
    download.value.save_as(path)
    return download.value.suggested_filename, path.read_bytes()


def _fill(content: bytes, figures: dict[int, dict]) -> bytes:
    """Fill in rows by measure number, as the department does in its own Excel."""
    workbook = load_workbook(io.BytesIO(content))
    ws = workbook.worksheets[0]
    header = next(r[0].row for r in ws.iter_rows() if any(c.value == x.MEASURE_ID for c in r))
    columns = {x.canonical_heading(c.value): c.column for c in ws[header] if c.value}
    for row in range(header + 1, ws.max_row + 1):
        number = ws.cell(row, columns[x.NUMBER]).value
        for heading, value in figures.get(number, {}).items():
            ws.cell(row, columns[heading]).value = value
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


@browser_test
@pytest.mark.usefixtures("uploads_read_at_once")
def test_two_departments_files_are_uploaded_checked_and_imported(admin_page, tmp_path):  # noqa: F811
    page = admin_page
    name, content = _download_template(page, "情報政策課", tmp_path)
    assert name == "進捗報告_令和3年度_情報政策課.xlsx"
    save_screenshot(page, "import-upload", full_page=True)
    info = tmp_path / "filled-info.xlsx"
    info.write_bytes(
        _fill(
            content,
            {1: {x.STATUS: "◎ 完了", x.PROGRESS: 100, x.ACTUAL_VALUE: 125, x.AS_OF: "令和4年6月30日"}},
        )
    )
    _, koseki_content = _download_template(page, "戸籍住民課", tmp_path)
    koseki = tmp_path / "filled-koseki.xlsx"
    koseki.write_bytes(
        _fill(koseki_content, {3: {x.PROGRESS: 95, x.AS_OF: "2022/6/30", x.ISSUES: "交付窓口の混雑"}})
    )
    before = ProgressReport.objects.count()

    page.set_input_files("#id_files", [str(info), str(koseki)])
    with page.expect_navigation():
        page.click("#upload-form input[type=submit]")
    text = page.inner_text("#content")
    assert "新しい報告 2件" in text and "問題 0件" in text, text[:1500]
    assert "filled-info.xlsx" in text and "filled-koseki.xlsx" in text
    save_screenshot(page, "import-preview", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    assert ProgressReport.objects.count() == before

    with page.expect_navigation():
        page.click("button[value=confirm]")
    assert "進捗報告を2件登録しました" in page.inner_text("#content-main, .messagelist")
    save_screenshot(page, "import-list")
    added = ProgressReport.objects.filter(as_of=date(2022, 6, 30)).order_by("measure__number")
    assert [(r.measure.number, r.progress_percent) for r in added] == [(1, 100), (3, 95)]
    assert added[0].actual_value == 125 and added[1].issues == "交付窓口の混雑"
    assert ProgressImport.objects.get().state == ProgressImport.State.IMPORTED


@browser_test
@pytest.mark.usefixtures("uploads_read_at_once")
def test_a_file_with_problems_shows_each_one_and_cannot_be_imported(admin_page, tmp_path):  # noqa: F811
    page = admin_page
    _, content = _download_template(page, "情報政策課", tmp_path)
    bad = tmp_path / "記入ミス.xlsx"
    bad.write_bytes(
        _fill(
            content,
            {
                1: {x.STATUS: "終わった", x.PROGRESS: 1, x.AS_OF: "令和4年6月30日"},
                5: {x.PROGRESS: 1.2, x.AS_OF: "2022/6/31", x.TITLE: "書き換えた施策名"},
            },
        )
    )
    page.set_input_files("#id_files", str(bad))
    with page.expect_navigation():
        page.click("#upload-form input[type=submit]")
    problems = page.locator(".import-problems tbody tr")
    assert problems.count() == 4, page.inner_text("#content")[:1500]
    text = page.inner_text(".import-problems")
    assert "進捗状況「終わった」は選択肢にありません。" in text
    assert "入力欄でない「施策名」が変わっています" in text
    assert page.locator("button[value=confirm]").count() == 0
    save_screenshot(page, "import-problems", full_page=True)
    assert not ProgressReport.objects.filter(
        measure__in=Measure.objects.filter(number__in=[1, 5]), as_of=date(2022, 6, 30)
    ).exists()


@browser_test
def test_the_upload_page_follows_the_reading_by_itself(admin_page, settings, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    settings.TASKS = DUMMY  # the worker is stopped: the test plays it below
    page = admin_page
    _, content = _download_template(page, "情報政策課", tmp_path)
    filled = tmp_path / "情報政策課.xlsx"
    filled.write_bytes(_fill(content, {1: {x.STATUS: "◎ 完了", x.PROGRESS: 1, x.AS_OF: "令和4年6月30日"}}))
    page.set_input_files("#id_files", str(filled))
    with page.expect_navigation():
        page.click("#upload-form input[type=submit]")
    upload = ProgressImport.objects.get()
    assert page.url.endswith(reverse("admin:rounds_progressimport_preview", args=[upload.pk])), page.url
    reading = page.locator(".import-reading")
    expect(reading).to_contain_text("ファイル1個を読み込んでいます")
    notice = reading.locator('[data-field="notice"]')
    expect(notice).to_be_hidden()
    assert page.locator("button[value=confirm]").count() == 0

    # A minute passes and the worker has not begun: the page, asking by itself, says so.
    ProgressImport.objects.filter(pk=upload.pk).update(uploaded_at=timezone.now() - timedelta(seconds=61))
    expect(notice).to_have_text(NOT_STARTED, timeout=WAIT_MS)
    expect(notice).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    save_screenshot(page, "import-reading")

    # The worker reads the files: the preview replaces the notice without anyone reloading.
    assert progress_import_read(upload_id=upload.pk) == "preview"
    expect(page.locator("#content-main")).to_contain_text("新しい報告 1件", timeout=WAIT_MS)
    expect(page.locator("button[value=confirm]")).to_have_text("1件の進捗報告を登録する")
    expect(page.locator(".import-reading")).to_have_count(0)
