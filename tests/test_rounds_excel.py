"""A department's own Excel for its answer: 「Excelでダウンロード」 gives its round's template, only its
answer's measures, prefilled with the draft; 「Excelで取り込む」 reads the file back into the draft's
page, merged with what colleagues saved since, and 「下書きを保存」 saves it as the uploader's edit.
What each person sees, and what is refused, in their words."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook
from openpyxl.packaging.custom import IntProperty, StringProperty

from measures.models import Measure
from measures.sheets import exchange as x
from rounds.models import Answer, AnswerRow, Round
from rounds.services import answer_transition, round_transition

from . import test_rounds
from .factories import status
from .test_rounds import _answer, _complete, _row_prefix, _text, form_data

# The rounds' fixtures: an open round of FY2021, and a second member of 広報課.
open_round = test_rounds.open_round
colleague = test_rounds.colleague

KOHO_MEASURE = 2  # 広報課 answers for 施策2 (test_rounds.open_round)


def _koho(open_round) -> Answer:  # noqa: F811
    return _answer(open_round, "広報課")


def _download(client, answer: Answer) -> bytes:
    response = client.get(reverse("rounds:answer_xlsx", args=[answer.pk]))
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)


def _sheet(content: bytes):
    workbook = load_workbook(io.BytesIO(content))
    return workbook, workbook.worksheets[0]


def _header(ws) -> tuple[int, dict[str, int]]:
    for row in ws.iter_rows():
        values = [cell.value for cell in row]
        if x.MEASURE_ID in values:
            return row[0].row, {x.canonical_heading(str(v)): i + 1 for i, v in enumerate(values) if v}
    raise AssertionError("no heading row")


def _table(content: bytes) -> list[dict[str, object]]:
    _, ws = _sheet(content)
    header, columns = _header(ws)
    rows = []
    for number in range(header + 1, ws.max_row + 1):
        if ws.cell(number, columns[x.MEASURE_ID]).value is None:
            continue
        rows.append({heading: ws.cell(number, column).value for heading, column in columns.items()})
    return rows


def _filled(content: bytes, measure_pk: int | str, **values) -> bytes:
    """The template with a measure's row filled in as a person would in Excel (by heading)."""
    workbook, ws = _sheet(content)
    header, columns = _header(ws)
    for number in range(header + 1, ws.max_row + 1):
        if ws.cell(number, columns[x.MEASURE_ID]).value == measure_pk:
            for heading, value in values.items():
                ws.cell(number, columns[heading]).value = value
            break
    else:
        raise AssertionError(f"no row of {measure_pk}")
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def _upload(client, answer: Answer, content: bytes, name="回答.xlsx"):
    return client.post(
        reverse("rounds:answer_upload", args=[answer.pk]), {"file": SimpleUploadedFile(name, content)}
    )


def _measure() -> Measure:
    return Measure.objects.get(number=KOHO_MEASURE)


def test_the_download_is_the_departments_measures_prefilled_with_its_draft(client, open_round, department):
    answer = _koho(open_round)
    client.force_login(department)
    page = client.get(reverse("rounds:answer", args=[answer.pk]))
    data = form_data(page)
    prefix = _row_prefix(data, _measure())
    client.post(
        reverse("rounds:answer", args=[answer.pk]),
        {**_complete(data, prefix, percent=40, narrative="SNSで発信"), "action": "save"},
    )
    content = _download(client, answer)
    workbook, ws = _sheet(content)
    props = {p.name: p.value for p in workbook.custom_doc_props}
    assert props[x.PROPERTY_KIND] == "round-answer"
    assert props["bunkyo:round"] == open_round.pk and props["bunkyo:answer"] == answer.pk
    assert props[x.PROPERTY_DEPARTMENT] == answer.department_id
    assert ws.title == "令和3年度(2021年度)"
    rows = _table(content)
    assert [row[x.MEASURE_ID] for row in rows] == [_measure().pk]  # 広報課's one measure, nobody else's
    row = rows[0]
    assert row[x.STATUS] == str(status("実施中"))
    assert row[x.PROGRESS] == 40 and row[x.NARRATIVE] == "SNSで発信"
    assert row[x.AS_OF].date() == date(2021, 12, 31)  # the round's 報告基準日
    notes = "".join(str(cell.value or "") for cell in ws["A"][:12])
    assert "・この照会(令和3年度(2021年度) 進捗照会(令和3年12月31日時点))への広報課の回答です。" in notes


def test_download_fill_upload_preview_then_save_as_the_uploaders_edit(client, open_round, department):
    answer = _koho(open_round)
    client.force_login(department)
    content = _filled(
        _download(client, answer),
        _measure().pk,
        **{x.STATUS: str(status("実施中")), x.PROGRESS: 70, x.NARRATIVE: "動画を3本公開", x.ISSUES: "閲覧数"},
    )
    preview = _upload(client, answer, content)
    assert preview.status_code == 200
    text = _text(preview)
    assert "Excelから読み込んだ内容(まだ保存していません)" in text
    assert "下書きから変わる項目 4件" in text
    assert "動画を3本公開" in text
    row = AnswerRow.objects.get(answer=answer)
    assert row.narrative == "" and row.progress_percent is None  # nothing saved yet
    assert Answer.objects.get(pk=answer.pk).state == Answer.State.NOT_STARTED
    # 下書きを保存: the page's own form, as the browser would post it.
    saved = client.post(
        reverse("rounds:answer", args=[answer.pk]), {**form_data(preview), "action": "save"}, follow=True
    )
    assert "1件の施策の入力を保存しました(下書き)。まだ提出していません。" in _text(saved)
    row.refresh_from_db()
    assert (row.status, row.progress_percent, row.narrative, row.issues) == (
        status("実施中"),
        70,
        "動画を3本公開",
        "閲覧数",
    )
    assert row.entered_by == department
    assert row.history.first().history_user == department
    assert Answer.objects.get(pk=answer.pk).state == Answer.State.DRAFT


def test_the_uploads_changes_are_row_edits_by_the_uploader_on_the_timeline(
    client, open_round, department, secretariat
):
    answer = _koho(open_round)
    client.force_login(department)
    for narrative in ("Excelから記入した取組", "二度目のExcel"):
        content = _filled(_download(client, answer), _measure().pk, **{x.NARRATIVE: narrative})
        preview = _upload(client, answer, content)
        client.post(reverse("rounds:answer", args=[answer.pk]), {**form_data(preview), "action": "save"})
    client.force_login(secretariat)
    text = _text(client.get("/timeline/", {"user": department.pk}))
    assert "回答の行 2. オープンデータ活用の推進 広報 三郎" in text
    assert "取組実績: Excelから記入した取組 → 二度目のExcel" in text


def test_a_colleagues_web_change_since_the_download_is_kept_or_shown_as_a_conflict(
    client, open_round, department, colleague
):
    answer = _koho(open_round)
    client.force_login(department)
    template = _download(client, answer)
    # Meanwhile, on the web, a colleague writes 課題 and 取組実績.
    client.force_login(colleague)
    page = client.get(reverse("rounds:answer", args=[answer.pk]))
    data = form_data(page)
    prefix = _row_prefix(data, _measure())
    client.post(
        reverse("rounds:answer", args=[answer.pk]),
        {**_fill_values(data, prefix, issues="人手", narrative="ウェブで入力"), "action": "save"},
    )
    # The file changes 取組実績 too, differently, and 進捗率; it leaves 課題 as it was downloaded.
    client.force_login(department)
    content = _filled(template, _measure().pk, **{x.NARRATIVE: "Excelで入力", x.PROGRESS: 30})
    preview = _upload(client, answer, content)
    assert preview.status_code == 400
    text = _text(preview)
    assert "広報 五郎がこの項目を「ウェブで入力」に変更しています。どちらを保存するか選んでください。" in text
    assert "広報 五郎だけが変更した項目(課題)は、その変更をこの画面に入れました。" in text
    assert "下書きから変わる項目 1件" in text  # 進捗率; 取組実績 waits for the choice
    form = preview.context["formset"].forms[0]
    assert form.data[form.add_prefix("issues")] == "人手"  # only the colleague changed it: theirs kept
    assert form.data[form.add_prefix("progress_percent")] == "30"
    row = AnswerRow.objects.get(answer=answer)
    assert (row.narrative, row.issues, row.progress_percent) == ("ウェブで入力", "人手", None)


def _fill_values(data: dict, prefix: str, **values) -> dict:
    return {**data, **{f"{prefix}-{name}": str(value) for name, value in values.items()}}


def test_another_departments_template_is_refused_beside_the_file_field(
    client, open_round, department, other_department
):
    koseki = _answer(open_round, "戸籍住民課")
    client.force_login(other_department)
    theirs = _download(client, koseki)
    client.force_login(department)
    response = _upload(client, _koho(open_round), theirs)
    assert response.status_code == 400
    assert (
        "このファイルは戸籍住民課の回答のテンプレートです。広報課の回答の画面からダウンロードし直してください。"
        in _text(response)
    )
    assert "Excelファイルを取り込めませんでした。" in _text(response)
    assert not AnswerRow.objects.filter(answer__department__name="広報課").exclude(narrative="").exists()


def test_the_secretariats_template_and_another_rounds_are_refused(
    client, open_round, department, secretariat
):
    from rounds.collection import ProgressTemplate, write_template_workbook

    output = io.BytesIO()
    write_template_workbook(ProgressTemplate(plan=open_round.plan, fiscal_year=2021), output)
    client.force_login(department)
    response = _upload(client, _koho(open_round), output.getvalue())
    assert response.status_code == 400
    assert "このファイルは事務局が使う進捗報告のテンプレート(またはExcel帳票)です。" in _text(response)
    # The same department's template of another round (last year's copy of this one).
    content = _download(client, _koho(open_round))
    other = Round.objects.create(
        plan=open_round.plan, fiscal_year=2020, as_of=date(2020, 12, 31), deadline=date(2040, 6, 30)
    )
    workbook, _ = _sheet(content)
    for prop in workbook.custom_doc_props:
        if prop.name == "bunkyo:round":
            prop.value = other.pk
    forged = io.BytesIO()
    workbook.save(forged)
    response = _upload(client, _koho(open_round), forged.getvalue())
    assert response.status_code == 400
    assert "このファイルは別の照会" in _text(response)


def test_a_row_of_a_measure_not_in_this_answer_is_refused(client, open_round, department):
    answer = _koho(open_round)
    client.force_login(department)
    foreign = Measure.objects.get(number=1)  # 情報政策課's
    content = _filled(_download(client, answer), _measure().pk, **{x.MEASURE_ID: foreign.pk})
    response = _upload(client, answer, content)
    assert response.status_code == 400
    assert f"施策ID「{foreign.pk}」の施策はこの回答にありません(他の所管課の施策か、ない施策です)。" in _text(
        response
    )
    content = _filled(_download(client, answer), _measure().pk, **{x.MEASURE_ID: 999999})
    assert "施策ID「999999」の施策はこの回答にありません" in _text(_upload(client, answer, content))


def test_a_bad_cell_and_a_file_that_is_no_workbook_are_refused_in_japanese(client, open_round, department):
    answer = _koho(open_round)
    client.force_login(department)
    content = _filled(_download(client, answer), _measure().pk, **{x.PROGRESS: 150})
    response = _upload(client, answer, content)
    assert response.status_code == 400
    assert "進捗率は0から100までの整数で入力してください(50%なら50。「150」)。" in _text(response)
    response = _upload(client, answer, b"hello, world\n", name="回答.csv")
    assert response.status_code == 400
    assert "「回答.csv」" in _text(response)
    response = client.post(reverse("rounds:answer_upload", args=[answer.pk]), {})
    assert "記入したファイルを選んでください。" in _text(response)


def test_an_upload_to_a_submitted_answer_or_a_closed_round_is_refused(
    client, open_round, department, secretariat
):
    answer = _koho(open_round)
    client.force_login(department)
    content = _download(client, answer)
    page = client.get(reverse("rounds:answer", args=[answer.pk]))
    data = form_data(page)
    client.post(
        reverse("rounds:answer", args=[answer.pk]),
        {**_complete(data, _row_prefix(data, _measure())), "action": "submit"},
    )
    assert Answer.objects.get(pk=answer.pk).state == Answer.State.SUBMITTED
    response = _upload(client, answer, content)
    assert response.status_code == 400
    assert (
        "この回答は今「提出済」のため、Excelから取り込めません。提出を引き戻すと、また取り込めます。"
        in _text(response)
    )
    answer = Answer.objects.get(pk=answer.pk)
    answer_transition(answer=answer, action="recall", by=department, loaded_version=answer.version)
    round_ = Round.objects.get(pk=open_round.pk)
    round_transition(round_=round_, action="close", by=secretariat, loaded_version=round_.version)
    response = _upload(client, answer, content)
    assert response.status_code == 400
    assert "この照会は今「締切」のため、Excelから取り込めません。" in _text(response)


def test_who_may_download_and_upload(client, open_round, department, other_department, secretariat):
    answer = _koho(open_round)
    client.force_login(other_department)
    assert client.get(reverse("rounds:answer_xlsx", args=[answer.pk])).status_code == 403
    assert _upload(client, answer, b"x").status_code == 403
    client.force_login(secretariat)
    assert _table(_download(client, answer))[0][x.MEASURE_ID] == _measure().pk
    assert _upload(client, answer, b"x").status_code == 403  # only the department fills its draft
    client.logout()
    response = client.get(reverse("rounds:answer_xlsx", args=[answer.pk]))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("name", ["rounds:answer_xlsx", "rounds:answer_upload"])
def test_the_answer_page_links_to_its_excel(client, open_round, department, name):
    answer = _koho(open_round)
    client.force_login(department)
    page = client.get(reverse("rounds:answer", args=[answer.pk]))
    assert reverse(name, args=[answer.pk]) in page.content.decode()
    assert "Excelでダウンロード" in _text(page) and "Excelで取り込む" in _text(page)


def test_the_download_is_a_fixed_number_of_queries_and_the_preview_costs_what_a_save_of_the_page_does(
    client, demo, secretariat, django_user_model
):
    """The download reads its rows in a fixed number of queries. The preview checks every row as a
    save of the page does (each form's version, and the model's constraints, which Django checks one
    query each): the same cost per row as 下書きを保存 of the same page, and nothing more."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from rounds.models import DepartmentMember

    from .conftest import count_queries
    from .test_rounds import _round_with

    def queries(post, *args) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert post(*args).status_code in (200, 302)
        return len(captured.captured_queries)

    measured = {}
    for start, measures_each in ((100, 2), (200, 12)):
        Round.objects.all().delete()
        round_ = _round_with(secretariat, 2, measures_each, start)
        answer = round_.answers.get(department__name="課001")
        member, _ = django_user_model.objects.get_or_create(username="ka001")
        DepartmentMember.objects.get_or_create(user=member, department=answer.department)
        client.force_login(member)
        download = count_queries(client, reverse("rounds:answer_xlsx", args=[answer.pk]))
        content = _download(client, answer)
        filled = _filled(content, _table(content)[0][x.MEASURE_ID], **{x.PROGRESS: 55})
        upload = queries(_upload, client, answer, filled)
        page = form_data(client.get(reverse("rounds:answer", args=[answer.pk])))
        url = reverse("rounds:answer", args=[answer.pk])
        save = queries(client.post, url, {**page, "action": "save"})
        measured[measures_each] = (download, upload, save)
    (download_2, upload_2, save_2), (download_12, upload_12, save_12) = measured[2], measured[12]
    assert download_2 == download_12, measured
    assert upload_12 - upload_2 == save_12 - save_2, measured  # per row: the page's own checks


def test_a_measure_twice_in_the_file_is_refused(client, open_round, department):
    answer = _koho(open_round)
    client.force_login(department)
    workbook, ws = _sheet(_download(client, answer))
    header, columns = _header(ws)
    ws.append([ws.cell(header + 1, column).value for column in range(1, ws.max_column + 1)])
    output = io.BytesIO()
    workbook.save(output)
    response = _upload(client, answer, output.getvalue())
    assert response.status_code == 400
    assert (
        f"{header + 2}行目: 施策ID「{_measure().pk}」の行が2つあります({header + 1}行目にも)。1つにしてください。"
        in _text(response)
    )


def test_the_secretariat_downloads_from_the_answer_page_and_its_upload_refuses_a_departments_file(
    client, open_round, department, secretariat
):
    answer = _koho(open_round)
    client.force_login(secretariat)
    page = client.get(reverse("rounds:answer", args=[answer.pk]))
    assert reverse("rounds:answer_xlsx", args=[answer.pk]) in page.content.decode()
    assert "取り込みは広報課の担当者が行います。" in _text(page)
    assert reverse("rounds:answer_upload", args=[answer.pk]) not in page.content.decode()
    content = _download(client, answer)
    response = client.post(
        reverse("admin:rounds_progressimport_add"),
        {"target": f"{open_round.plan_id}:2021", "files": [SimpleUploadedFile("広報課.xlsx", content)]},
    )
    from rounds.models import ProgressImport
    from rounds.progress_imports import progress_import_read

    upload = ProgressImport.objects.get()
    progress_import_read(upload_id=upload.pk)  # what the worker does
    preview = client.get(response["Location"])
    assert "このファイルは所管課が進捗照会の回答に使うテンプレートです。" in _text(preview)


def _with_props(content: bytes, **values) -> bytes:
    """The file with its document properties changed (None: taken out), as Excel's ファイル >
    プロパティ > ユーザー設定 lets anyone do."""
    workbook, _ = _sheet(content)
    kept = [prop for prop in workbook.custom_doc_props if prop.name not in values]
    workbook.custom_doc_props.props = kept
    for name, value in values.items():
        if isinstance(value, int):
            workbook.custom_doc_props.append(IntProperty(name=name, value=value))
        elif value is not None:
            workbook.custom_doc_props.append(StringProperty(name=name, value=value))
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


@pytest.mark.parametrize(
    "made_at",
    [
        "2026-13-01T00:00:00+09:00",  # no such month: parse_datetime raises
        "2040-06-18T25:00:00+09:00",  # no such hour
        "2040-06-18 12:00",  # no time zone
        "2040-07-18T12:00:00+09:00",  # a month after today (TEST_NOW 2040-06-18)
        "昨日",
        None,  # taken out
    ],
)
def test_a_file_whose_making_time_is_forged_or_missing_is_refused_not_a_500(
    client, open_round, department, made_at
):
    client.force_login(department)
    koho = _koho(open_round)
    content = _with_props(_download(client, koho), **{"bunkyo:made_at": made_at})
    response = _upload(client, koho, content)
    assert response.status_code == 400
    text = _text(response)
    assert "このファイルがいつ作られたかが読み取れません。" in text


def test_a_file_naming_a_round_in_preparation_does_not_say_which(client, open_round, department, secretariat):
    from rounds.services import round_create

    hidden = round_create(
        plan=open_round.plan,
        fiscal_year=2021,
        as_of=date(2021, 9, 30),
        deadline=date(2040, 6, 30),
        by=secretariat,
    )
    client.force_login(department)
    koho = _koho(open_round)
    response = _upload(client, koho, _with_props(_download(client, koho), **{"bunkyo:round": hidden.pk}))
    assert response.status_code == 400
    text = _text(response)
    assert "このファイルは別の照会(不明な照会)のテンプレートです。" in text
    assert str(hidden) not in text
