"""The secretariat sends each department a template, gets it back filled in, checks the preview
and imports it: every row becomes a progress report, or none does.

Each test builds real .xlsx files: the template as the admin serves it, filled in with openpyxl
as a department's Excel would, and uploaded through the admin's own page.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook
from openpyxl.packaging.custom import IntProperty, StringProperty

from core import fiscal
from measures.models import Department, Measure, ProgressReport
from measures.sheets import exchange as x
from rounds.models import ProgressImport

from .excel import export_bytes, values
from .factories import add_report, seed_plan
from .page_text import parse

pytestmark = pytest.mark.usefixtures("demo", "uploads_read_at_once")

YEAR = 2021
UPLOAD_URL = reverse("admin:rounds_progressimport_add")
TEMPLATE_URL = reverse("admin:rounds_progressimport_template")


def page_text(response) -> str:
    return parse(response.content).text


def _target(year: int = YEAR) -> str:
    return f"{seed_plan().pk}:{year}"


def template_bytes(client, *, year: int = YEAR, department: Department | None = None) -> bytes:
    params = {"target": _target(year)}
    if department is not None:
        params["department"] = department.pk
    response = client.get(TEMPLATE_URL, params)
    assert response.status_code == 200, response.content.decode()[:500]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return b"".join(response.streaming_content)


class Filled:
    """A template opened as a department's Excel would open it, to fill in by heading."""

    def __init__(self, content: bytes, sheet: str | None = None):
        self.workbook = load_workbook(io.BytesIO(content))
        titles = self.workbook.sheetnames
        self.use_sheet(sheet or (titles[0] if len(titles) == 1 else fiscal.fiscal_year_label(YEAR)))

    def use_sheet(self, title: str) -> Filled:
        self.ws = self.workbook[title]
        self.header = next(
            row[0].row for row in self.ws.iter_rows() if any(c.value == x.MEASURE_ID for c in row)
        )
        self.columns = {x.canonical_heading(c.value): c.column for c in self.ws[self.header] if c.value}
        return self

    def row_of(self, measure: Measure) -> int:
        for row in range(self.header + 1, self.ws.max_row + 1):
            if self.ws.cell(row, self.columns[x.MEASURE_ID]).value == measure.pk:
                return row
        raise AssertionError(f"no row for measure {measure.pk}")

    def cell(self, measure: Measure, heading: str):
        return self.ws.cell(self.row_of(measure), self.columns[heading])

    def fill(self, measure: Measure, **values) -> Filled:
        headings = {
            "actual": x.ACTUAL_VALUE,
            "status": x.STATUS,
            "progress": x.PROGRESS,
            "narrative": x.NARRATIVE,
            "issues": x.ISSUES,
            "next_steps": x.NEXT_STEPS,
            "as_of": x.AS_OF,
            "title": x.TITLE,
            "measure_id": x.MEASURE_ID,
        }
        for key, value in values.items():
            self.cell(measure, headings[key]).value = value
        return self

    def bytes(self) -> bytes:
        output = io.BytesIO()
        self.workbook.save(output)
        return output.getvalue()


def upload(client, *files: tuple[str, bytes], year: int = YEAR):
    """Upload through the admin's page; returns the preview's response (after the redirect)."""
    payload = [SimpleUploadedFile(name, content) for name, content in files]
    response = client.post(UPLOAD_URL, {"target": _target(year), "files": payload})
    assert response.status_code == 302, page_text(response)
    return client.get(response["Location"])


def latest_upload() -> ProgressImport:
    return ProgressImport.objects.order_by("-pk").first()


def confirm(client, upload_: ProgressImport | None = None):
    upload_ = upload_ or latest_upload()
    return client.post(
        reverse("admin:rounds_progressimport_preview", args=[upload_.pk]), {"action": "confirm"}
    )


def measure(number: int) -> Measure:
    return Measure.objects.get(plan=seed_plan(), number=number)


@pytest.fixture
def secretariat_client(client, secretariat):
    client.force_login(secretariat)
    return client


def _report_count() -> int:
    return ProgressReport.objects.count()


# ---- the round trip --------------------------------------------------------------------------------


def test_template_fill_upload_preview_confirm_adds_the_reports_and_the_excel_shows_them(
    secretariat_client, secretariat
):
    info = Department.objects.get(name="情報政策課")
    content = template_bytes(secretariat_client, department=info)
    filled = Filled(content)
    one, four = measure(1), measure(4)
    filled.fill(
        one,
        actual=1234,
        status="◎ 完了",
        progress=100,
        narrative="電子申請を30手続に拡大",
        as_of="令和4年5月31日",
    )
    filled.fill(
        four,
        actual=None,
        status="○ 実施中",
        progress=60,
        issues="職員研修が必要",
        as_of=datetime(2022, 6, 1),
    )
    before = _report_count()

    preview = upload(secretariat_client, ("情報政策課.xlsx", filled.bytes()))
    text = page_text(preview)
    assert preview.status_code == 200
    assert "新しい報告 2件" in text and "問題 0件" in text
    assert "2件の進捗報告を登録する" in text
    assert "令和4年5月31日(2022年5月31日)" in text and "100%" in text and "電子申請を30手続に拡大" in text
    assert _report_count() == before  # nothing saved by the preview

    response = confirm(secretariat_client)
    assert response.status_code == 302
    added = ProgressReport.objects.filter(measure__in=[one, four], fiscal_year=YEAR).order_by(
        "-created_at", "-pk"
    )
    first = added.get(measure=one, as_of=date(2022, 5, 31))
    assert first.actual_value == Decimal("1234") and first.progress_percent == 100
    assert first.status.name == "完了" and first.narrative == "電子申請を30手続に拡大"
    assert first.author == secretariat
    assert "情報政策課.xlsx" in first.notes and f"取込番号{latest_upload().pk}" in first.notes
    second = added.get(measure=four, as_of=date(2022, 6, 1))
    assert second.actual_value is None  # an empty cell is "no value yet", never 0
    assert second.progress_percent == 60 and second.issues == "職員研修が必要"
    assert first.history.get().history_user == secretariat
    assert _report_count() == before + 2
    upload_ = latest_upload()
    assert upload_.state == ProgressImport.State.IMPORTED and upload_.report_count == 2

    workbook = load_workbook(io.BytesIO(export_bytes({"as_of": "2022-06-30"})))
    rows = values(workbook[fiscal.fiscal_year_label(YEAR)])
    header = rows[0]
    by_id = {
        row[0]: dict(zip(header, row, strict=False)) for row in rows[1:] if row and isinstance(row[0], int)
    }
    assert by_id[one.pk][x.ACTUAL_VALUE] == 1234 and by_id[one.pk][x.STATUS] == "◎ 完了"
    assert by_id[four.pk][x.PROGRESS] == 0.6 and by_id[four.pk].get(x.ACTUAL_VALUE) is None


def test_a_department_template_holds_only_its_measures_with_inputs_unlocked_and_drop_downs(
    secretariat_client,
):
    koho = Department.objects.get(name="広報課")
    filled = Filled(template_bytes(secretariat_client, department=koho))
    ws = filled.ws
    ids = [
        ws.cell(row, filled.columns[x.MEASURE_ID]).value
        for row in range(filled.header + 1, ws.max_row + 1)
        if ws.cell(row, filled.columns[x.MEASURE_ID]).value is not None
    ]
    assert (
        ids == [m.pk for m in Measure.objects.filter(departments=koho).order_by("number")] == [measure(2).pk]
    )
    assert filled.workbook.sheetnames == [fiscal.fiscal_year_label(YEAR)]
    assert ws.protection.sheet
    row = filled.row_of(measure(2))
    locked = {h: ws.cell(row, filled.columns[h]).protection.locked for h in x.HEADINGS}
    assert [h for h, is_locked in locked.items() if not is_locked] == list(x.INPUT_HEADINGS)
    validations = {str(v.sqref).split(":")[0][0]: v for v in ws.data_validations.dataValidation}
    status = validations[ws.cell(row, filled.columns[x.STATUS]).column_letter]
    assert status.type == "list" and "◎ 完了" in status.formula1 and "○ 実施中" in status.formula1
    progress = validations[ws.cell(row, filled.columns[x.PROGRESS]).column_letter]
    assert (progress.type, progress.formula1, progress.formula2) == ("whole", "0", "100")
    text = " ".join(str(c.value) for r in ws.iter_rows(max_row=filled.header - 1) for c in r if c.value)
    assert "令和3年度(2021年度) 進捗報告 広報課" in text
    assert "黄色の列" in text and "空欄のまま" in text
    props = {p.name: p.value for p in filled.workbook.custom_doc_props}
    assert props[x.PROPERTY_DEPARTMENT] == koho.pk and props[x.PROPERTY_FISCAL_YEAR] == YEAR


def test_uploading_the_same_file_again_adds_nothing(secretariat_client):
    filled = Filled(template_bytes(secretariat_client)).fill(
        measure(3), status="○ 実施中", progress=70, as_of="2022/4/30"
    )
    content = filled.bytes()
    upload(secretariat_client, ("戸籍住民課.xlsx", content))
    assert confirm(secretariat_client).status_code == 302
    count = _report_count()

    again = page_text(upload(secretariat_client, ("戸籍住民課.xlsx", content)))
    assert "新しい報告 0件" in again and "変更なし" in again
    assert "登録する報告はありません" in again and "進捗報告を登録する" not in again
    assert confirm(secretariat_client).status_code == 400
    assert _report_count() == count


def test_an_upload_is_confirmed_once(secretariat_client):
    filled = Filled(template_bytes(secretariat_client)).fill(
        measure(3), status="○ 実施中", progress=70, as_of="2022/4/30"
    )
    upload(secretariat_client, ("a.xlsx", filled.bytes()))
    first = latest_upload()
    assert confirm(secretariat_client, first).status_code == 302
    count = _report_count()
    response = confirm(secretariat_client, first)
    assert response.status_code == 400
    assert "この取込はすでに登録済みです。" in page_text(response)
    assert _report_count() == count


def test_a_report_added_after_the_preview_stops_the_confirmation(secretariat_client):
    filled = Filled(template_bytes(secretariat_client)).fill(
        measure(5), status="○ 実施中", progress=40, as_of="2022/5/1"
    )
    upload(secretariat_client, ("a.xlsx", filled.bytes()))
    add_report(measure(5), YEAR, date(2022, 4, 15), progress=30)
    count = _report_count()
    response = confirm(secretariat_client)
    assert response.status_code == 400
    text = page_text(response)
    assert "プレビューの後で、次の施策の令和3年度(2021年度)の報告が変わりました: 5 " in text
    assert "何も登録していません。" in text
    assert _report_count() == count


def test_a_measure_changed_since_the_preview_is_named_once_however_many_rows_it_has(secretariat_client):
    """Five departments' files each add a report to measure 5 (on different dates): when its
    latest report changes after the preview, the refusal names it once, not five times."""
    template = template_bytes(secretariat_client)
    files = [
        (
            f"課{day}.xlsx",
            Filled(template).fill(measure(5), status="○ 実施中", progress=40, as_of=f"2022/5/{day}").bytes(),
        )
        for day in range(1, 6)
    ]
    preview = page_text(upload(secretariat_client, *files))
    assert "新しい報告 5件" in preview and "問題 0件" in preview, preview
    add_report(measure(5), YEAR, date(2022, 4, 15), progress=30)
    count = _report_count()

    response = confirm(secretariat_client)

    assert response.status_code == 400
    five = measure(5)
    assert (
        f"プレビューの後で、次の施策の令和3年度(2021年度)の報告が変わりました: {five.number} {five.title}。"
        "何も登録していません。" in page_text(response)
    )
    assert _report_count() == count


def test_a_year_sheet_of_the_managers_workbook_comes_back_as_well(secretariat_client):
    filled = Filled(export_bytes({"as_of": "2022-06-30"}))
    filled.fill(measure(2), status="○ 実施中", progress="45%", actual="12", as_of="令和4年6月20日")
    preview = page_text(upload(secretariat_client, ("進捗状況.xlsx", filled.bytes())))
    assert "新しい報告 1件" in preview and "問題 0件" in preview, preview
    confirm(secretariat_client)
    report = ProgressReport.objects.get(measure=measure(2), fiscal_year=YEAR, as_of=date(2022, 6, 20))
    assert report.progress_percent == 45 and report.actual_value == Decimal("12")  # a number stored as text


# ---- problems: each named where it is, and nothing saved ---------------------------------------------


def _problems(client, content: bytes, name: str = "記入.xlsx", year: int = YEAR) -> str:
    count = _report_count()
    response = upload(client, (name, content), year=year)
    text = page_text(response)
    assert "進捗報告を登録する" not in text
    assert confirm(client).status_code == 400
    assert _report_count() == count
    return text


def _retag(content: bytes, **props) -> bytes:
    workbook = load_workbook(io.BytesIO(content))
    kept = [p for p in workbook.custom_doc_props if p.name not in props]
    workbook.custom_doc_props.props = kept
    for name, value in props.items():
        prop = (
            IntProperty(name=name, value=value)
            if isinstance(value, int)
            else StringProperty(name=name, value=value)
        )
        workbook.custom_doc_props.append(prop)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


@pytest.mark.parametrize(
    "values, where, message",
    [
        ({"measure_id": 99999}, "A列(施策ID)", "施策ID「99999」の施策はこの計画にありません。"),
        (
            {"status": "完了済み"},
            "L列(進捗状況)",
            "進捗状況「完了済み」は選択肢にありません。未着手、実施中、完了、遅延、中止 から選んでください。",
        ),
        (
            {"progress": 1.5},
            "M列(進捗率)",
            "進捗率は0から100までの整数で入力してください(50%なら50。「1.5」)。",
        ),
        (
            {"progress": "半分"},
            "M列(進捗率)",
            "進捗率は0から100までの整数で入力してください(50%なら50。「半分」)。",
        ),
        (
            {"actual": "約10件"},
            "I列(実績値)",
            "実績値は数で入力してください(「約10件」は数として読めません)。",
        ),
        ({"actual": -3}, "I列(実績値)", "実績値はマイナスにできません。0以上の数で入力してください。"),
        (
            {"as_of": "9月末"},
            "Q列(報告基準日)",
            "報告基準日「9月末」は日付として読み取れません。"
            "2020/03/31、2020-03-31、令和2年3月31日、R2.3.31 のように入力します。",
        ),
        ({"as_of": "2021/13/45"}, "Q列(報告基準日)", "報告基準日「2021/13/45」という日付はありません。"),
        (
            {"as_of": "令和4年2月30日"},
            "Q列(報告基準日)",
            "報告基準日「令和4年2月30日」という日付はありません。",
        ),
        (
            {"as_of": True},
            "Q列(報告基準日)",
            "報告基準日は日付で入力してください(「True」は日付として読めません)。",
        ),
        (
            {"as_of": "2021/3/31"},
            "Q列(報告基準日)",
            "報告基準日は令和3年度(2021年度)の開始日(2021/04/01)以降にしてください。",
        ),
        (
            {"as_of": "2023/4/1"},
            "Q列(報告基準日)",
            "報告基準日は令和3年度(2021年度)の開始日(2021/04/01)から、",
        ),
        ({"as_of": None}, "Q列(報告基準日)", "報告基準日を入力してください。"),
        (
            {"title": "別の施策名"},
            "D列(施策名)",
            "入力欄でない「施策名」が変わっています(ファイル: 「別の施策名」、",
        ),
        ({"progress": "=50"}, "M列(進捗率)", "数式(=50)は取り込めません。計算した値を入力してください。"),
    ],
)
def test_a_bad_cell_is_named_by_file_sheet_row_and_column(secretariat_client, values, where, message):
    filled = Filled(template_bytes(secretariat_client))
    target = measure(3)
    base = {"status": "○ 実施中", "progress": 50, "as_of": "2022/5/1"}
    row = filled.row_of(target)
    filled.fill(target, **{**base, **values})
    text = _problems(secretariat_client, filled.bytes(), name="戸籍住民課.xlsx")
    assert "問題 1件" in text
    assert f"戸籍住民課.xlsx {fiscal.fiscal_year_label(YEAR)} {row}行目 {where} {message}" in text


def test_a_measure_of_another_department_is_refused(secretariat_client):
    koseki = Department.objects.get(name="戸籍住民課")
    filled = Filled(template_bytes(secretariat_client, department=koseki))
    row = filled.row_of(measure(3))
    # The department pastes another department's measure into its own row.
    filled.ws.cell(row, filled.columns[x.MEASURE_ID]).value = measure(2).pk
    filled.fill(measure(2), status="○ 実施中", progress=50, as_of="2022/5/1")
    text = _problems(secretariat_client, filled.bytes())
    assert (
        "施策「2 オープンデータ活用の推進」は戸籍住民課の所管ではありません(所管: 情報政策課、広報課)。"
        in text
    )


def test_a_template_of_another_year_or_plan_or_outside_the_plan_is_refused(secretariat_client):
    content = template_bytes(secretariat_client, year=2020)
    text = _problems(secretariat_client, content)
    assert (
        "このファイルは令和2年度(2020年度)のテンプレートです。取り込む年度は令和3年度(2021年度)です。" in text
    )
    text = _problems(secretariat_client, _retag(content, **{x.PROPERTY_FISCAL_YEAR: 2022}), year=2021)
    assert (
        "このファイルの年度(令和4年度(2022年度))は計画の期間(令和元年度(2019年度)〜令和3年度(2021年度))の外です。"
        in text
    )
    text = _problems(secretariat_client, _retag(content, **{x.PROPERTY_PLAN: 424242}))
    assert (
        "このファイルは別の計画のものです。取り込む計画「文京区官民データ活用推進計画」のテンプレートに記入してください。"
        in text
    )
    plain = Workbook()
    plain.active.append(["施策ID", "実績値"])
    output = io.BytesIO()
    plain.save(output)
    text = _problems(secretariat_client, output.getvalue())
    assert "このファイルは進捗報告のテンプレートではありません" in text


def test_extra_sheets_merged_cells_and_an_emptied_sheet_are_refused(secretariat_client):
    filled = Filled(template_bytes(secretariat_client))
    filled.workbook.create_sheet("メモ")
    filled.ws.merge_cells(
        start_row=filled.header + 1, start_column=14, end_row=filled.header + 2, end_column=14
    )
    text = _problems(secretariat_client, filled.bytes())
    assert "シート「メモ」はテンプレートにないシートです。" in text
    assert f"セル N{filled.header + 1}:N{filled.header + 2} が結合されています。" in text

    emptied = Filled(template_bytes(secretariat_client))
    emptied.ws.delete_rows(1, emptied.ws.max_row)
    text = _problems(secretariat_client, emptied.bytes())
    assert "見出しの行(施策ID、施策名、実績値 …)が見つかりません。" in text


def test_a_text_beginning_with_an_equals_sign_is_refused_and_never_stored(secretariat_client):
    filled = Filled(template_bytes(secretariat_client)).fill(
        measure(3), status="○ 実施中", progress=50, as_of="2022/5/1"
    )
    cell = filled.cell(measure(3), x.NARRATIVE)
    cell.value = '=HYPERLINK("http://example.com")'
    cell.data_type = "s"  # typed with a leading apostrophe: text, not a formula
    text = _problems(secretariat_client, filled.bytes())
    assert "「=」で始まる文は取り込めません" in text


@pytest.mark.parametrize(
    "name, content, message",
    [
        (
            "記入.xlsx",
            b"\xef\xbb\xbf\xe6\x96\xbd\xe7\xad\x96ID,\xe5\xae\x9f\xe7\xb8\xbe\xe5\x80\xa4\r\n1,2\r\n",
            "はCSVファイルのようです。",
        ),
        ("記入.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2000, "形式"),
        ("記入.xlsx", b"PK\x03\x04broken", "壊れているため読み込めません"),
    ],
)
def test_files_that_are_not_what_they_claim_get_a_message_and_no_500(
    secretariat_client, name, content, message
):
    text = _problems(secretariat_client, content, name=name)
    assert message in text and "「記入.xlsx」" in text


# ---- who may ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["manager", "council", None])
def test_only_the_secretariat_imports(client, request, role):
    """Managers and the council do not use the admin: it sends them to its sign-in page."""
    if role:
        client.force_login(request.getfixturevalue(role))
    for response in (client.get(UPLOAD_URL), client.get(TEMPLATE_URL, {"target": _target()})):
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_the_upload_page_without_files_says_what_to_do(secretariat_client):
    response = secretariat_client.post(UPLOAD_URL, {"target": _target()})
    assert response.status_code == 400
    assert "記入したファイルを選んでください。" in page_text(response)


# ---- a fixed number of queries, however many rows ---------------------------------------------------


def _plan_with(count: int):
    from .factories import make_measure, make_plan

    plan = make_plan(name=f"件数{count}の計画", first=2022, last=2024)
    for number in range(1, count + 1):
        make_measure(plan=plan, number=number, title=f"施策{number}", departments=["情報政策課"])
    return plan


def _filled_template(plan, year: int) -> bytes:
    from rounds.collection import ProgressTemplate, write_template_workbook

    output = io.BytesIO()
    write_template_workbook(ProgressTemplate(plan=plan, fiscal_year=year), output)
    filled = Filled(output.getvalue())
    for m in plan.measures.all():
        filled.fill(m, status="○ 実施中", progress=50, actual=m.number, as_of="2022/9/30")
    return filled.bytes()


# Keeping the upload (the request): the stale uploads' files and the stale uploads themselves
# (rounds.progress_imports.PREVIEW_KEPT), the upload's record and its files, in a savepoint.
UPLOAD_QUERIES = 6
# Reading it (the worker): the stale uploads again, the claim, the upload with its plan, its files;
# then the plan's rows (measures.selectors.measure_progress_rows, 8), the statuses, the departments,
# the measures with their plans, the reports of the same dates, the service's checks (measures,
# statuses, same-date reports); then the upload's update and its files' deletion, in a savepoint,
# and its state.
READ_QUERIES = 25
# Confirming: the upload (locked), the latest reports, the plan, the measures and statuses, the
# service's checks (measures, statuses, same-date reports), then one INSERT of the reports and one of
# their history a batch (measures.services.CREATE_BATCH_SIZE), the upload's update, and three savepoints
# (the last around the INSERTs, so that a report another request added first is told, not a 500).
CONFIRM_QUERIES = 17


@pytest.mark.parametrize("count", [3, 30])
def test_the_upload_its_reading_and_the_confirmation_take_the_same_queries_for_3_rows_or_30(
    count, secretariat, django_assert_num_queries
):
    from rounds.importing import ImportScope
    from rounds.progress_imports import progress_import_confirm, progress_import_read, progress_import_store

    plan = _plan_with(count)
    content = _filled_template(plan, 2022)
    with django_assert_num_queries(UPLOAD_QUERIES):
        upload_ = progress_import_store(
            scope=ImportScope(plan=plan, fiscal_year=2022),
            files=[("a.xlsx", io.BytesIO(content))],
            user=secretariat,
        )
    with django_assert_num_queries(READ_QUERIES):
        progress_import_read(upload_id=upload_.pk)
    upload_.refresh_from_db()
    assert len(upload_.reports) == count and not upload_.problems
    with django_assert_num_queries(CONFIRM_QUERIES):
        progress_import_confirm(upload=upload_, user=secretariat)
    assert ProgressReport.objects.filter(measure__plan=plan).count() == count


# ---- hostile files through the upload page ----------------------------------------------------------


def _sheet_part(content: bytes) -> str:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return next(n for n in archive.namelist() if n.startswith("xl/worksheets/sheet"))


def test_a_zip_bomb_and_an_entity_bomb_are_refused_and_the_server_answers_on(secretariat_client):
    """A template whose sheet inflates to 200 MB, and one whose sheet laughs a billion times."""
    import resource

    from .test_xlsx_upload_safety import _laughing_sheet, _rezip, _spaces_sheet

    template = template_bytes(secretariat_client)
    sheet = _sheet_part(template)
    bomb = _rezip(template, replace={sheet: _spaces_sheet(200 * 1024 * 1024)})
    laughs = _rezip(template, replace={sheet: _laughing_sheet()})
    assert len(bomb) < 1024 * 1024
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    text = _problems(secretariat_client, bomb, name="bomb.xlsx")
    assert "「bomb.xlsx」は展開後のサイズが上限の50 MBを超えるため読み込めません。" in text
    text = _problems(secretariat_client, laughs, name="laughs.xlsx")
    assert (
        "「laughs.xlsx」は安全のため読み込めない記述(XMLのDOCTYPE宣言やエンティティ定義)を含んでいます。"
        in text
    )
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 100, f"the process grew {grown_mb:.0f} MB"
    assert secretariat_client.get(UPLOAD_URL).status_code == 200  # and the server answers on


def test_a_file_of_too_many_strings_is_refused_and_a_filled_template_still_comes_back(secretariat_client):
    """Issue 20: a few MB of short shared strings passed every limit and held a worker for seconds
    and a hundred MB (800,000 of them: 7.5 s); now the file is named, and a template is read as before."""
    from .test_xlsx_upload_safety import _many_strings, _with_shared_strings

    template = template_bytes(secretariat_client)
    strings = _with_shared_strings(template, _many_strings(300_000))
    text = _problems(secretariat_client, strings, name="文字列.xlsx")
    assert (
        "「文字列.xlsx」は文字列の数が上限の250,000個を超えています。"
        "ファイルを分けるか、テンプレート以外のシートや表の外に入力した文字を削除して保存し直してから、"
        "もう一度アップロードしてください。" in text
    )
    filled = Filled(template).fill(measure(3), status="○ 実施中", progress=70, as_of="2022/4/30")
    preview = page_text(upload(secretariat_client, ("戸籍住民課.xlsx", filled.bytes())))
    assert "新しい報告 1件" in preview and "問題 0件" in preview
    assert confirm(secretariat_client).status_code == 302
    assert ProgressReport.objects.filter(measure=measure(3), as_of=date(2022, 4, 30)).exists()


@pytest.mark.libreoffice
def test_a_template_saved_again_by_libreoffice_still_comes_back(secretariat_client, tmp_path):
    """A department that opens the template in LibreOffice Calc and saves it: the file still says
    what it is for, and its figures come back."""
    import os

    from .test_excel_libreoffice import SOFFICE, libreoffice_unavailable

    if not os.access(SOFFICE, os.X_OK):
        libreoffice_unavailable(f"{SOFFICE} がありません。make test が入れます。")
    filled = Filled(template_bytes(secretariat_client)).fill(
        measure(3), status="○ 実施中", progress=80, actual=3, as_of="2022/7/15"
    )
    saved = resaved_by_libreoffice(tmp_path, "戸籍住民課.xlsx", filled.bytes())
    text = page_text(upload(secretariat_client, ("戸籍住民課.xlsx", saved)))
    assert "新しい報告 1件" in text and "問題 0件" in text, text[-1500:]
    confirm(secretariat_client)
    report = ProgressReport.objects.get(measure=measure(3), as_of=date(2022, 7, 15))
    assert (report.progress_percent, report.actual_value) == (80, Decimal("3"))


def test_a_failure_while_saving_leaves_no_report_and_the_upload_unconfirmed(secretariat_client, monkeypatch):
    """Every row becomes a report, or none does: a crash after the reports are written rolls them back."""
    import measures.services

    filled = Filled(template_bytes(secretariat_client))
    filled.fill(measure(1), status="○ 実施中", progress=50, as_of="2022/5/1")
    filled.fill(measure(3), status="○ 実施中", progress=50, as_of="2022/5/1")
    upload(secretariat_client, ("a.xlsx", filled.bytes()))
    original = measures.services.bulk_create_with_history

    def written_then_crashed(*args, **kwargs):
        original(*args, **kwargs)
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(measures.services, "bulk_create_with_history", written_then_crashed)
    count = _report_count()
    with pytest.raises(RuntimeError):
        confirm(secretariat_client)
    assert _report_count() == count
    assert latest_upload().state == ProgressImport.State.PREVIEW
    monkeypatch.undo()
    assert confirm(secretariat_client).status_code == 302
    assert _report_count() == count + 2


def test_the_measures_of_thousands_of_rows_are_read_in_one_query(django_assert_num_queries):
    """The upload reads its rows' measures (with their plans) in one query even past SQLite's 999
    variables, where Django's in_bulk() splits the ids into several queries: at 5,000 rows the
    preview and the confirmation took five queries more than at 500 (benchmarks/import_progress.py)."""
    from rounds.importing import measures_with_plans

    from .factories import make_measure, make_plan

    plan = make_plan(name="千施策の計画")
    purpose = make_measure(plan=plan, number=1, title="施策1").purpose
    Measure.objects.bulk_create(
        Measure(plan=plan, purpose=purpose, number=n, title=f"施策{n}", order=n) for n in range(2, 1201)
    )
    ids = set(Measure.objects.filter(plan=plan).values_list("pk", flat=True))
    with django_assert_num_queries(1):
        found = measures_with_plans(ids)
        assert {m.plan.name for m in found.values()} == {"千施策の計画"}
    assert set(found) == ids


# ---- odd cells and odd moments (found in review) ----------------------------------------------------


@pytest.mark.parametrize(
    "values, where, message",
    [
        (
            {"progress": "1E+30"},
            "M列(進捗率)",
            "進捗率は0から100までの整数で入力してください(50%なら50。「1E+30」)。",
        ),
        (
            {"as_of": "1021/9/30"},
            "Q列(報告基準日)",
            "報告基準日は1989年から2100年までの日付で入力してください。",
        ),
    ],
)
def test_a_value_far_out_of_range_is_a_problem_not_a_500(secretariat_client, values, where, message):
    filled = Filled(template_bytes(secretariat_client))
    row = filled.row_of(measure(3))
    filled.fill(measure(3), **{"status": "○ 実施中", "progress": 50, "as_of": "2022/5/1", **values})
    text = _problems(secretariat_client, filled.bytes(), name="戸籍住民課.xlsx")
    assert f"戸籍住民課.xlsx {fiscal.fiscal_year_label(YEAR)} {row}行目 {where} {message}" in text


def test_a_huge_number_as_a_measure_id_is_answered_at_once(secretariat_client):
    import time

    filled = Filled(template_bytes(secretariat_client))
    filled.fill(measure(3), measure_id="1e1000000")
    started = time.monotonic()
    text = _problems(secretariat_client, filled.bytes())
    assert time.monotonic() - started < 10
    assert "施策ID「1e1000000」の施策はこの計画にありません。" in text


def test_a_row_dated_before_the_latest_report_says_the_latest_stays(secretariat_client):
    """A back-dated report is added, and the preview says it will not be the latest."""
    filled = Filled(template_bytes(secretariat_client)).fill(
        measure(3), status="○ 実施中", progress=60, as_of="2021/12/15"
    )
    text = page_text(upload(secretariat_client, ("a.xlsx", filled.bytes())))
    assert "新しい報告 1件" in text
    assert (
        "報告基準日が最新の報告(令和4年3月31日(2022年3月31日))より前のため、登録しても最新の進捗状況は変わりません。"
        in text
    )


def test_a_changed_row_keeping_its_date_is_told_to_take_a_new_date(secretariat_client):
    filled = Filled(template_bytes(secretariat_client))
    filled.fill(measure(3), progress=20)  # the latest report's own 報告基準日 is left as it was
    row = filled.row_of(measure(3))
    text = _problems(secretariat_client, filled.bytes(), name="戸籍住民課.xlsx")
    assert (
        f"戸籍住民課.xlsx {fiscal.fiscal_year_label(YEAR)} {row}行目 Q列(報告基準日) "
        "この施策のこの報告基準日(令和4年3月31日(2022年3月31日))の報告はすでにあります。"
        "内容を更新するときは、報告基準日を新しい日付にしてください。" in text
    )


def test_a_year_sheet_keeps_its_status_colours_and_its_unreported_mark(secretariat_client):
    from measures.models import ProgressStatus

    workbook = load_workbook(io.BytesIO(export_bytes({"as_of": "2021-05-01"})))
    ws = workbook[fiscal.fiscal_year_label(YEAR)]
    column = x.column_number(x.STATUS)
    cells = [
        ws.cell(row, column) for row in range(2, ws.max_row + 1) if isinstance(ws.cell(row, 1).value, int)
    ]
    assert {c.value for c in cells} == {"報告なし"}  # nothing reported by 2021-05-01 for FY2021
    workbook = load_workbook(io.BytesIO(export_bytes({"as_of": "2022-03-31"})))
    ws = workbook[fiscal.fiscal_year_label(YEAR)]
    colours = {s.name: s.color.lstrip("#").upper() for s in ProgressStatus.objects.exclude(color="")}
    checked = 0
    for row in range(2, ws.max_row + 1):
        cell = ws.cell(row, column)
        if isinstance(ws.cell(row, 1).value, int) and cell.value:
            name = cell.value.split()[-1]
            if name in colours:
                assert cell.fill.fgColor.rgb.endswith(colours[name]), (cell.coordinate, cell.value)
                checked += 1
    assert checked
    assert ws.freeze_panes == "E2"  # 施策ID, 施策番号, 目的 and 施策名 stay in view


def test_an_upload_address_with_full_width_digits_is_not_found(secretariat_client):
    assert secretariat_client.get("/admin/rounds/progressimport/%EF%BC%91/change/").status_code == 404


def test_a_discard_after_the_confirmation_changes_nothing(secretariat_client):
    filled = Filled(template_bytes(secretariat_client)).fill(
        measure(3), status="○ 実施中", progress=70, as_of="2022/4/30"
    )
    upload(secretariat_client, ("a.xlsx", filled.bytes()))
    upload_ = latest_upload()
    confirm(secretariat_client, upload_)
    response = secretariat_client.post(
        reverse("admin:rounds_progressimport_preview", args=[upload_.pk]), {"action": "discard"}
    )
    assert response.status_code == 400
    upload_.refresh_from_db()
    assert upload_.state == ProgressImport.State.IMPORTED and upload_.reports


def resaved_by_libreoffice(tmp_path, name: str, content: bytes) -> bytes:
    """The workbook as LibreOffice Calc saves it again (a department that fills the template there)."""
    import subprocess

    from .test_excel_libreoffice import CONVERT_TIMEOUT, SOFFICE

    source = tmp_path / "in" / name
    source.parent.mkdir()
    source.write_bytes(content)
    out = tmp_path / "out"
    subprocess.run(
        [
            SOFFICE,
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=CONVERT_TIMEOUT,
    )
    return (out / name).read_bytes()


def test_the_upload_s_old_addresses_in_reports_lead_to_the_same_pages_in_rounds(secretariat_client):
    """進捗のExcel取込 moved from reports to rounds (issue 24): a bookmark of the old address still works."""
    response = secretariat_client.get("/admin/reports/progressimport/template/?target=1%3A2021")
    assert response.status_code == 301
    assert response["Location"] == "/admin/rounds/progressimport/template/?target=1%3A2021"
    assert secretariat_client.get("/admin/reports/progressimport/add/", follow=True).status_code == 200
