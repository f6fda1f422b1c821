"""Collection rounds under /api/: the secretariat reads them, a department reads its own and submits
its answer with a member's token, through the same checks as the department's page."""

from __future__ import annotations

import pytest
from django.db.models import F
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from measures.models import Measure
from rounds.models import Answer, Round
from rounds.services import round_transition

from .factories import status
from .test_rounds import _answer, open_round  # noqa: F401 (the fixture)


@pytest.fixture
def token_client(department):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=department).key}")
    return client


def _body(answer, **row):
    measure = Measure.objects.get(number=2)
    values = {
        "measure": measure.pk,
        "status": status("実施中").pk,
        "progress_percent": 70,
        "actual_value": "12",
    }
    return {"version": answer.version, "rows": [{**values, **row}]}


def test_the_secretariat_reads_every_answer_a_department_its_own_and_others_none(
    client,
    open_round,  # noqa: F811
    secretariat,
    department,
    council,
):
    client.force_login(secretariat)
    assert client.get("/api/answers/").json()["count"] == 4
    round_filter = client.get(f"/api/answers/?round_id={open_round.pk}&state=not_started").json()
    assert round_filter["count"] == 4
    assert client.get(f"/api/rounds/{open_round.pk}/").json()["state_label"] == "照会中"
    client.force_login(department)
    answers = client.get("/api/answers/").json()["results"]
    assert [a["id"] for a in answers] == [_answer(open_round, "広報課").pk]
    assert client.get(f"/api/answers/{_answer(open_round, '戸籍住民課').pk}/").status_code == 404
    client.force_login(council)
    assert client.get("/api/answers/").status_code == 403
    client.logout()
    assert client.get("/api/answers/").json()["count"] == 0


def test_a_department_system_submits_with_a_token(token_client, open_round, department):  # noqa: F811
    koho = _answer(open_round, "広報課")
    response = token_client.post(f"/api/answers/{koho.pk}/submit/", _body(koho), format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["state_label"], body["submitted_by_name"]) == ("提出済", "広報 三郎")
    assert body["rows"][0]["progress_percent"] == 70
    # The same again: already submitted.
    again = token_client.post(f"/api/answers/{koho.pk}/submit/", _body(koho), format="json")
    assert again.status_code == 400
    assert "この照会への回答はすでに「提出済」です。" in str(again.json())


def test_a_forged_measure_a_missing_figure_and_a_closed_round_are_refused(
    token_client,
    open_round,  # noqa: F811
    department,
    secretariat,
):
    koho = _answer(open_round, "広報課")
    url = f"/api/answers/{koho.pk}/submit/"
    other = Measure.objects.get(number=3)
    response = token_client.post(url, _body(koho, measure=other.pk), format="json")
    assert response.status_code == 400
    assert "この施策はこの回答にありません" in str(response.json())
    response = token_client.post(url, _body(koho, progress_percent=101), format="json")
    assert response.status_code == 400
    round_transition(round_=open_round, action="close", by=secretariat, loaded_version=open_round.version)
    response = token_client.post(url, _body(koho), format="json")
    assert response.status_code == 400
    assert "この照会は「締切」のため" in str(response.json())
    koho.refresh_from_db()
    assert koho.state == Answer.State.NOT_STARTED and koho.rows.get().progress_percent is None
    assert Round.objects.get(pk=open_round.pk).state == Round.State.CLOSED


def test_another_departments_answer_cannot_be_submitted(token_client, open_round):  # noqa: F811
    koseki = _answer(open_round, "戸籍住民課")
    response = token_client.post(
        f"/api/answers/{koseki.pk}/submit/", {"version": 1, "rows": []}, format="json"
    )
    assert response.status_code == 404


def test_a_submit_with_the_version_before_a_colleagues_save_is_refused(
    token_client,
    open_round,  # noqa: F811
    department,
):
    """A colleague's save moved the answer to 入力中 since the system read it: the version sent is one
    behind, and the submit is refused with 409, not taken as this request's own move."""
    from rounds.services import answer_rows_save

    koho = _answer(open_round, "広報課")
    loaded = koho.version
    row = koho.rows.get()
    row.issues = "同僚が書いた課題"
    answer_rows_save(answer=koho, rows=[row], by=department)
    response = token_client.post(
        f"/api/answers/{koho.pk}/submit/", {**_body(koho), "version": loaded}, format="json"
    )
    assert response.status_code == 409, response.json()
    assert "先に変更したため保存できませんでした。" in response.json()["detail"]
    assert Answer.objects.get(pk=koho.pk).state == Answer.State.DRAFT


def test_a_row_changed_while_the_submit_saves_is_a_409(
    token_client,
    open_round,  # noqa: F811
    department,
    monkeypatch,
):
    """A row saved by a colleague between this request's read and its write (core.versioning's
    ConcurrentEditError) is told as a 409 with the project's error body, never a 500."""
    import rounds.api
    from rounds.models import AnswerRow

    koho = _answer(open_round, "広報課")
    real = rounds.api._rows_changed

    def a_colleague_saves_meanwhile(answer, sent):
        rows = real(answer, sent)
        AnswerRow.objects.filter(answer=answer).update(issues="同僚が書いた課題", version=F("version") + 1)
        return rows

    monkeypatch.setattr(rounds.api, "_rows_changed", a_colleague_saves_meanwhile)
    response = token_client.post(f"/api/answers/{koho.pk}/submit/", _body(koho), format="json")
    assert response.status_code == 409, response.json()
    body = response.json()
    assert "先に変更したため保存できませんでした。" in body["detail"]
    assert Answer.objects.get(pk=koho.pk).state == Answer.State.NOT_STARTED
