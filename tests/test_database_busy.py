"""A database error that a repeat would cure (a deadlock, a serialization failure, a lock not
granted in time, SQLite's "database is locked") reaches a person as a Japanese message, never a
generic 500: in the admin with the form and everything typed in it, nothing saved; elsewhere as a
503 page or, on the API, a 503 with a JSON body, each with Retry-After."""

from __future__ import annotations

import html
import sqlite3
from unittest import mock

import psycopg.errors
import pytest
from django.db import OperationalError
from django.urls import reverse

from measures.admin import MeasureAdmin
from measures.models import Measure, ProgressReport

from .factories import report_form_data

pytestmark = pytest.mark.usefixtures("seeded")

MESSAGE = (
    "他の保存と重なったため、保存できませんでした。入力した内容はそのまま残っています。"
    "少し待ってから、もう一度保存してください。"
)
PAGE_MESSAGE = (
    "データベースが混み合っているため、処理できませんでした。少し待ってから、もう一度お試しください。"
)


def _sqlite_locked() -> OperationalError:
    cause = sqlite3.OperationalError("database is locked")
    cause.sqlite_errorcode = 5  # SQLITE_BUSY
    error = OperationalError("database is locked")
    error.__cause__ = cause
    return error


def _deadlock() -> OperationalError:
    error = OperationalError("deadlock detected")
    error.__cause__ = psycopg.errors.DeadlockDetected("deadlock detected")
    return error


def _serialization_failure() -> OperationalError:
    error = OperationalError("could not serialize access due to concurrent update")
    error.__cause__ = psycopg.errors.SerializationFailure("could not serialize access")
    return error


BUSY = {"deadlock": _deadlock, "serialization": _serialization_failure, "sqlite-locked": _sqlite_locked}


def _measure_form(measure: Measure, **changes) -> dict:
    return {
        "plan": measure.plan_id,
        "purpose": measure.purpose_id,
        "number": str(measure.number),
        "title": measure.title,
        "description": measure.description,
        "departments": [d.pk for d in measure.departments.all()],
        "order": str(measure.order),
        "version": measure.version,
        "annual_targets-TOTAL_FORMS": "0",
        "annual_targets-INITIAL_FORMS": "0",
        **changes,
    }


@pytest.mark.parametrize("busy", BUSY.values(), ids=BUSY.keys())
def test_a_measure_saved_into_a_deadlock_comes_back_with_what_was_typed(client, secretariat, busy):
    client.force_login(secretariat)
    measure = Measure.objects.get(number=1)
    url = reverse("admin:measures_measure_change", args=[measure.pk])
    data = _measure_form(measure, title="重なった保存で書き換えたタイトル")
    with mock.patch.object(MeasureAdmin, "save_model", side_effect=busy()):
        response = client.post(url, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert MESSAGE in page
    assert 'value="重なった保存で書き換えたタイトル"' in page
    measure.refresh_from_db()
    assert measure.title != "重なった保存で書き換えたタイトル"
    # Saving again, once the other save is through, saves.
    assert client.post(url, data).status_code == 302
    measure.refresh_from_db()
    assert measure.title == "重なった保存で書き換えたタイトル"


def test_a_report_added_into_a_lock_timeout_comes_back_unsaved(client, secretariat):
    client.force_login(secretariat)
    data = report_form_data(Measure.objects.get(number=1), narrative="混み合った時の取組実績")
    error = OperationalError("canceling statement due to lock timeout")
    error.__cause__ = psycopg.errors.LockNotAvailable("lock timeout")
    with mock.patch("measures.admin.progress_report_create", side_effect=error):
        response = client.post(reverse("admin:measures_progressreport_add"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert MESSAGE in page and "混み合った時の取組実績" in page
    assert not ProgressReport.objects.exists()


def test_a_database_error_no_repeat_would_cure_is_still_a_server_error(client, secretariat):
    client.force_login(secretariat)
    client.raise_request_exception = False
    measure = Measure.objects.get(number=1)
    url = reverse("admin:measures_measure_change", args=[measure.pk])
    with mock.patch.object(MeasureAdmin, "save_model", side_effect=OperationalError("no such column: x")):
        assert client.post(url, _measure_form(measure, title="別のタイトル")).status_code == 500


def test_a_page_that_meets_a_busy_database_says_so_in_japanese_with_retry_after(client, council):
    client.force_login(council)
    client.raise_request_exception = False
    with mock.patch("bunkyo.views.home_page_build", side_effect=_deadlock()):
        response = client.get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert PAGE_MESSAGE in response.content.decode()


def test_the_api_meets_a_busy_database_with_a_503_in_json(client, secretariat):
    client.force_login(secretariat)
    measure = Measure.objects.get(number=1)
    payload = {"measure": measure.pk, "fiscal_year": 2019, "as_of": "2019-09-30", "progress_percent": 50}
    payload["status"] = report_form_data(measure)["status"]
    with mock.patch("measures.api.progress_report_create", side_effect=_serialization_failure()):
        response = client.post("/api/progress-reports/", payload, content_type="application/json")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == {"detail": PAGE_MESSAGE}
    assert not ProgressReport.objects.exists()


def test_a_user_saved_into_a_deadlock_comes_back_with_what_was_typed(client, superuser, secretariat):
    from bunkyo.admin import UserAdmin

    from .test_concurrent_edits import _form_data

    client.force_login(superuser)
    url = reverse("admin:auth_user_change", args=[secretariat.pk])
    data = {
        k: html.unescape(v) if isinstance(v, str) else v
        for k, v in _form_data(client.get(url).content.decode()).items()
    }
    data.update({"last_name": "書き換えた姓", "is_active": "on", "is_staff": "on"})
    with mock.patch.object(UserAdmin, "save_model", side_effect=_deadlock()):
        response = client.post(url, data)
    assert response.status_code == 200
    assert MESSAGE in response.content.decode() and 'value="書き換えた姓"' in response.content.decode()
    secretariat.refresh_from_db()
    assert secretariat.last_name != "書き換えた姓"
    assert client.post(url, data).status_code == 302
    secretariat.refresh_from_db()
    assert secretariat.last_name == "書き換えた姓"
