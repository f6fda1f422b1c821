"""Nobody reads the API or the open data so often that the site slows down for everyone else.

A visitor who is not signed in is counted per address, a signed-in user per account; /api/ and
/opendata/ count in one bucket, and a page of many rows or a whole open-data file counts more than
a page of 50. Past the limit the answer is 429 with Retry-After and a Japanese message. The counts
are kept in the database, which every gunicorn worker reads (docs/operations.md, "Throttling").

The rates here are low (the other test files run with rates no test reaches: tests/conftest.py),
and the throttle's clock is one the test moves: no test waits.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.throttling import SimpleRateThrottle

from .test_production import _manage

PROXY = "127.0.0.1"
OFFICE_A = "203.0.113.10"
OFFICE_B = "198.51.100.20"
WAIT_MESSAGE = "アクセスが集中しているため、しばらくお待ちください。{}秒後に再度お試しください。"


def rates(*, visitor: str = "3/min", user: str = "5/min"):
    return override_settings(
        REST_FRAMEWORK={
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {"visitor": visitor, "user": user},
        }
    )


class Clock:
    def __init__(self):
        self.now = 1_700_000_000.0

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    """The time the throttles read, moved by the test."""
    clock = Clock()
    monkeypatch.setattr(SimpleRateThrottle, "timer", staticmethod(lambda: clock.now))
    return clock


def get(client, url, address=OFFICE_A, **extra):
    response = client.get(url, REMOTE_ADDR=address, **extra)
    if response.streaming:
        b"".join(response.streaming_content)  # a download is read to its end, as a program would
    return response


def assert_refused(response, seconds: int) -> None:
    assert response.status_code == 429
    assert response["Retry-After"] == str(seconds)


# ---- A visitor, counted per address ------------------------------------------------------------


@pytest.mark.django_db
@rates(visitor="3/min")
def test_a_visitor_past_the_limit_is_asked_in_japanese_to_wait(client, clock):
    for _ in range(3):
        assert get(client, "/api/plans/").status_code == 200
    clock.advance(20)
    refused = get(client, "/api/plans/")
    assert_refused(refused, 40)
    assert refused.json() == {"detail": WAIT_MESSAGE.format(40)}
    clock.advance(40)
    assert get(client, "/api/plans/").status_code == 200


@pytest.mark.django_db
@rates(visitor="3/min")
def test_the_api_root_the_schema_and_its_docs_count_as_the_api(client, clock):
    for url in ("/api/", "/api/docs/", "/api/docs/?script"):
        assert get(client, url).status_code == 200, url
    assert_refused(get(client, "/api/schema/"), 60)


@pytest.mark.django_db
@rates(visitor="10/min")
def test_an_open_data_file_is_refused_in_japanese_and_counts_with_the_api(client, demo, clock):
    """A file holds every row of its dataset: it counts as a page of 500 rows does, five."""
    assert get(client, "/opendata/measures.csv").status_code == 200
    clock.advance(15)
    assert get(client, "/api/plans/?page_size=500").status_code == 200
    refused = get(client, "/opendata/reports.csv")
    assert_refused(refused, 45)
    assert refused["Content-Type"] == "text/plain; charset=utf-8"
    assert refused.content.decode() == WAIT_MESSAGE.format(45)
    assert_refused(get(client, "/api/plans/"), 45)
    assert_refused(get(client, "/opendata/"), 45)


@pytest.mark.django_db
@rates(visitor="10/min")
def test_a_page_counts_once_for_every_hundred_rows_it_asks_for(client, clock):
    for _ in range(9):
        assert get(client, "/api/plans/?page_size=100").status_code == 200
    assert get(client, "/api/plans/").status_code == 200
    assert_refused(get(client, "/api/plans/"), 60)

    clock.advance(60)
    assert get(client, "/api/progress-reports/?page_size=500").status_code == 200
    assert get(client, "/api/progress-reports/?page_size=401").status_code == 200
    assert_refused(get(client, "/api/plans/"), 60)


@pytest.mark.django_db
@rates(visitor="10/min")
def test_a_page_size_the_api_refuses_counts_as_the_largest_page_and_no_more(client, clock):
    assert get(client, "/api/plans/?page_size=1000000").status_code == 400
    for _ in range(5):
        assert get(client, "/api/plans/").status_code == 200
    assert_refused(get(client, "/api/plans/"), 60)


@pytest.mark.django_db
@rates(visitor="3/min")
def test_below_five_a_minute_a_file_still_downloads_and_uses_up_the_count(client, demo, clock):
    assert get(client, "/opendata/measures.json").status_code == 200
    assert_refused(get(client, "/api/plans/"), 60)


@pytest.mark.django_db
@rates(visitor="3/min")
def test_another_address_is_not_affected(client, clock):
    for _ in range(3):
        get(client, "/api/plans/", OFFICE_A)
    assert_refused(get(client, "/api/plans/", OFFICE_A), 60)
    assert get(client, "/api/plans/", OFFICE_B).status_code == 200
    assert get(client, "/opendata/", OFFICE_B).status_code == 200


# ---- A signed-in user, counted per account ----------------------------------------------------------


@pytest.mark.django_db
@rates(visitor="3/min", user="5/min")
def test_a_council_member_is_counted_per_account_wherever_they_sign_in_from(client, council, clock):
    client.force_login(council)
    for address in (OFFICE_A, OFFICE_B, OFFICE_A, OFFICE_B, OFFICE_A):
        assert get(client, "/api/plans/", address).status_code == 200
    refused = get(client, "/api/plans/", "192.0.2.7")
    assert_refused(refused, 60)
    assert refused.json() == {"detail": WAIT_MESSAGE.format(60)}
    assert_refused(get(client, "/opendata/", "192.0.2.7"), 60)

    visitor = Client()
    assert get(visitor, "/api/plans/", OFFICE_A).status_code == 200  # the address's own count is apart


@pytest.mark.django_db
@rates(user="5/min")
def test_the_secretariats_token_and_its_session_share_the_accounts_count(client, secretariat, clock):
    token = Token.objects.create(user=secretariat)
    system = Client()
    client.force_login(secretariat)
    for _ in range(3):
        assert get(client, "/api/plans/", OFFICE_A).status_code == 200
    for _ in range(2):
        assert (
            get(system, "/api/plans/", OFFICE_B, HTTP_AUTHORIZATION=f"Token {token.key}").status_code == 200
        )
    assert_refused(get(system, "/api/plans/", OFFICE_B, HTTP_AUTHORIZATION=f"Token {token.key}"), 60)
    assert_refused(get(client, "/api/plans/", OFFICE_A), 60)


# ---- The address behind the proxy (TRUSTED_PROXY_COUNT, docs/operations.md) ----------------


@pytest.mark.django_db
@rates(visitor="3/min")
def test_without_a_proxy_x_forwarded_for_buys_no_fresh_count(client, clock):
    """Served directly (TRUSTED_PROXY_COUNT=0) the header is the visitor's own invention."""
    assert settings.TRUSTED_PROXY_COUNT == 0
    for n in range(3):
        assert get(client, "/api/plans/", OFFICE_A, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").status_code == 200
    assert_refused(get(client, "/api/plans/", OFFICE_A, HTTP_X_FORWARDED_FOR="192.0.2.99"), 60)
    assert_refused(get(client, "/opendata/", OFFICE_A, HTTP_X_FORWARDED_FOR="192.0.2.100"), 60)


@pytest.mark.django_db
@rates(visitor="3/min")
@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_the_proxy_each_visitor_is_counted_by_the_address_nginx_wrote(client, clock):
    for n in range(3):
        forwarded = f"192.0.2.{n}, {OFFICE_A}"  # the visitor's own header first, nginx's address last
        assert get(client, "/api/plans/", PROXY, HTTP_X_FORWARDED_FOR=forwarded).status_code == 200
    assert_refused(get(client, "/api/plans/", PROXY, HTTP_X_FORWARDED_FOR=f"192.0.2.99, {OFFICE_A}"), 60)
    assert get(client, "/api/plans/", PROXY, HTTP_X_FORWARDED_FOR=OFFICE_B).status_code == 200


@pytest.mark.django_db
@rates(visitor="3/min")
def test_an_ipv6_visitor_is_counted_by_their_network_not_each_of_its_addresses(client, clock):
    """One subscriber's line has a /64 of addresses to choose from; a new one for each request
    would otherwise be a fresh count each time."""
    for host in ("1", "2", "ffff:0:3"):
        assert get(client, "/api/plans/", f"2001:db8:1:2::{host}").status_code == 200
    assert_refused(get(client, "/api/plans/", "2001:db8:1:2:abcd::9"), 60)
    assert get(client, "/api/plans/", "2001:db8:1:3::1").status_code == 200


# ---- One count for every worker -------------------------------------------------------------------


@pytest.mark.django_db
@rates(visitor="3/min")
def test_the_count_is_kept_in_the_database_where_every_worker_reads_it(client, clock):
    """gunicorn's workers are separate processes: a count each kept in its own memory would let a
    visitor have the limit once per worker. The count is a row of the database's cache table, and
    a count another worker wrote refuses the visitor here."""
    assert get(client, "/api/plans/", OFFICE_A).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM throttle_cache")
        assert [key for (key,) in cursor.fetchall()] == [f":1:throttle_visitor_{OFFICE_A}"]

    another_worker = caches.create_connection("throttle")
    assert another_worker.get(f"throttle_visitor_{OFFICE_A}") == [clock.now]
    another_worker.set(f"throttle_visitor_{OFFICE_B}", [clock.now] * 3, 60)
    assert_refused(get(client, "/api/plans/", OFFICE_B), 60)


def test_a_count_is_written_in_one_statement_and_a_second_write_replaces_the_first(db):
    """ThrottleCache: one upsert a write (Django's counted the table, then read the row and updated
    or inserted it in a transaction), the same row and value read back by Django's own reader."""
    counts = caches["throttle"]
    with CaptureQueriesContext(connection) as queries:
        counts.set("throttle_user_1", [1.0], 60)
    writes = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"].upper()]
    assert len(writes) == 1 and "ON CONFLICT" in writes[0]
    counts.set("throttle_user_1", [2.0, 1.0], 60)
    assert counts.get("throttle_user_1") == [2.0, 1.0]
    assert caches.create_connection("throttle").get("throttle_user_1") == [2.0, 1.0]
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM throttle_cache")
        assert cursor.fetchone()[0] == 1


def test_past_max_entries_a_read_that_misses_deletes_the_expired_counts_first(db, settings):
    """The table's size is checked when a read misses, before the new row a throttle then writes."""
    settings.CACHES = {
        **settings.CACHES,
        "throttle": {**settings.CACHES["throttle"], "OPTIONS": {"MAX_ENTRIES": 2, "CULL_FREQUENCY": 3}},
    }
    counts = caches.create_connection("throttle")
    counts.set("throttle_visitor_old", [1.0], -1)  # expired
    counts.set("throttle_visitor_a", [1.0], 60)
    counts.set("throttle_visitor_b", [1.0], 60)
    assert counts.get("throttle_visitor_new") is None
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM throttle_cache ORDER BY cache_key")
        assert [key for (key,) in cursor.fetchall()] == [":1:throttle_visitor_a", ":1:throttle_visitor_b"]


# ---- What the schema says ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_schema_says_every_operation_may_be_refused_and_when_to_come_back(client):
    schema = client.get("/api/schema/?format=json").json()
    operations = [op for item in schema["paths"].values() for op in item.values()]
    assert operations and all("429" in op["responses"] for op in operations)
    refused = schema["paths"]["/api/progress-reports/"]["get"]["responses"]["429"]
    assert refused["description"] == "アクセスが集中しているため、しばらくお待ちください。"
    assert refused["headers"]["Retry-After"] == {
        "schema": {"type": "integer", "minimum": 1},
        "description": "再度お試しいただけるまでの秒数。",
    }
    # The one error body of every refusal (core.api_schema).
    assert refused["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert schema["components"]["schemas"]["Error"]["properties"]["detail"]["type"] == "string"


# ---- The rates, from the environment ---------------------------------------------------------------


def test_the_rates_are_read_from_the_environment():
    result = _manage(
        "diffsettings", env={"THROTTLE_VISITOR_RATE": "30/min", "THROTTLE_USER_RATE": "1000/hour"}
    )
    assert result.returncode == 0, result.stderr
    assert "'DEFAULT_THROTTLE_RATES': {'visitor': '30/min', 'user': '1000/hour'}" in result.stdout


@pytest.mark.parametrize("value", ["60 per minute", "0/min", "60/week"])
def test_a_rate_that_is_not_requests_per_period_stops_start_up(value):
    result = _manage("check", env={"THROTTLE_VISITOR_RATE": value})
    assert result.returncode != 0
    assert (
        f"THROTTLE_VISITOR_RATE must be a number of requests per s, min, hour or day, e.g. 60/min, not {value!r}"
        in (result.stderr)
    )


def test_migrate_makes_the_counts_table_so_a_deployment_cannot_forget_it(db):
    import importlib
    from types import SimpleNamespace

    from django.db.migrations.recorder import MigrationRecorder

    migration = importlib.import_module("bunkyo.migrations.0004_throttle_cache")
    assert (
        MigrationRecorder(connection).migration_qs.filter(app="bunkyo", name="0004_throttle_cache").exists()
    )
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE throttle_cache")
    assert "throttle_cache" not in connection.introspection.table_names()
    migration.create_table(None, SimpleNamespace(connection=connection))
    assert "throttle_cache" in connection.introspection.table_names()
