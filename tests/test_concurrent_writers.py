"""Writers to unrelated rows never wait for one another (issue 23).

Until reports/migrations/0007_remove_datastamp.py, triggers on the plan's 21 tables replaced one
row's token in every writing transaction, so on PostgreSQL every writer waited for every other one
to commit, and two saves could deadlock. Here one writer holds its transaction open after adding
a report, while seven others (admin saves, API writes and an Excel import, each on its own
connection) write other measures' reports: each of them must commit while the first is still open.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import date

import pytest
from django.db import connection, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from measures.models import ProgressReport
from measures.services import progress_report_create

from .factories import make_measure, report_form_data, seed_plan, status
from .test_progress_import import Filled, confirm, latest_upload, measure, template_bytes, upload

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("demo", "uploads_read_at_once"),
]

WAIT_SECONDS = 60  # far more than any of these writes takes alone


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _admin_save(user, number: int) -> Callable[[], str]:
    def write() -> str:
        response = _signed_in(user).post(
            "/admin/measures/progressreport/add/",
            report_form_data(measure(number), fiscal_year="2021", as_of="2021/11/1" + str(number)),
        )
        return f"admin {response.status_code}"

    return write


def _api_write(user, number: int) -> Callable[[], str]:
    def write() -> str:
        body = {
            "measure": measure(number).pk,
            "fiscal_year": 2021,
            "as_of": f"2021-11-1{number}",
            "status": status("実施中").pk,
            "progress_percent": 60,
        }
        response = _signed_in(user).post("/api/progress-reports/", body, content_type="application/json")
        return f"api {response.status_code}"

    return write


def _import(user, number: int) -> Callable[[], str]:
    def write() -> str:
        client = _signed_in(user)
        filled = Filled(template_bytes(client)).fill(
            measure(number), status="○ 実施中", progress=70, as_of="2021/11/19"
        )
        upload(client, ("一括.xlsx", filled.bytes()))
        response = confirm(client)
        return f"import {response.status_code} {latest_upload().get_state_display()}"

    return write


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite has one writer at a time: PostgreSQL only"
)
def test_eight_writers_to_unrelated_rows_all_commit_while_one_transaction_is_open(secretariat):
    for number in range(6, 9):  # the seed plan has 5
        make_measure(plan=seed_plan(), number=number, title=f"施策{number}")
    held, release = threading.Event(), threading.Event()
    outcomes: dict[str, str] = {}

    def hold_open() -> None:
        try:
            with transaction.atomic():
                report = ProgressReport(
                    measure=measure(1),
                    fiscal_year=2021,
                    as_of=date(2021, 11, 10),
                    status=status("実施中"),
                    progress_percent=50,
                )
                progress_report_create(report=report, author=secretariat)
                held.set()
                assert release.wait(WAIT_SECONDS * 2)
            outcomes["held"] = "committed"
        finally:
            connections.close_all()

    def run(name: str, write: Callable[[], str]) -> None:
        try:
            outcomes[name] = write()
        except Exception as error:  # a deadlock or a lock timeout is the failure this test is about
            outcomes[name] = repr(error)
        finally:
            connections.close_all()

    writers = {
        "admin-2": _admin_save(secretariat, 2),
        "admin-3": _admin_save(secretariat, 3),
        "api-4": _api_write(secretariat, 4),
        "api-5": _api_write(secretariat, 5),
        "api-6": _api_write(secretariat, 6),
        "api-7": _api_write(secretariat, 7),
        "import-8": _import(secretariat, 8),
    }
    holder = threading.Thread(target=hold_open)
    holder.start()
    assert held.wait(WAIT_SECONDS)
    threads = [threading.Thread(target=run, args=item) for item in writers.items()]
    try:
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + WAIT_SECONDS
        for thread in threads:
            thread.join(max(0, deadline - time.monotonic()))
        waiting = sorted(name for name, thread in zip(writers, threads, strict=True) if thread.is_alive())
        assert not waiting, f"still waiting for the open transaction: {waiting}"
    finally:
        release.set()
        holder.join(WAIT_SECONDS)
        for thread in threads:
            thread.join(WAIT_SECONDS)

    assert outcomes == {
        "held": "committed",
        "admin-2": "admin 302",
        "admin-3": "admin 302",
        "api-4": "api 201",
        "api-5": "api 201",
        "api-6": "api 201",
        "api-7": "api 201",
        "import-8": "import 302 取込済み",
    }
    for number in range(1, 9):
        assert (
            ProgressReport.objects.filter(measure=measure(number), fiscal_year=2021, as_of__month=11).count()
            == 1
        )


def _triggers() -> list[str]:
    """The user-defined triggers in this database."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY tgname")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
        return [name for (name,) in cursor.fetchall()]


def _migrate(*target: tuple[str, str]) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(list(target))


def test_the_migration_drops_the_token_and_its_triggers_and_backwards_puts_them_back():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes("reports")[0]
    assert _triggers() == []
    assert "reports_datastamp" not in connection.introspection.table_names()
    try:
        _migrate(("reports", "0006_progressimport_nothing_to_register"))
        per_table = (
            1 if connection.vendor == "postgresql" else 3
        )  # a statement trigger; insert, update, delete
        assert len(_triggers()) == 21 * per_table
        assert "reports_datastamp" in connection.introspection.table_names()
    finally:
        _migrate(latest)
    assert _triggers() == []
    assert "reports_datastamp" not in connection.introspection.table_names()
