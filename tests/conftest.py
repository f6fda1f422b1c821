"""Personas and data shared by the tests.

The people: ``secretariat`` (事務局) keeps the data, ``manager`` (管理職) downloads reports,
``council`` (議会) reads and prints, ``department`` (所管課担当) answers the collection rounds for
広報課 (``other_department`` for 戸籍住民課), ``superuser`` is the system administrator.
"""

from __future__ import annotations

import functools
import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import override_settings
from pytest_django.fixtures import validate_django_db

from bunkyo import roles

ROOT = Path(__file__).resolve().parent.parent
# The ward's document, kept in the repository so a clone is complete on its own.
SEED_DOCUMENT = ROOT / "fixtures" / "source" / "bunkyo_data_plan_drafting_2018.txt"
# The copy shared with the project team, beside the clone when there is one.
SHARED_SEED_DOCUMENT = ROOT.parent / "shared" / "seed" / "000_76c39d973e79e469.txt"


# The day every test runs on, whatever the real date: a Monday, long after the demo plan's period
# and far enough ahead that the cookies the live server sets (dated by this clock) are still
# valid in the browser, which keeps the real time. time-machine moves every clock in the process
# (core.clock, auto_now fields, sessions, the live server's thread); the time still runs from
# there (tick). From the session's start, so that data a module or session fixture makes is dated
# by the same clock as the tests that read it. A test that needs another day moves it:
# time_machine.move_to(...).
TEST_NOW = datetime(2040, 6, 18, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))


@pytest.fixture(autouse=True, scope="session")
def _fixed_clock():
    with time_machine.travel(TEST_NOW, tick=True):
        yield


@pytest.fixture
def role_groups(db):
    """The three roles, as the data migration makes them.

    A transactional test (live server, backup round trip) ends with a flush that removes
    what migrations created, so the roles are put back here when they are missing.
    """
    from django.apps import apps

    if Group.objects.filter(name__in=roles.ALL_ROLES).count() < len(roles.ALL_ROLES):
        roles.sync_groups(apps)


@pytest.fixture
def uploads_read_at_once(settings):
    """The worker's part of an Excel upload, reading the files, runs inside the upload's request (the
    immediate tasks backend): the page the upload redirects to is the preview, as before the reading
    moved to the worker. tests/test_import_background.py tests the request and the worker apart."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    """MD5 instead of PBKDF2's many iterations: every persona is created with a password, and
    the sign-in tests check passwords. No test is about the hasher (production keeps Django's)."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True, scope="session")
def _throttling_out_of_reach():
    """Tests make many requests as one persona from one address (127.0.0.1): the API's and the open
    data's throttles get rates no test reaches, but still count, as in production.
    tests/test_throttling.py sets low rates of its own; every test starts with no counts (below)."""
    from django.conf import settings

    rates = {scope: "1000000/min" for scope in settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]}
    with override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}):
        yield


def _user(django_user_model, username, role=None, **extra):
    user = django_user_model.objects.create_user(username=username, password="pw-" + username, **extra)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def secretariat(role_groups, django_user_model):
    return _user(django_user_model, "jimu", roles.SECRETARIAT, is_staff=True, last_name="事務局 太郎")


@pytest.fixture
def manager(role_groups, django_user_model):
    return _user(django_user_model, "kacho", roles.MANAGERS, last_name="管理 花子")


@pytest.fixture
def council(role_groups, django_user_model):
    return _user(django_user_model, "giin", roles.COUNCIL, last_name="議会 次郎")


def _department_member(django_user_model, username, department_name, last_name):
    from measures.models import Department
    from rounds.models import DepartmentMember

    user = _user(
        django_user_model,
        username,
        roles.DEPARTMENT_STAFF,
        last_name=last_name,
        email=f"{username}@example.jp",
    )
    department, _ = Department.objects.get_or_create(name=department_name)
    DepartmentMember.objects.create(user=user, department=department)
    return user


@pytest.fixture
def department(role_groups, django_user_model):
    return _department_member(django_user_model, "koho", "広報課", "広報 三郎")


@pytest.fixture
def other_department(role_groups, django_user_model):
    return _department_member(django_user_model, "koseki", "戸籍住民課", "戸籍 四郎")


@pytest.fixture
def superuser(db, django_user_model):
    return django_user_model.objects.create_superuser(username="root", password="pw-root")


@pytest.fixture
def seeded(db):
    """The ward's plan and FY2018 schedule, exactly as make run loads it.

    Usually already there (see "The plan data" below), and load_plan then loads nothing; in a
    transactional test it is loaded here.
    """
    call_command("load_plan", verbosity=0)


@pytest.fixture
def demo(seeded):
    """The seed plan plus the illustrative targets and progress reports."""
    call_command("load_plan", demo=True, verbosity=0)


# ---- The plan data -----------------------------------------------------------------------------
#
# Loading the plan for every test took most of the suite's time, so each test database (one per
# xdist worker) gets it once, committed, by the same command as make run: `load_plan`, then
# `load_plan --demo`. A test then starts from what it asks for, inside its own transaction, which
# the rollback undoes:
#   - with ``demo``: everything loaded;
#   - with ``seeded`` only: the demo targets and reports (and their history) deleted, and the rows
#     the demo changed besides (the plan it marks 策定済, the FY2018 meetings and reports it marks
#     実施済 and the public comment it dates, and those changes in their history) put back as
#     `load_plan` left them, which leaves exactly what `load_plan` alone loads (tests/test_test_data.py
#     checks both; _load_plan_data finds those tables by comparing them, so none is named here);
#   - with neither: every row of the plan's apps deleted, as in a freshly migrated database.
# A transactional test (live server, backup round trip) commits, and ends with a flush: it starts
# from an emptied plan, its ``seeded``/``demo`` load the plan as before, and the next test that is
# not transactional finds the plan loaded again first.

PLAN_APPS = ("measures", "schedule")
DEMO_FIXTURE = ROOT / "fixtures" / "demo_progress.json"
# In this process's test database, committed; "seed_rows": the tables `load_plan --demo` changes
# outside its own models, each with its rows as `load_plan` alone left them.
_plan_data = {"loaded": False, "seed_rows": {}}


@functools.cache
def plan_models() -> tuple:
    """Every model whose table the plan data fills: the plan's apps, with their history and M2M tables."""
    return tuple(
        m for app in PLAN_APPS for m in apps.get_app_config(app).get_models(include_auto_created=True)
    )


@functools.cache
def demo_models() -> tuple:
    """The models of fixtures/demo_progress.json, with their history and M2M tables."""
    labels = {obj["model"] for obj in json.loads(DEMO_FIXTURE.read_text(encoding="utf-8"))}
    models = []
    for model in map(apps.get_model, sorted(labels)):
        models.append(model)
        if hasattr(model, "history"):
            models.append(model.history.model)
        models.extend(f.remote_field.through for f in model._meta.many_to_many)
    return tuple(models)


def delete_rows(models) -> None:
    """Empty these tables, without signals (so without history of the deletion). Foreign keys are
    checked when the transaction ends, when every table that refers to another is empty too."""
    with transaction.atomic(), connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")


def _row_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def _table_rows(tables) -> dict[str, tuple[list[str], list[tuple]]]:
    """Each table's column names and rows, in primary-key order."""
    rows = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)} ORDER BY 1")
            rows[table] = ([column[0] for column in cursor.description], cursor.fetchall())
    return rows


def restore_rows(saved: dict[str, tuple[list[str], list[tuple]]]) -> None:
    """Put these tables back to the rows saved by _table_rows, without signals (so without history)."""
    with transaction.atomic(), connection.cursor() as cursor:
        for table, (columns, rows) in saved.items():
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"DELETE FROM {quoted}")
            names = ", ".join(map(connection.ops.quote_name, columns))
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {quoted} ({names}) VALUES ({marks})", rows)


def _load_plan_data() -> None:
    """Commit the plan data into the test database, by the commands make run uses."""
    plan_tables = {m._meta.db_table for m in plan_models()}
    # Tables of the plan's apps that the demo fixture does not fill but `--demo` may change.
    other_tables = sorted(plan_tables - {m._meta.db_table for m in demo_models()})
    with transaction.atomic():
        delete_rows(plan_models())
        before = _row_counts()
        call_command("load_plan", verbosity=0)
        seed_rows = _table_rows(other_tables)
        call_command("load_plan", demo=True, verbosity=0)
        changed = {t for t, n in _row_counts().items() if n != before[t] and t not in plan_tables}
        demo_rows = _table_rows(other_tables)
    assert not changed, (
        f"load_plan filled tables outside {PLAN_APPS}, which the tests do not reset: {changed}"
    )
    _plan_data["seed_rows"] = {t: rows for t, rows in seed_rows.items() if rows != demo_rows[t]}
    _plan_data["loaded"] = True


def _warm_content_types() -> None:
    """Django caches content types in each process, so the first page that needs one makes a query
    the next does not. Looked up once here, a test that counts a page's queries gets the same
    count whichever tests ran before it in its process (and the count a warm server has)."""
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.get_for_models(*apps.get_models(include_auto_created=True))


def _transactional(request) -> bool:
    """Whether pytest-django runs this test as a TransactionTestCase (its rule in _django_db_helper)."""
    marker = request.node.get_closest_marker("django_db")
    transactional, reset_sequences, *_ = validate_django_db(marker) if marker else (False, False)
    names = request.fixturenames
    return transactional or reset_sequences or "transactional_db" in names or "live_server" in names


@pytest.fixture(scope="session")
def django_db_setup(request, django_db_setup, django_db_blocker):
    """The test databases, migrated, with the plan data committed once."""
    with django_db_blocker.unblock():
        if not request.config.getvalue("reuse_db"):
            # The empty state deletes every row of the plan's tables: none may come from a migration.
            left = {m._meta.label for m in plan_models() if m._base_manager.exists()}
            assert not left, f"migrations put rows in {left}; the tests' empty database would lose them"
        _load_plan_data()
        _warm_content_types()


@pytest.fixture
def _plan_data_committed(request, django_db_setup, django_db_blocker):
    """Before a test's transaction opens: after a transactional test, the plan data is loaded again."""
    if not _plan_data["loaded"] and not _transactional(request):
        with django_db_blocker.unblock(), transaction.atomic():
            # The flush also removed what the roles migration made; put it back, as migrate would.
            roles.sync_groups(apps)
            _load_plan_data()
            _warm_content_types()  # the flush's post_migrate emptied the cache


@pytest.fixture
def _django_db_helper(_plan_data_committed, _django_db_helper, request):
    """pytest-django's database access, whichever way a test asks for it (db, transactional_db,
    django_db, live_server), then the plan data the test asks for: see "The plan data" above; and
    no request counts of the throttles (core/api_throttling.py) left by a transactional test, which
    commits them to the database's cache table."""
    caches["throttle"].clear()
    if _transactional(request):
        assert not connection.in_atomic_block
        if _plan_data["loaded"]:
            delete_rows(plan_models())  # committed; the flush at the end of the test empties the rest
            _plan_data["loaded"] = False
    else:
        assert connection.in_atomic_block and _plan_data["loaded"]
        if "demo" in request.fixturenames:
            pass
        elif "seeded" in request.fixturenames:
            delete_rows(demo_models())
            restore_rows(_plan_data["seed_rows"])
        else:
            delete_rows(plan_models())


@pytest.fixture
def seed_document() -> str:
    return SEED_DOCUMENT.read_text(encoding="utf-8")


def count_queries(client, url) -> int:
    """The number of queries a GET of ``url`` makes (it must answer 200)."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)
