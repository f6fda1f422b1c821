"""Which figures an open collection round (進捗照会) still awaits, as the manager's workbook and the
council's printed pages say it: a note, and a mark on each awaited measure. Nothing changes when no
round is open, a round in preparation (準備中) or done (完了) shows nowhere, and the residents' pages
never show a department's answer."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from measures.models import Department, Measure
from rounds.models import Answer, AnswerRow, Round
from rounds.services import answer_rows_save, answer_transition, round_create, round_transition

from .excel import export_bytes, open_workbook, printed_scale, smallest_font, values
from .factories import seed_plan, status
from .page_text import parse
from .test_progress_import import Filled, measure, page_text, upload

pytestmark = pytest.mark.usefixtures("demo")

ROUND_LABEL = "令和3年度(2021年度)の進捗照会(令和3年12月31日時点、回答期限 令和22年6月30日、照会中)"
SHEETS = [
    "概要",
    "施策別進捗",
    "令和元年度(2019年度)",
    "令和2年度(2020年度)",
    "令和3年度(2021年度)",
    "策定スケジュール",
    "進捗履歴",
]


@pytest.fixture(autouse=True)
def _mails_sent_at_once(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _each_department_leads_a_measure(demo):
    """情報政策課 last in the 所管課 order, as tests/test_rounds.py puts it: 広報課, 企画課 and 戸籍住民課
    answer for one measure each, 情報政策課 for the other two."""
    Department.objects.filter(name="情報政策課").update(order=99)


def _round(secretariat, *, opened: bool = True) -> Round:
    """FY2021's round as of 2021/12/31, due 2040/06/30 (after TEST_NOW)."""
    round_ = round_create(
        plan=seed_plan(),
        fiscal_year=2021,
        as_of=date(2021, 12, 31),
        deadline=date(2040, 6, 30),
        by=secretariat,
    )
    if opened:
        round_ = round_transition(round_=round_, action="open", by=secretariat, loaded_version=round_.version)
    return round_


def _answer(round_: Round, name: str) -> Answer:
    return round_.answers.select_related("round").get(department__name=name)


def _measure_of(answer: Answer) -> Measure:
    return AnswerRow.objects.get(answer=answer).measure


def _enter(answer: Answer, member, **figures) -> Answer:
    """A member of the department fills in every row of the answer (入力中)."""
    rows = list(answer.rows.all())
    for row in rows:
        row.status, row.progress_percent = status("実施中"), 70
        for name, value in figures.items():
            setattr(row, name, value)
    return answer_rows_save(answer=answer, rows=rows, by=member)


def _accept(answer: Answer, member, secretariat) -> None:
    answer = _enter(answer, member)
    answer = answer_transition(answer=answer, action="submit", by=member, loaded_version=answer.version)
    answer_transition(answer=answer, action="accept", by=secretariat, loaded_version=answer.version)


def _page(client, user, url: str):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return parse(response.content)


def _year_rows(page, measure: Measure) -> dict[int, str]:
    """Each fiscal year's two rows of a measure (figures and notes), as text, by year."""
    rows = page.find_all("tr", data_measure=str(measure.pk))
    texts: dict[int, str] = {}
    for row in rows:
        year = int(row.attrs["data-year"])
        texts[year] = texts.get(year, "") + " " + row.text
    return texts


# ---- The council's printed report -----------------------------------------------------------


def test_the_council_report_says_which_figures_an_open_round_awaits(client, council, secretariat, department):
    round_ = _round(secretariat)
    koho = _answer(round_, "広報課")
    _enter(koho, department, actual_value=20)
    page = _page(client, council, "/reports/print/")
    text = page.text
    assert "所管課に照会中で、まだ承認していない数値があります" in text
    section = page.find("section", cls="report-awaited")
    assert section.find("h2").text == "進捗照会の回答待ち"
    assert f"{ROUND_LABEL}で、次の5施策の数値は回答待ちです。" in section.text
    lines = [[cell.text for cell in row.cells()] for row in section.find("tbody").find_all("tr")]
    assert ["広報課", "入力中", "1"] in lines
    assert lines[1:] == [
        ["企画課", "未着手", "1"],
        ["戸籍住民課", "未着手", "1"],
        ["情報政策課", "未着手", "2"],
    ]
    # On the measure's FY2021 row, in words; its other years are not awaited.
    years = _year_rows(page, _measure_of(koho))
    assert "回答待ち" in years[2021]
    assert (
        "令和3年12月31日(2021年12月31日)時点の進捗照会で、広報課の回答を待っています"
        "(回答の状況: 入力中、回答期限 令和22年6月30日(2040年6月30日))。"
        "この年度の数値は、回答の承認後に変わることがあります。"
    ) in years[2021]
    assert "回答待ち" not in years[2020] and "回答待ち" not in years[2019]
    # A draft is not a report: the figure typed is not on the council's page.
    assert "20件" not in years[2021]


def test_an_accepted_answer_is_no_longer_awaited(client, council, secretariat, department):
    round_ = _round(secretariat)
    koho = _answer(round_, "広報課")
    client.force_login(council)
    before = client.get("/reports/print/")
    # Nothing keeps the page (no ETag, no cache): the next request after a state change shows it.
    assert before["Cache-Control"] == "private, no-store" and not before.has_header("ETag")
    assert "広報課" in parse(before.content).find("section", cls="report-awaited").text
    _accept(koho, department, secretariat)
    page = _page(client, council, "/reports/print/")
    section = page.find("section", cls="report-awaited")
    assert f"{ROUND_LABEL}で、次の4施策の数値は回答待ちです。" in section.text
    assert "広報課" not in section.text
    assert "回答待ち" not in _year_rows(page, _measure_of(koho))[2021]
    other = _measure_of(_answer(round_, "企画課"))
    assert "回答待ち" in _year_rows(page, other)[2021]


def test_a_closed_round_still_awaits_and_a_completed_one_no_longer(client, council, secretariat, department):
    round_ = _round(secretariat)
    round_ = round_transition(round_=round_, action="close", by=secretariat, loaded_version=round_.version)
    text = _page(client, council, "/reports/print/").text
    assert ROUND_LABEL.replace("照会中", "締切") in text
    round_ = round_transition(round_=round_, action="complete", by=secretariat, loaded_version=round_.version)
    assert round_.state == Round.State.DONE
    assert "回答待ち" not in _page(client, council, "/reports/print/").text


@pytest.mark.parametrize("opened", [None, False], ids=["no-round", "in-preparation"])
def test_without_an_open_round_the_council_report_is_unchanged(client, council, secretariat, opened):
    before = _page(client, council, "/reports/print/")
    if opened is not None:
        _round(secretariat, opened=opened)
    after = _page(client, council, "/reports/print/")
    assert "回答待ち" not in after.text and "進捗照会" not in after.text
    assert after.text == before.text


def test_the_measure_page_marks_its_awaited_year(client, council, secretariat):
    round_ = _round(secretariat)
    measure = _measure_of(_answer(round_, "企画課"))
    page = _page(client, council, f"/reports/print/measures/{measure.pk}/")
    years = _year_rows(page, measure)
    assert (
        "企画課の回答を待っています(回答の状況: 未着手、回答期限 令和22年6月30日(2040年6月30日))"
        in years[2021]
    )
    assert "回答待ち" not in years[2020]
    # A measure outside the round's year, or filtered to other years: nothing.
    page = _page(client, council, f"/reports/print/measures/{measure.pk}/?fiscal_year=2020")
    assert "回答待ち" not in page.text


def test_the_council_report_filtered_to_other_years_or_measures_awaits_nothing_of_them(
    client, council, secretariat
):
    round_ = _round(secretariat)
    assert "回答待ち" not in _page(client, council, "/reports/print/?fiscal_year=2020").text
    koseki = Department.objects.get(name="戸籍住民課")
    page = _page(client, council, f"/reports/print/?department={koseki.pk}")
    section = page.find("section", cls="report-awaited")
    assert [row.cells()[0].text for row in section.find("tbody").find_all("tr")] == ["戸籍住民課"]
    assert round_.state == Round.State.OPEN


# ---- The manager's workbook -----------------------------------------------------------------


def test_the_workbook_lists_the_awaited_figures_and_marks_each_measure(secretariat, department):
    round_ = _round(secretariat)
    koho = _answer(round_, "広報課")
    _enter(koho, department)
    content = export_bytes({"as_of": "2040-06-18"})
    if keep := os.environ.get("AWAITED_XLSX"):  # to convert with LibreOffice and look at
        Path(keep).write_bytes(content)
    workbook = open_workbook(content)
    assert workbook.sheetnames == SHEETS[:5] + ["回答待ち"] + SHEETS[5:]
    # 概要: one line for the round, beside its label.
    facts = {row[0]: row[1] for row in values(workbook["概要"]) if len(row) > 1 and row[0]}
    assert facts["進捗照会の回答待ち"] == (
        f"{ROUND_LABEL}で、5施策の数値は回答待ちです(シート「回答待ち」、施策別進捗の「照会の状況」)。"
    )
    # 回答待ち: one row a measure, the department that answers and how far it has got.
    rows = values(workbook["回答待ち"])
    assert rows[0] == ["進捗照会の回答待ち"]
    assert rows[2] == [
        "年度",
        "報告基準日",
        "回答期限",
        "照会の状態",
        "施策番号",
        "施策名",
        "回答する所管課",
        "回答の状況",
    ]
    koho_measure = _measure_of(koho)
    (line,) = [row for row in rows[3:] if row[6] == "広報課"]
    assert line[0] == "令和3年度(2021年度)"
    assert (line[1].date(), line[2].date(), line[3]) == (date(2021, 12, 31), date(2040, 6, 30), "照会中")
    assert (line[4], line[5], line[7]) == (koho_measure.number, koho_measure.title, "入力中")
    assert len(rows) == 3 + 5
    # On paper, text at 8 pt or more on both (照会の状況 on a page of its own across).
    for title in ("施策別進捗", "回答待ち"):
        assert smallest_font(workbook[title]) * printed_scale(workbook[title]) >= 8, title
    # 施策別進捗: the last column says it on the measure's own row.
    progress = values(workbook["施策別進捗"])
    assert progress[0][-1] == "照会の状況"
    by_number = {row[0]: row for row in progress[2:] if row}
    assert by_number[koho_measure.number][len(progress[0]) - 1] == (
        "回答待ち 令和3年度(2021年度): 広報課 入力中、回答期限 令和22年6月30日"
    )


def test_the_workbook_with_its_awaited_sheet_still_comes_back_through_the_upload(client, secretariat):
    """回答待ち is one of the manager's workbook's own sheets: the secretariat's upload passes over it
    as over 概要 and 施策別進捗, rather than refusing a sheet the template does not have."""
    _round(secretariat)
    filled = Filled(export_bytes({"as_of": "2022-06-30"}))
    assert "回答待ち" in filled.workbook.sheetnames
    filled.fill(measure(2), status="○ 実施中", progress="45%", actual="12", as_of="令和4年6月20日")
    client.force_login(secretariat)
    preview = page_text(upload(client, ("進捗状況.xlsx", filled.bytes())))
    assert "シート「回答待ち」: 読み込みませんでした。集計のシートです" in preview
    assert "テンプレートにないシート" not in preview
    assert "新しい報告 1件" in preview and "問題 0件" in preview, preview


def test_an_accepted_answer_leaves_the_workbook_and_none_open_leaves_it_as_it_was(secretariat, department):
    before = open_workbook(export_bytes({"as_of": "2040-06-18"}))
    round_ = _round(secretariat, opened=False)
    in_preparation = open_workbook(export_bytes({"as_of": "2040-06-18"}))
    assert in_preparation.sheetnames == before.sheetnames == SHEETS
    for title in ("概要", "施策別進捗"):
        assert values(in_preparation[title]) == values(before[title])
    round_ = round_transition(round_=round_, action="open", by=secretariat, loaded_version=round_.version)
    koho = _answer(round_, "広報課")
    _accept(koho, department, secretariat)
    workbook = open_workbook(export_bytes({"as_of": "2040-06-18"}))
    names = [row[6] for row in values(workbook["回答待ち"])[3:]]
    assert "広報課" not in names and len(names) == 4
    by_number = {row[0]: row for row in values(workbook["施策別進捗"])[2:] if row}
    width = len(values(workbook["施策別進捗"])[0])
    assert (by_number[_measure_of(koho).number] + [None] * width)[width - 1] is None


# ---- The residents' pages -------------------------------------------------------------------


def test_the_public_pages_never_show_a_round(client, secretariat, department):
    plan = seed_plan()
    plan.published = True
    plan.save()
    measure = Measure.objects.filter(plan=plan).order_by("number").first()
    urls = [
        f"/plans/{plan.pk}/",
        f"/plans/{plan.pk}/measures/{measure.number}/",
        f"/plans/{plan.pk}/measures.csv",
        "/opendata/measures.csv",
        "/opendata/reports.json",
    ]

    def read():
        answers = {}
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            body = b"".join(response.streaming_content) if response.streaming else response.content
            answers[url] = (response.get("ETag"), response.get("Last-Modified"), body)
        return answers

    before = read()
    round_ = _round(secretariat)
    _enter(_answer(round_, "広報課"), department, actual_value=20)
    after = read()
    for url in urls:
        assert after[url] == before[url], url
        assert "回答待ち" not in after[url][2].decode()
