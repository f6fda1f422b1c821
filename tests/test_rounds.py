"""Collection rounds (進捗照会): the secretariat asks, a department answers on its own page, the
secretariat accepts or returns. What each person sees, and what is refused, in their words."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError

from measures.models import Department, Measure, ProgressReport
from rounds.models import Answer, AnswerRow, Notification, Round, Transition
from rounds.services import answer_transition, round_create, round_transition

from .factories import seed_plan, status
from .page_text import parse

TOKYO = ZoneInfo("Asia/Tokyo")
# The worker's part of an e-mail, sending it, runs at the commit (the immediate tasks backend), so
# that the outbox holds it; test_a_save_hands_its_emails_to_the_worker tests the two apart.
MAILS_SENT_AT_ONCE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
WORKER_STOPPED = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture(autouse=True)
def _mails_sent_at_once(settings):
    settings.TASKS = MAILS_SENT_AT_ONCE


def _text(response) -> str:
    return parse(response.content).text


def form_data(response, form_class: str = "answer-form") -> dict[str, str]:
    """What the browser would post from the page's form, as it was shown."""
    form = parse(response.content).find("form", cls=form_class)
    data = {}
    for element in form.find_all("input"):
        if element.attrs.get("type") in ("submit", "button") or "name" not in element.attrs:
            continue
        if element.attrs.get("type") in ("checkbox", "radio") and "checked" not in element.attrs:
            continue
        data[element.attrs["name"]] = element.attrs.get("value", "")
    for element in form.find_all("textarea"):
        data[element.attrs["name"]] = "".join(c for c in element.children if isinstance(c, str)).lstrip("\n")
    for element in form.find_all("select"):
        chosen = [o for o in element.find_all("option") if "selected" in o.attrs]
        data[element.attrs["name"]] = chosen[0].attrs.get("value", "") if chosen else ""
    return data


def _row_prefix(data: dict, measure: Measure) -> str:
    """The form prefix (rows-0) of a measure's card, by its row id."""
    ids = {value: key.removesuffix("-id") for key, value in data.items() if key.endswith("-id")}
    row = AnswerRow.objects.get(pk__in=[int(pk) for pk in ids], measure=measure)
    return ids[str(row.pk)]


def _fill(data: dict, prefix: str, **values) -> dict:
    return {**data, **{f"{prefix}-{name}": str(value) for name, value in values.items()}}


@pytest.fixture
def open_round(demo, secretariat, department, other_department, django_capture_on_commit_callbacks):
    """FY2021's round, as of 2021/12/31, due 2040/06/30 (12 days after TEST_NOW), opened. 情報政策課 is
    put last in the 所管課 order, so that each department leads a measure: 広報課 answers for 施策2,
    which it shares with 情報政策課 (a measure is asked of its first department: rounds.services._leads)."""
    lead_last()
    round_ = round_create(
        plan=seed_plan(),
        fiscal_year=2021,
        as_of=date(2021, 12, 31),
        deadline=date(2040, 6, 30),
        message="令和3年度の実績をお知らせください。",
        by=secretariat,
    )
    with django_capture_on_commit_callbacks(execute=True):
        round_transition(round_=round_, action="open", by=secretariat, loaded_version=round_.version)
    return Round.objects.get(pk=round_.pk)


@pytest.fixture
def colleague(department, django_user_model):
    """A second member of the department's staff, editing the same draft."""
    from rounds.models import DepartmentMember

    user = django_user_model.objects.create_user(username="koho2", last_name="広報 五郎")
    DepartmentMember.objects.create(user=user, department=department.department_memberships.get().department)
    return user


def lead_last(name: str = "情報政策課") -> None:
    Department.objects.filter(name=name).update(order=99)


def _answer(round_, name) -> Answer:
    return round_.answers.get(department__name=name)


def _complete(data: dict, prefix: str, status_name="実施中", percent=60, **more) -> dict:
    return _fill(data, prefix, status=status(status_name).pk, progress_percent=percent, **more)


def test_a_round_asks_every_department_with_a_measure_and_mails_its_staff(
    open_round, department, other_department
):
    assert sorted(open_round.answers.values_list("department__name", flat=True)) == sorted(
        ["情報政策課", "広報課", "企画課", "戸籍住民課"]
    )
    assert open_round.get_state_display() == "照会中"
    # 広報課 owns measure 2 only.
    koho = _answer(open_round, "広報課")
    assert list(koho.rows.values_list("measure__number", flat=True)) == [2]
    recipients = sorted(message.to[0] for message in mail.outbox)
    assert recipients == ["koho@example.jp", "koseki@example.jp"]
    message = next(m for m in mail.outbox if m.to == ["koho@example.jp"])
    assert message.subject == "【進捗照会】令和3年度(2021年度)の進捗状況の照会(回答期限: 令和22年6月30日)"
    assert "広報課 広報 三郎 様" in message.body
    assert f"/rounds/answers/{koho.pk}/" in message.body
    assert "令和3年度の実績をお知らせください。" in message.body


def test_the_department_page_shows_its_measures_with_target_and_last_report(client, open_round, department):
    koho = _answer(open_round, "広報課")
    client.force_login(department)
    text = _text(client.get(f"/rounds/answers/{koho.pk}/"))
    assert "2. オープンデータ活用の推進" in text
    assert "1. 行政手続" not in text  # not 広報課's
    assert "年度目標" in text and "直近の報告" in text
    assert "回答の状態: 未着手" in text


def test_another_departments_draft_is_never_shown(client, open_round, department):
    client.force_login(department)
    koseki = _answer(open_round, "戸籍住民課")
    assert client.get(f"/rounds/answers/{koseki.pk}/").status_code == 403
    assert client.post(f"/rounds/answers/{koseki.pk}/", {"action": "save"}).status_code == 403


def test_a_draft_is_saved_with_who_entered_it_and_is_not_a_report(client, open_round, department):
    koho = _answer(open_round, "広報課")
    client.force_login(department)
    url = f"/rounds/answers/{koho.pk}/"
    data = form_data(client.get(url))
    prefix = _row_prefix(data, Measure.objects.get(number=2))
    before = ProgressReport.objects.count()
    response = client.post(
        url, {**_fill(data, prefix, actual_value="12", narrative="カタログを更新"), "action": "save"}
    )
    assert response.status_code == 302
    row = koho.rows.get()
    assert (row.actual_value, row.narrative, row.entered_by) == (12, "カタログを更新", department)
    koho.refresh_from_db()
    assert koho.get_state_display() == "入力中"
    assert ProgressReport.objects.count() == before
    text = _text(client.get(url))
    assert "1件の施策の入力を保存しました(下書き)。まだ提出していません。" in text
    assert "回答の状態: 入力中" in text


def test_two_colleagues_edit_the_same_row_and_neither_loses_a_change(
    client, open_round, department, colleague
):
    koho = _answer(open_round, "広報課")
    url = f"/rounds/answers/{koho.pk}/"
    measure = Measure.objects.get(number=2)
    client.force_login(department)
    mine = form_data(client.get(url))
    client.force_login(colleague)
    theirs = form_data(client.get(url))
    prefix = _row_prefix(mine, measure)
    assert (
        client.post(url, {**_fill(theirs, prefix, issues="人手が足りない"), "action": "save"}).status_code
        == 302
    )
    client.force_login(department)
    # A different field: merged, both kept.
    assert (
        client.post(url, {**_fill(mine, prefix, narrative="公開を拡大"), "action": "save"}).status_code == 302
    )
    row = koho.rows.get()
    assert (row.narrative, row.issues) == ("公開を拡大", "人手が足りない")
    # The same field, changed by both differently: a conflict shown with both values, nothing saved.
    client.force_login(colleague)
    theirs = form_data(client.get(url))
    client.force_login(department)
    mine = form_data(client.get(url))
    client.force_login(colleague)
    assert client.post(url, {**_fill(theirs, prefix, actual_value="30"), "action": "save"}).status_code == 302
    client.force_login(department)
    response = client.post(url, {**_fill(mine, prefix, actual_value="31"), "action": "save"})
    assert response.status_code == 400
    text = _text(response)
    assert (
        "広報 五郎がこの項目を「30" in text and "に変更しています。どちらを保存するか選んでください。" in text
    )
    assert "あなたの入力(上の欄の内容)で保存する:「31」" in text
    assert koho.rows.get().actual_value == 30


def test_submitting_checks_every_row_as_a_report(client, open_round, department):
    koho = _answer(open_round, "広報課")
    client.force_login(department)
    url = f"/rounds/answers/{koho.pk}/"
    data = form_data(client.get(url))
    response = client.post(url, {**data, "action": "submit"})
    assert response.status_code == 400
    text = _text(response)
    assert "1件の施策に、直す必要のある入力があります。" in text
    assert "進捗状況を選んでください。" in text
    assert "進捗率を0から100の整数で入力してください。" in text
    koho.refresh_from_db()
    assert koho.state == Answer.State.NOT_STARTED
    prefix = _row_prefix(data, Measure.objects.get(number=2))
    response = client.post(url, {**_complete(data, prefix, actual_value="-1"), "action": "submit"})
    assert response.status_code == 400
    assert "実績値はマイナスにできません。0以上の数で入力してください。" in _text(response)
    # The typed input is kept.
    assert form_data(response)[f"{prefix}-actual_value"] == "-1"
    response = client.post(url, {**_complete(data, prefix, actual_value="20"), "action": "submit"})
    assert response.status_code == 302
    koho.refresh_from_db()
    assert (koho.get_state_display(), koho.submitted_by, koho.late) == ("提出済", department, False)
    assert "回答を提出しました。事務局が確かめます。" in _text(client.get(url))


def test_a_double_submit_is_told_so(client, open_round, department):
    koho = _answer(open_round, "広報課")
    client.force_login(department)
    url = f"/rounds/answers/{koho.pk}/"
    data = form_data(client.get(url))
    prefix = _row_prefix(data, Measure.objects.get(number=2))
    submitted = {**_complete(data, prefix), "action": "submit"}
    assert client.post(url, submitted).status_code == 302
    response = client.post(url, submitted)
    assert response.status_code == 400
    assert "この照会への回答はすでに「提出済」です。画面を開き直して、今の状態を確かめてください。" in _text(
        response
    )
    assert Transition.objects.filter(answer=koho, action="submit").count() == 1


def test_a_late_submission_is_marked_and_a_closed_round_refuses_it(
    client, open_round, department, secretariat
):
    koho = _answer(open_round, "広報課")
    url = f"/rounds/answers/{koho.pk}/"
    with time_machine.travel(datetime(2040, 7, 2, 9, 0, tzinfo=TOKYO)):
        client.force_login(department)
        data = form_data(client.get(url))
        assert "回答期限を過ぎています。" in _text(client.get(url))
        prefix = _row_prefix(data, Measure.objects.get(number=2))
        assert client.post(url, {**_complete(data, prefix), "action": "submit"}).status_code == 302
    koho.refresh_from_db()
    assert koho.late
    assert "期限後" in _text(client.get(url))
    # Another department, after the secretariat closed the round.
    round_ = Round.objects.get(pk=open_round.pk)
    round_transition(round_=round_, action="close", by=secretariat, loaded_version=round_.version)
    with pytest.raises(ValidationError) as refused:
        answer_transition(
            answer=_answer(open_round, "情報政策課"), action="submit", by=department, loaded_version=None
        )
    assert refused.value.messages == ["この所管課の担当者ではないため、この回答を操作できません。"]


def test_a_submission_to_a_closed_round_is_refused_with_the_input_kept(
    client, open_round, department, secretariat
):
    koho = _answer(open_round, "広報課")
    client.force_login(department)
    url = f"/rounds/answers/{koho.pk}/"
    data = form_data(client.get(url))
    prefix = _row_prefix(data, Measure.objects.get(number=2))
    round_transition(round_=open_round, action="close", by=secretariat, loaded_version=open_round.version)
    response = client.post(url, {**_complete(data, prefix, narrative="締切後の入力"), "action": "submit"})
    assert response.status_code == 400
    assert "この照会は「締切」のため、入力できません。事務局に連絡してください。" in _text(response)
    assert koho.rows.get().narrative == ""


def test_a_forged_or_foreign_row_is_refused_beside_the_row(client, open_round, department):
    koho = _answer(open_round, "広報課")
    foreign = _answer(open_round, "情報政策課").rows.first()
    client.force_login(department)
    url = f"/rounds/answers/{koho.pk}/"
    data = form_data(client.get(url))
    prefix = _row_prefix(data, Measure.objects.get(number=2))
    for forged in (str(foreign.pk), "999999", "1x"):
        response = client.post(url, {**_fill(data, prefix, id=forged, narrative="改ざん"), "action": "save"})
        assert response.status_code == 400
        assert (
            "この施策はこの回答にありません(他の所管課の施策か、ない施策です)。画面を開き直してください。"
            in _text(response)
        )
    assert AnswerRow.objects.filter(narrative="改ざん").count() == 0


def _submit(client, answer, user, **values):
    values = values or {"m2": {}}
    client.force_login(user)
    url = f"/rounds/answers/{answer.pk}/"
    data = form_data(client.get(url))
    for measure_number, fields in values.items():
        prefix = _row_prefix(data, Measure.objects.get(number=int(measure_number.removeprefix("m"))))
        data = _complete(data, prefix, **fields)
    assert client.post(url, {**data, "action": "submit"}).status_code == 302


def test_return_needs_a_reason_and_the_department_sees_it(
    client, open_round, department, secretariat, django_capture_on_commit_callbacks
):
    koho = _answer(open_round, "広報課")
    _submit(client, koho, department, m2={"actual_value": "20"})
    client.force_login(secretariat)
    url = f"/rounds/answers/{koho.pk}/review/"
    page = client.get(url)
    assert "変更" in _text(page)
    data = form_data(page, "review-form")
    response = client.post(url, {**data, "action": "return"})
    assert response.status_code == 400
    assert "理由を入力してください。" in _text(response)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {**data, "action": "return", "comment": "実績値の単位を確認してください。"}
        )
    assert response.status_code == 302
    koho.refresh_from_db()
    assert koho.get_state_display() == "差戻し"
    assert [m.to for m in mail.outbox] == [["koho@example.jp"]]
    assert "実績値の単位を確認してください。" in mail.outbox[0].body
    client.force_login(department)
    text = _text(client.get(f"/rounds/answers/{koho.pk}/"))
    assert "差戻しの理由 実績値の単位を確認してください。" in text
    # Resubmitted.
    _submit(client, koho, department, m2={"actual_value": "21"})
    koho.refresh_from_db()
    assert koho.state == Answer.State.SUBMITTED


def test_accepting_adds_every_row_as_a_report_once(client, open_round, department, secretariat):
    koho = _answer(open_round, "広報課")
    _submit(client, koho, department, m2={"actual_value": "20", "narrative": "10件公開"})
    client.force_login(secretariat)
    url = f"/rounds/answers/{koho.pk}/review/"
    data = form_data(client.get(url), "review-form")
    before = ProgressReport.objects.count()
    assert client.post(url, {**data, "action": "accept"}).status_code == 302
    report = ProgressReport.objects.latest("id")
    assert ProgressReport.objects.count() == before + 1
    assert (report.measure.number, report.as_of, report.actual_value, report.narrative) == (
        2,
        date(2021, 12, 31),
        20,
        "10件公開",
    )
    assert (report.author, report.accepted_by) == (department, secretariat)
    koho.refresh_from_db()
    assert (koho.get_state_display(), koho.accepted_by) == ("承認済", secretariat)
    # The same button again (a double click, a second tab): nothing added.
    response = client.post(url, {**data, "action": "accept"})
    assert response.status_code == 400
    assert "この照会への回答はすでに「承認済」です。" in _text(response)
    assert ProgressReport.objects.count() == before + 1
    # Locked: the department cannot change it.
    client.force_login(department)
    answer_page = client.get(f"/rounds/answers/{koho.pk}/")
    assert "下書きを保存" not in _text(answer_page)


def test_accepting_records_in_each_rows_history_the_report_it_became(
    client, open_round, department, secretariat
):
    koho = _answer(open_round, "広報課")
    _submit(client, koho, department, m2={"actual_value": "20"})
    koho.refresh_from_db()
    answer_transition(answer=koho, action="accept", by=secretariat, loaded_version=koho.version)
    row = koho.rows.get()
    report = ProgressReport.objects.latest("id")
    assert row.report == report
    latest = row.history.latest("history_date")
    assert (latest.report_id, latest.history_user, latest.history_type) == (report.pk, secretariat, "~")
    assert latest.history_change_reason == f"{open_round}への広報課の回答を承認"
    # On the timeline: the row of the answer now names its report, changed by the secretariat member.
    client.force_login(secretariat)
    page = parse(client.get("/timeline/", {"kind": "answerrow"}).content)
    first = page.find("table", id="timeline").find("tbody").find_all("tr")[0].text
    assert "事務局 太郎" in first and "進捗報告" in first


def test_reopening_needs_a_reason_and_a_changed_row_replaces_its_report(
    client, open_round, department, secretariat
):
    koho = _answer(open_round, "広報課")
    _submit(client, koho, department, m2={"actual_value": "20"})
    answer_transition(
        answer=koho, action="accept", by=secretariat, loaded_version=Answer.objects.get(pk=koho.pk).version
    )
    koho.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        answer_transition(answer=koho, action="reopen", by=secretariat, loaded_version=koho.version)
    assert refused.value.message_dict == {"comment": ["理由を入力してください。"]}
    with pytest.raises(ValidationError) as refused:
        answer_transition(
            answer=koho, action="reopen", by=department, loaded_version=koho.version, comment="x"
        )
    assert refused.value.messages == ["この操作は事務局だけができます。"]
    answer_transition(
        answer=koho, action="reopen", by=secretariat, loaded_version=koho.version, comment="数値の誤り"
    )
    first = koho.rows.get().report
    _submit(client, koho, department, m2={"actual_value": "25"})
    koho.refresh_from_db()
    answer_transition(answer=koho, action="accept", by=secretariat, loaded_version=koho.version)
    first.refresh_from_db()
    assert first.withdrawn_on is not None
    assert (
        ProgressReport.objects.standing().get(measure__number=2, as_of=date(2021, 12, 31)).actual_value == 25
    )


def test_recall_before_review_and_a_stale_transition_is_refused(client, open_round, department, secretariat):
    koho = _answer(open_round, "広報課")
    _submit(client, koho, department)
    client.force_login(secretariat)
    review = form_data(client.get(f"/rounds/answers/{koho.pk}/review/"), "review-form")
    client.force_login(department)
    page = client.get(f"/rounds/answers/{koho.pk}/")
    assert "提出を引き戻す" in _text(page)
    response = client.post(
        f"/rounds/answers/{koho.pk}/", {**form_data(page, "recall-form"), "action": "recall"}
    )
    assert response.status_code == 302
    koho.refresh_from_db()
    assert koho.get_state_display() == "入力中"
    # The secretariat's page still said 提出済: its accept is refused, and says why.
    client.force_login(secretariat)
    response = client.post(f"/rounds/answers/{koho.pk}/review/", {**review, "action": "accept"})
    assert response.status_code == 400
    assert "この照会への回答は今「入力中」のため、承認できません。" in _text(response)


NO_VERSION = "どの時点の画面からの操作か分からないため、受け付けられませんでした。画面を開き直してから、もう一度操作してください。"


@pytest.mark.parametrize("version", ["", "abc", "²"], ids=["missing", "garbage", "superscript"])
def test_a_move_without_the_version_seen_is_refused(client, open_round, department, secretariat, version):
    """The version the person saw is what makes a stale move refused: without it (a page saved from
    elsewhere, a hand-made request), the move is refused, never done blind."""
    koho = _answer(open_round, "広報課")
    client.force_login(department)
    url = f"/rounds/answers/{koho.pk}/"
    data = form_data(client.get(url))
    prefix = _row_prefix(data, Measure.objects.get(number=2))
    response = client.post(url, {**_complete(data, prefix), "answer_version": version, "action": "submit"})
    assert response.status_code == 400
    assert NO_VERSION in _text(response)
    assert _answer(open_round, "広報課").state != Answer.State.SUBMITTED
    _submit(client, koho, department)
    client.force_login(secretariat)
    review_url = f"/rounds/answers/{koho.pk}/review/"
    review = form_data(client.get(review_url), "review-form")
    response = client.post(review_url, {**review, "version": version, "action": "accept"})
    assert response.status_code == 400
    assert NO_VERSION in _text(response)
    assert _answer(open_round, "広報課").state == Answer.State.SUBMITTED
    dashboard = f"/rounds/{open_round.pk}/"
    response = client.post(f"{dashboard}move/", {"action": "close", "version": version}, follow=True)
    assert NO_VERSION in _text(response)
    assert Round.objects.get(pk=open_round.pk).state == Round.State.OPEN


def test_a_round_is_not_completed_while_an_answer_awaits_review_or_resubmission(
    client, open_round, department, secretariat
):
    koho = _answer(open_round, "広報課")
    _submit(client, koho, department)
    round_ = round_transition(
        round_=open_round, action="close", by=secretariat, loaded_version=open_round.version
    )
    client.force_login(secretariat)
    dashboard = f"/rounds/{open_round.pk}/"
    response = client.post(
        f"{dashboard}move/", {"action": "complete", "version": round_.version}, follow=True
    )
    assert (
        "提出済または差戻しの回答が1件あるため、完了できません。"
        "提出済の回答は承認か差戻しを、差戻しの回答は照会を再開して再提出を待ってください。"
    ) in _text(response)
    assert Round.objects.get(pk=open_round.pk).state == Round.State.CLOSED
    koho = _answer(open_round, "広報課")
    answer_transition(answer=koho, action="accept", by=secretariat, loaded_version=koho.version)
    response = client.post(
        f"{dashboard}move/", {"action": "complete", "version": round_.version}, follow=True
    )
    assert Round.objects.get(pk=open_round.pk).state == Round.State.DONE


def test_a_return_with_a_reason_per_measure_is_in_each_rows_history_and_on_the_timeline(
    client, open_round, department, secretariat
):
    koho = _answer(open_round, "広報課")
    _submit(client, koho, department)
    row = koho.rows.get()
    client.force_login(secretariat)
    url = f"/rounds/answers/{koho.pk}/review/"
    review = form_data(client.get(url), "review-form")
    response = client.post(
        url, {**review, "action": "return", "comment": "", f"row-comment-{row.pk}": "単位を確認してください"}
    )
    assert response.status_code == 302
    latest = row.history.latest("history_date")
    assert (latest.return_comment, latest.history_user, latest.history_type) == (
        "単位を確認してください",
        secretariat,
        "~",
    )
    assert latest.history_change_reason == f"{open_round}への広報課の回答を差戻し"
    page = parse(client.get("/timeline/", {"kind": "answerrow"}).content)
    first = page.find("table", id="timeline").find("tbody").find_all("tr")[0].text
    assert "事務局 太郎" in first and "単位を確認してください" in first


def test_a_forged_row_comment_key_is_ignored_not_a_500(client, open_round, department, secretariat):
    koho = _answer(open_round, "広報課")
    _submit(client, koho, department)
    client.force_login(secretariat)
    url = f"/rounds/answers/{koho.pk}/review/"
    review = form_data(client.get(url), "review-form")
    response = client.post(url, {**review, "action": "return", "comment": "", "row-comment-²": "単位"})
    assert response.status_code == 400
    assert "理由を入力してください。" in _text(response)


def test_a_department_cannot_open_its_answer_while_the_round_is_in_preparation(
    client, demo, secretariat, department
):
    """準備中 is the secretariat's draft of the round: the department's page is not there yet, as in
    the API."""
    lead_last()
    round_ = round_create(
        plan=seed_plan(),
        fiscal_year=2021,
        as_of=date(2021, 12, 31),
        deadline=date(2040, 6, 30),
        by=secretariat,
    )
    koho = _answer(round_, "広報課")
    client.force_login(department)
    assert client.get(f"/rounds/answers/{koho.pk}/").status_code == 404
    assert client.get("/api/answers/").json()["count"] == 0
    client.force_login(secretariat)
    assert client.get(f"/rounds/answers/{koho.pk}/").status_code == 200


def test_refusals_are_worded_for_who_reads_them(client, open_round, department, secretariat):
    koho = _answer(open_round, "広報課")
    _submit(client, koho, department)
    koho = _answer(open_round, "広報課")
    with pytest.raises(ValidationError) as refused:
        answer_transition(
            answer=koho, action="reopen", by=secretariat, loaded_version=koho.version, comment="再"
        )
    assert refused.value.messages == ["この照会への回答は今「提出済」のため、承認を取り消せません。"]
    koho = answer_transition(answer=koho, action="accept", by=secretariat, loaded_version=koho.version)
    round_ = round_transition(
        round_=open_round, action="close", by=secretariat, loaded_version=open_round.version
    )
    round_ = round_transition(round_=round_, action="complete", by=secretariat, loaded_version=round_.version)
    with pytest.raises(ValidationError) as refused:
        answer_transition(
            answer=koho, action="reopen", by=secretariat, loaded_version=koho.version, comment="再"
        )
    # The secretariat reads it: no 「事務局に連絡してください」.
    assert refused.value.messages == ["この照会は「完了」のため、承認を取り消せません。"]
    fresh = round_create(
        plan=seed_plan(),
        fiscal_year=2020,
        as_of=date(2020, 12, 31),
        deadline=date(2040, 6, 30),
        by=secretariat,
    )
    with pytest.raises(ValidationError) as refused:
        round_transition(round_=fresh, action="close", by=secretariat, loaded_version=fresh.version)
    assert refused.value.messages == ["この進捗照会は今「準備中」のため、締め切れません。"]


def test_every_step_is_logged_and_on_the_timeline(client, open_round, department, secretariat):
    koho = _answer(open_round, "広報課")
    _submit(client, koho, department, m2={"actual_value": "20"})
    koho.refresh_from_db()
    answer_transition(
        answer=koho, action="return", by=secretariat, loaded_version=koho.version, comment="単位の確認"
    )
    log = [
        (t.action, t.from_state, t.to_state, t.by.username, t.comment)
        for t in Transition.objects.filter(round=open_round).order_by("at", "id")
    ]
    assert log == [
        ("open", "preparing", "open", "jimu", ""),
        ("start", "not_started", "draft", "koho", ""),
        ("submit", "draft", "submitted", "koho", ""),
        ("return", "submitted", "returned", "jimu", "単位の確認"),
    ]
    client.force_login(secretariat)
    text = _text(client.get("/timeline/"))
    assert "進捗照会" in text and "照会への回答" in text and "回答の行" in text
    assert "差戻しの理由" in text and "単位の確認" in text
    assert "広報 三郎" in text and "事務局 太郎" in text


def test_each_row_is_in_its_history_from_the_opening_so_the_first_entry_shows_what_it_changed(
    client, open_round, department, secretariat
):
    koho = _answer(open_round, "広報課")
    row = koho.rows.get()
    (opened,) = row.history.all()
    assert (opened.history_type, opened.history_user, opened.actual_value) == ("+", secretariat, None)
    _submit(client, koho, department, m2={"actual_value": "20"})
    entered = row.history.filter(history_user=department).latest("history_date")
    changed = {change.field for change in entered.diff_against(entered.prev_record).changes}
    assert "actual_value" in changed
    # On the timeline: the department member's entry names the figure and its new value.
    client.force_login(secretariat)
    page = parse(client.get("/timeline/", {"kind": "answerrow"}).content)
    rows = [tr.text for tr in page.find("table", id="timeline").find("tbody").find_all("tr")]
    entry = next(text for text in rows if "広報 三郎" in text)
    assert "実績値" in entry and "20" in entry


def test_the_reminder_command_sends_each_reminder_once_and_retries_failures(
    open_round, department, settings, monkeypatch
):
    from django.core.management import call_command

    mail.outbox.clear()
    call_command("send_round_reminders")  # 12 days before: nothing due
    assert mail.outbox == []
    with time_machine.travel(datetime(2040, 6, 24, 9, 0, tzinfo=TOKYO)):  # 6 days before: the 7-day one
        call_command("send_round_reminders")
        call_command("send_round_reminders")
    subjects = [m.subject for m in mail.outbox]
    assert subjects.count("【進捗照会】回答期限まであと6日です") == 2  # 広報課 and 戸籍住民課, once each
    mail.outbox.clear()

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr("rounds.notifications.send_mail", refuse)
    with time_machine.travel(datetime(2040, 6, 29, 9, 0, tzinfo=TOKYO)), pytest.raises(SystemExit):
        call_command("send_round_reminders")
    failed = Notification.objects.filter(kind="due_1")
    assert all(n.sent_at is None and n.attempts == 1 and "mail server down" in n.last_error for n in failed)
    monkeypatch.undo()
    with time_machine.travel(datetime(2040, 6, 29, 10, 0, tzinfo=TOKYO)):
        call_command("send_round_reminders")
    assert [m.subject for m in mail.outbox] == ["【進捗照会】回答期限は明日です"] * 2
    assert Notification.objects.filter(sent_at__isnull=True).count() == 0


def test_a_save_hands_its_emails_to_the_worker(
    client, open_round, department, secretariat, settings, django_capture_on_commit_callbacks
):
    """Returning an answer records the e-mail; the mail server is the worker's business, not the
    request's: nothing is sent until the worker runs the task."""
    from django_tasks import default_task_backend

    from rounds.notifications import notifications_send_task

    koho = _answer(open_round, "広報課")
    _submit(client, koho, department)
    koho.refresh_from_db()
    settings.TASKS = WORKER_STOPPED
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        answer_transition(
            answer=koho, action="return", by=secretariat, loaded_version=koho.version, comment="再確認"
        )
    assert mail.outbox == []
    assert Notification.objects.get(kind="returned").sent_at is None
    (queued,) = default_task_backend.results
    assert queued.task.func == notifications_send_task.func
    notifications_send_task.func(*queued.args, **queued.kwargs)  # the worker's turn
    assert [m.to for m in mail.outbox] == [["koho@example.jp"]]
    assert Notification.objects.get(kind="returned").sent_at is not None


def test_a_queue_that_refuses_the_task_never_breaks_the_save(
    client, open_round, department, secretariat, monkeypatch, django_capture_on_commit_callbacks
):
    from rounds.notifications import notifications_send_task

    koho = _answer(open_round, "広報課")
    _submit(client, koho, department)
    koho.refresh_from_db()

    def refuse(*args, **kwargs):
        raise RuntimeError("the task queue is down")

    monkeypatch.setattr(type(notifications_send_task), "enqueue", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        answer_transition(
            answer=koho, action="return", by=secretariat, loaded_version=koho.version, comment="再確認"
        )
    assert _answer(open_round, "広報課").state == Answer.State.RETURNED
    assert Notification.objects.get(kind="returned").sent_at is None


def test_an_email_is_sent_outside_any_transaction(open_round, monkeypatch):
    """A slow mail server (EMAIL_TIMEOUT is 30 s) must not hold the database's write lock: the send
    happens in no transaction of the sender's own."""
    from django.db import connection

    from rounds.notifications import notifications_send

    outside = len(connection.atomic_blocks)  # the test's own transaction
    depths = []
    monkeypatch.setattr(
        "rounds.notifications.send_mail", lambda *args, **kwargs: depths.append(len(connection.atomic_blocks))
    )
    Notification.objects.update(sent_at=None)
    sent, failed = notifications_send()
    assert (sent, failed) == (len(depths), 0) and sent > 0
    assert set(depths) == {outside}


def test_an_email_that_keeps_failing_is_given_up_after_five_attempts(open_round, monkeypatch, caplog):
    from django.core.management import call_command

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr("rounds.notifications.send_mail", refuse)
    Notification.objects.exclude(pk=Notification.objects.order_by("pk").first().pk).delete()
    Notification.objects.update(sent_at=None, attempts=0)
    for _ in range(5):
        with pytest.raises(SystemExit):
            call_command("send_round_reminders")
    assert "given up after 5 attempts" in caplog.text
    call_command("send_round_reminders")  # given up: no longer a failure of every run
    note = Notification.objects.get()
    assert note.sent_at is None and note.attempts == 5


def test_a_reminder_says_the_days_really_left(open_round, department):
    """A round opened 3 days before its deadline is reminded 「あと3日」, not 「あと7日」; a reminder
    sent on the deadline day says it is today, not tomorrow."""
    from django.core.management import call_command

    mail.outbox.clear()
    with time_machine.travel(datetime(2040, 6, 27, 9, 0, tzinfo=TOKYO)):
        call_command("send_round_reminders")
    assert {m.subject for m in mail.outbox} == {"【進捗照会】回答期限まであと3日です"}
    assert "回答期限まであと3日です。まだ提出されていません。" in mail.outbox[0].body
    mail.outbox.clear()
    with time_machine.travel(datetime(2040, 6, 30, 9, 0, tzinfo=TOKYO)):
        call_command("send_round_reminders")
    assert {m.subject for m in mail.outbox} == {"【進捗照会】本日が回答期限です"}
    assert "本日が回答期限です。まだ提出されていません。" in mail.outbox[0].body


def test_a_failed_send_never_blocks_the_save(
    client, open_round, department, secretariat, monkeypatch, django_capture_on_commit_callbacks
):
    koho = _answer(open_round, "広報課")
    _submit(client, koho, department)
    koho.refresh_from_db()

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr("rounds.notifications.send_mail", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        answer_transition(
            answer=koho, action="return", by=secretariat, loaded_version=koho.version, comment="再確認"
        )
    koho.refresh_from_db()
    assert koho.state == Answer.State.RETURNED
    assert Notification.objects.get(kind="returned").sent_at is None


def test_the_dashboard_counts_states_and_marks_the_overdue(client, open_round, department, secretariat):
    _submit(client, _answer(open_round, "広報課"), department)
    with time_machine.travel(datetime(2040, 7, 1, 9, 0, tzinfo=TOKYO)):
        client.force_login(secretariat)
        text = _text(client.get(f"/rounds/{open_round.pk}/"))
    assert "未着手 3 課" in text and "提出済 1 課" in text and "期限超過 3 課" in text
    assert "未提出の3課に督促メールを送る" in text
    assert "広報 三郎" in text


def test_a_round_is_copied_for_next_year(client, open_round, secretariat):
    client.force_login(secretariat)
    # FY2022 is outside the plan: said so, nothing made.
    response = client.post(f"/rounds/{open_round.pk}/copy/", follow=True)
    assert "令和4年度(2022年度)は計画期間(令和元年度(2019年度)〜令和3年度(2021年度))の外です。" in _text(
        response
    )
    assert Round.objects.count() == 1
    last_year = round_create(
        plan=seed_plan(),
        fiscal_year=2020,
        as_of=date(2021, 3, 31),
        deadline=date(2040, 6, 30),
        by=secretariat,
        departments=[_answer(open_round, "広報課").department],
    )
    response = client.post(f"/rounds/{last_year.pk}/copy/")
    assert response.status_code == 302
    copy = Round.objects.exclude(pk__in=[open_round.pk, last_year.pk]).get()
    assert (copy.fiscal_year, copy.as_of, copy.get_state_display()) == (2021, date(2022, 3, 31), "準備中")
    assert list(copy.answers.values_list("department__name", flat=True)) == ["広報課"]


@pytest.mark.parametrize("role", ["council", "manager", "department"])
def test_no_one_but_the_secretariat_moves_a_round_or_reviews(client, request, open_round, role):
    client.force_login(request.getfixturevalue(role))
    koho = _answer(open_round, "広報課")
    for url, data in (
        (f"/rounds/{open_round.pk}/move/", {"action": "close", "version": open_round.version}),
        (f"/rounds/{open_round.pk}/remind/", {}),
        (f"/rounds/{open_round.pk}/copy/", {}),
        (f"/rounds/answers/{koho.pk}/review/", {"action": "accept"}),
        ("/rounds/new/", {}),
    ):
        assert client.post(url, data).status_code == 403, url
    open_round.refresh_from_db()
    assert open_round.state == Round.State.OPEN and Round.objects.count() == 1


def test_department_staff_never_reach_the_admin(client, department):
    client.force_login(department)
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_the_home_page_shows_department_staff_their_open_requests(client, open_round, department):
    client.force_login(department)
    text = _text(client.get("/"))
    assert "回答をお願いしている進捗照会" in text
    assert "令和3年度(2021年度) 進捗照会(令和3年12月31日時点) 広報課 令和22年6月30日" in text


def _round_with(secretariat, departments: int, measures_each: int, start: int) -> Round:
    from .factories import make_measure

    plan = seed_plan()
    number = start
    for d in range(departments):
        for _ in range(measures_each):
            number += 1
            make_measure(plan=plan, number=number, title=f"施策{number}", departments=[f"課{d:03d}"])
    round_ = round_create(
        plan=plan, fiscal_year=2021, as_of=date(2021, 12, 31), deadline=date(2040, 6, 30), by=secretariat
    )
    return round_transition(round_=round_, action="open", by=secretariat, loaded_version=round_.version)


def test_the_dashboard_and_a_department_page_make_a_fixed_number_of_queries(
    client, demo, secretariat, django_user_model
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from rounds.models import DepartmentMember

    from .conftest import count_queries

    counts = []
    for start, (departments, measures_each) in ((100, (2, 2)), (200, (12, 6))):
        Round.objects.all().delete()
        ProgressReport.objects.filter(accepted_by=secretariat).delete()  # the first size's
        round_ = _round_with(secretariat, departments, measures_each, start)
        answer = round_.answers.get(department__name="課001")
        member, _ = django_user_model.objects.get_or_create(username="ka001")
        DepartmentMember.objects.get_or_create(user=member, department=answer.department)
        client.force_login(secretariat)
        dashboard = count_queries(client, f"/rounds/{round_.pk}/")
        review = count_queries(client, f"/rounds/answers/{answer.pk}/review/")
        client.force_login(member)
        page = count_queries(client, f"/rounds/answers/{answer.pk}/")
        # Accepting the answer: its reports, their history, each row's link and its history.
        answer.rows.update(status=status("実施中"), progress_percent=50, entered_by=member)
        answer = answer_transition(answer=answer, action="submit", by=member, loaded_version=answer.version)
        with CaptureQueriesContext(connection) as accepting:
            answer_transition(answer=answer, action="accept", by=secretariat, loaded_version=answer.version)
        counts.append((dashboard, review, page, len(accepting.captured_queries)))
    assert counts[0] == counts[1], counts


def test_the_draft_saves_itself_and_a_colleagues_change_is_kept(client, open_round, department, colleague):
    """What answer.js posts two seconds after typing: the rows changed, and the page gets back each
    row's version and loaded values, and the values a colleague saved meanwhile, which it shows."""
    koho = _answer(open_round, "広報課")
    url = f"/rounds/answers/{koho.pk}/"
    measure = Measure.objects.get(number=2)
    client.force_login(colleague)
    theirs = form_data(client.get(url))
    client.force_login(department)
    mine = form_data(client.get(url))
    prefix = _row_prefix(mine, measure)
    client.force_login(colleague)
    assert (
        client.post(url, {**_fill(theirs, prefix, issues="人手が足りない"), "action": "save"}).status_code
        == 302
    )
    client.force_login(department)
    response = client.post(url, {**_fill(mine, prefix, narrative="公開を拡大"), "action": "autosave"})
    assert response.status_code == 200
    body = response.json()
    assert body["saved"] and "下書きを自動保存しました(まだ提出していません)。" in body["message"]
    assert body["values"] == {f"{prefix}-issues": "人手が足りない"}
    row = koho.rows.get()
    assert (row.narrative, row.issues, row.entered_by) == ("公開を拡大", "人手が足りない", department)
    # The page, updated as answer.js updates it, saves again without undoing the colleague's change.
    page = {**_fill(mine, prefix, narrative="公開を拡大", issues="人手が足りない", next_steps="継続")}
    page[f"{prefix}-version"] = str(body["rows"][prefix]["version"])
    page[f"{prefix}-loaded_state"] = body["rows"][prefix]["state"]
    assert client.post(url, {**page, "action": "save"}).status_code == 302
    row.refresh_from_db()
    assert (row.issues, row.next_steps) == ("人手が足りない", "継続")
    # A refused autosave says so, and saves nothing.
    response = client.post(url, {**_fill(page, prefix, actual_value="-5"), "action": "autosave"})
    assert response.status_code == 400
    assert response.json()["message"].startswith("自動保存できませんでした。")


def test_a_return_with_only_a_comment_on_a_row_shows_it_beside_that_measure(
    client, open_round, department, secretariat
):
    koho = _answer(open_round, "広報課")
    _submit(client, koho, department, m2={"actual_value": "20"})
    row = koho.rows.get()
    client.force_login(secretariat)
    url = f"/rounds/answers/{koho.pk}/review/"
    data = form_data(client.get(url), "review-form")
    response = client.post(url, {**data, "action": "return", f"row-comment-{row.pk}": "単位は件です。"})
    assert response.status_code == 302
    client.force_login(department)
    text = _text(client.get(f"/rounds/answers/{koho.pk}/"))
    assert "回答の状態: 差戻し" in text
    assert "事務局からのコメント: 単位は件です。" in text
