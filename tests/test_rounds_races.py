"""Two members of the secretariat accept the same answer at the same moment (PostgreSQL): the second
waits for the first one's lock on the answer, then is told it is accepted already; the reports are
added once."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.db.models import F

import rounds.services
from measures.models import ProgressReport
from rounds.models import Answer
from rounds.services import answer_rows_save, answer_transition, round_create, round_transition

from .factories import seed_plan, status
from .test_report_races import _a_query_waits_for_a_lock
from .test_rounds import lead_last


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no row locks: PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_an_answer_accepted_twice_at_once_adds_its_reports_once(demo, secretariat, department, monkeypatch):
    lead_last()
    round_ = round_create(
        plan=seed_plan(),
        fiscal_year=2021,
        as_of=date(2021, 12, 31),
        deadline=date(2040, 6, 30),
        by=secretariat,
    )
    round_ = round_transition(round_=round_, action="open", by=secretariat, loaded_version=round_.version)
    answer = round_.answers.get(department__name="広報課")
    row = answer.rows.get()
    row.status, row.progress_percent = status("実施中"), 60
    answer = answer_rows_save(answer=answer, rows=[row], by=department)
    answer = answer_transition(answer=answer, action="submit", by=department, loaded_version=answer.version)
    count = ProgressReport.objects.count()

    holding, release = threading.Event(), threading.Event()
    real = rounds.services.progress_reports_accept

    def accept_and_hold(**kwargs):
        made = real(**kwargs)
        if threading.current_thread().name == "first":
            holding.set()  # the answer's row stays locked until this transaction ends
            assert release.wait(30)
        return made

    monkeypatch.setattr(rounds.services, "progress_reports_accept", accept_and_hold)
    outcomes: dict[str, object] = {}

    def accept_in(name: str) -> None:
        try:
            outcomes[name] = answer_transition(
                answer=answer, action="accept", by=secretariat, loaded_version=answer.version
            ).get_state_display()
        except ValidationError as error:
            outcomes[name] = error.messages
        finally:
            connections.close_all()

    first = threading.Thread(target=accept_in, args=("first",), name="first")
    first.start()
    assert holding.wait(30)
    second = threading.Thread(target=accept_in, args=("second",), name="second")
    second.start()
    try:
        assert _a_query_waits_for_a_lock(), "the second acceptance did not wait for the first"
    finally:
        release.set()
        first.join(30)
        second.join(30)
    assert outcomes == {
        "first": "承認済",
        "second": ["この照会への回答はすでに「承認済」です。画面を開き直して、今の状態を確かめてください。"],
    }
    assert ProgressReport.objects.count() == count + 1
    assert Answer.objects.get(pk=answer.pk).state == Answer.State.ACCEPTED


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no row locks: PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_a_colleagues_save_during_a_save_of_the_draft_is_kept(
    client, demo, secretariat, department, monkeypatch
):
    """A colleague's change committed while this person's save is under way (after the rows are read,
    before they are written) is not overwritten: the rows are locked as they are read, so the
    colleague's save waits and comes after."""
    from core.versioning import VersionedModelForm
    from rounds.models import AnswerRow

    from .test_rounds import _complete, _row_prefix, form_data

    lead_last()
    round_ = round_create(
        plan=seed_plan(),
        fiscal_year=2021,
        as_of=date(2021, 12, 31),
        deadline=date(2040, 6, 30),
        by=secretariat,
    )
    round_ = round_transition(round_=round_, action="open", by=secretariat, loaded_version=round_.version)
    answer = round_.answers.get(department__name="広報課")
    client.force_login(department)
    url = f"/rounds/answers/{answer.pk}/"
    data = form_data(client.get(url))
    row = AnswerRow.objects.get(answer=answer)
    data = _complete(data, _row_prefix(data, row.measure), percent=70)

    def colleague() -> None:
        try:
            AnswerRow.objects.filter(pk=row.pk).update(issues="同僚が書いた課題", version=F("version") + 1)
        finally:
            connections.close_all()

    real = VersionedModelForm._current_version
    others: list[threading.Thread] = []

    def colleague_saves_first(form):

        if not others:
            others.append(threading.Thread(target=colleague))
            others[0].start()
            assert _a_query_waits_for_a_lock(unless_finished=others[0]), (
                "the colleague's save neither ended nor waited"
            )
        return real(form)

    monkeypatch.setattr(VersionedModelForm, "_current_version", colleague_saves_first)
    try:
        assert client.post(url, {**data, "action": "save"}).status_code == 302
    finally:
        for thread in others:
            thread.join(30)
    row.refresh_from_db()
    assert (row.progress_percent, row.issues) == (70, "同僚が書いた課題")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no row locks: PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_an_edit_saved_while_a_colleague_opens_the_round_waits_and_is_refused(demo, secretariat, monkeypatch):
    """The edit page is saved while the round is being opened: the save waits for the opening's lock on
    the round, then finds it 照会中 and saves nothing (the departments were asked as they were)."""
    from django.test import Client

    from .test_rounds_edit import _form

    lead_last()
    round_ = round_create(
        plan=seed_plan(),
        fiscal_year=2021,
        as_of=date(2021, 12, 31),
        deadline=date(2040, 6, 30),
        message="令和3年度の実績をお知らせください。",
        by=secretariat,
    )
    editor = Client()
    editor.force_login(secretariat)
    typed = {**_form(editor.get(f"/rounds/{round_.pk}/edit/")), "message": ["開始と同時に直した依頼文"]}

    holding, release = threading.Event(), threading.Event()
    real = rounds.services._rows_fill

    def fill_and_hold(opened, by):
        real(opened, by)
        holding.set()  # the round stays locked until the opening commits
        assert release.wait(30)

    monkeypatch.setattr(rounds.services, "_rows_fill", fill_and_hold)
    outcomes: dict[str, object] = {}

    def open_round() -> None:
        try:
            outcomes["open"] = round_transition(
                round_=round_, action="open", by=secretariat, loaded_version=round_.version
            ).get_state_display()
        finally:
            connections.close_all()

    def save_edit() -> None:
        try:
            outcomes["edit"] = editor.post(f"/rounds/{round_.pk}/edit/", typed)
        finally:
            connections.close_all()

    opener = threading.Thread(target=open_round)
    opener.start()
    assert holding.wait(30)
    saver = threading.Thread(target=save_edit)
    saver.start()
    try:
        assert _a_query_waits_for_a_lock(), "the edit did not wait for the opening"
    finally:
        release.set()
        opener.join(30)
        saver.join(30)
    assert outcomes["open"] == "照会中"
    response = outcomes["edit"]
    assert response.status_code == 400
    assert "この進捗照会は今「照会中」のため、編集できません。" in response.content.decode()
    round_.refresh_from_db()
    assert (round_.state, round_.message) == ("open", "令和3年度の実績をお知らせください。")
