"""Two requests adding the same progress report at the same moment: the one that loses is told the
report exists, as a request a minute later would be, and nothing of it is saved; never a 500.

Issue 20: two identical POSTs to the API, or two uploads of the same rows confirmed at once,
answered the loser with an IntegrityError (9 of 16 rounds). The race is made to happen here on
purpose: the other request's report is added between the check that no such report exists
(measures.services.progress_reports_validate) and the INSERT, which is where it lands in real life.
Added on the same connection, it is undone with the loser's transaction; the other request's own
transaction would keep it.
"""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest
from django.db import connection, connections

import measures.services
from measures.models import Measure, ProgressReport
from rounds.models import ProgressImport

from .factories import add_report, seed_plan, status
from .test_progress_import import Filled, confirm, latest_upload, measure, page_text, template_bytes, upload

pytestmark = pytest.mark.usefixtures("demo", "uploads_read_at_once")

URL = "/api/progress-reports/"


@pytest.fixture
def secretariat_client(client, secretariat):
    client.force_login(secretariat)
    return client


def _other_request_wins_the_race(monkeypatch, add_theirs) -> None:
    """From now on, the first check of new reports passes, and then the other request's report is saved."""
    real = measures.services.progress_reports_validate
    checks = []

    def validate(reports):
        errors = real(reports)
        checks.append(len(reports))
        if len(checks) == 1:
            add_theirs()
        return errors

    monkeypatch.setattr(measures.services, "progress_reports_validate", validate)


def _body(measure_: Measure, as_of: str) -> dict:
    return {
        "measure": measure_.pk,
        "fiscal_year": 2021,
        "as_of": as_of,
        "status": status("実施中").pk,
        "progress_percent": 60,
    }


def test_two_identical_posts_at_once_give_the_loser_the_answer_a_later_one_gets(
    secretariat_client, secretariat, monkeypatch
):
    two = Measure.objects.get(plan=seed_plan(), number=2)
    first = secretariat_client.post(URL, _body(two, "2021-12-01"), content_type="application/json")
    assert first.status_code == 201, first.content
    later = secretariat_client.post(URL, _body(two, "2021-12-01"), content_type="application/json")
    assert later.status_code == 400

    _other_request_wins_the_race(
        monkeypatch, lambda: add_report(two, 2021, date(2021, 12, 2), progress=60, author=secretariat)
    )
    response = secretariat_client.post(URL, _body(two, "2021-12-02"), content_type="application/json")

    assert response.status_code == 400, response.content
    assert (
        response.json()["errors"]
        == later.json()["errors"]
        == {
            "as_of": [
                "この施策・年度・報告基準日の報告はすでにあります。"
                "内容を直す場合は、その報告を取り下げてから新しい報告を追加してください。"
            ]
        }
    )
    assert not ProgressReport.objects.filter(measure=two, as_of=date(2021, 12, 2)).exists()


def test_a_confirmation_that_loses_the_race_names_the_row_and_adds_nothing(secretariat_client, monkeypatch):
    """Two uploads of the same rows (two tabs, or a colleague with the same file) confirmed at once."""
    three = measure(3)
    filled = Filled(template_bytes(secretariat_client))
    filled.fill(three, status="○ 実施中", progress=70, as_of="2022/4/30")
    filled.fill(measure(1), status="○ 実施中", progress=40, as_of="2022/4/30")
    upload(secretariat_client, ("戸籍住民課.xlsx", filled.bytes()))
    ours = latest_upload()
    _other_request_wins_the_race(monkeypatch, lambda: add_report(three, 2021, date(2022, 4, 30), progress=70))
    count = ProgressReport.objects.count()

    response = confirm(secretariat_client, ours)

    assert response.status_code == 400
    assert (
        f"「戸籍住民課.xlsx」{filled.row_of(three)}行目(施策 {three.number} {three.title}): "
        "この施策・年度・報告基準日の報告はすでにあります。"
        "内容を直す場合は、その報告を取り下げてから新しい報告を追加してください。 何も登録していません。"
        in page_text(response)
    )
    assert ProgressReport.objects.count() == count
    ours.refresh_from_db()
    assert ours.state == ProgressImport.State.PREVIEW


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no row locks: PostgreSQL only")
def test_an_upload_confirmed_twice_at_once_is_added_once(client, secretariat, monkeypatch):
    """The second confirmation waits for the first one's lock on the upload, then finds it confirmed."""
    from django.core.exceptions import ValidationError

    import rounds.progress_imports

    client.force_login(secretariat)
    filled = Filled(template_bytes(client)).fill(
        measure(3), status="○ 実施中", progress=70, as_of="2022/4/30"
    )
    upload(client, ("戸籍住民課.xlsx", filled.bytes()))
    upload_ = latest_upload()
    count = ProgressReport.objects.count()

    holding, release = threading.Event(), threading.Event()
    real_create = rounds.progress_imports.progress_reports_create

    def create_and_hold(**kwargs):
        created = real_create(**kwargs)
        if threading.current_thread().name == "first":
            holding.set()  # the upload's row is locked until this transaction ends
            assert release.wait(30)
        return created

    monkeypatch.setattr(rounds.progress_imports, "progress_reports_create", create_and_hold)
    outcomes: dict[str, object] = {}

    def confirm_in(name: str) -> None:
        try:
            outcomes[name] = rounds.progress_imports.progress_import_confirm(
                upload=upload_, user=secretariat
            ).state
        except ValidationError as error:
            outcomes[name] = error.messages
        finally:
            connections.close_all()

    first = threading.Thread(target=confirm_in, args=("first",), name="first")
    first.start()
    assert holding.wait(30)
    second = threading.Thread(target=confirm_in, args=("second",), name="second")
    second.start()
    try:
        assert _a_query_waits_for_a_lock(), "the second confirmation did not wait for the first"
    finally:
        release.set()
        first.join(30)
        second.join(30)

    assert outcomes == {
        "first": ProgressImport.State.IMPORTED,
        "second": ["この取込はすでに登録済みです。同じ報告が二重に登録されることはありません。"],
    }
    assert ProgressReport.objects.count() == count + 1


def _a_query_waits_for_a_lock(
    timeout: float = 30, *, unless_finished: threading.Thread | None = None
) -> bool:
    """Whether another connection to this database is waiting for a row lock (checked until timeout),
    or ``unless_finished`` has ended. Callable inside a transaction: pg_stat_activity is read afresh
    each time, not from the transaction's first snapshot."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            if unless_finished is not None and not unless_finished.is_alive():
                return True
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.05)  # a poll against the deadline, not a wait for something to happen
    return False
