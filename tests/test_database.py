"""The suite runs on the database DATABASE_URL names, so CI's PostgreSQL run is really PostgreSQL."""

import os

import pytest
from django.db import connection


@pytest.mark.django_db
def test_the_suite_runs_on_the_configured_database():
    url = os.environ.get("DATABASE_URL", "sqlite://")
    expected = "postgresql" if url.startswith(("postgres://", "postgresql://")) else "sqlite"
    assert connection.vendor == expected


def _sqlite_file(path):
    """A connection to an SQLite file opened as the settings open one (their OPTIONS: the
    init_command), not the suite's in-memory database; and how Django begins its transactions."""
    from django.conf import settings
    from django.db.backends.sqlite3.base import DatabaseWrapper

    wrapper = DatabaseWrapper({**settings.DATABASES["default"], "NAME": str(path)}, "file")
    raw = wrapper.get_new_connection(wrapper.get_connection_params())
    raw.isolation_level = None  # autocommit, as Django runs it
    return raw, f"BEGIN {wrapper.transaction_mode}"


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's settings")
def test_on_sqlite_a_page_reads_while_another_worker_saves(tmp_path):
    """gunicorn's workers are separate connections: with write-ahead logging (the settings'
    init_command) one reads while another is in the middle of a save, and sees the data as it was
    before the save until the save commits. A commit waits for no disk write (synchronous=NORMAL);
    a transaction takes the write lock as it begins (IMMEDIATE), so that two saves queue rather
    than one failing with "database is locked" when it writes after reading."""
    writer, begin = _sqlite_file(tmp_path / "db.sqlite3")
    reader, _ = _sqlite_file(tmp_path / "db.sqlite3")
    try:
        assert writer.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert writer.execute("PRAGMA synchronous").fetchone() == (1,)  # NORMAL
        assert begin == "BEGIN IMMEDIATE"
        writer.execute("CREATE TABLE counts (n integer)")
        writer.execute("INSERT INTO counts VALUES (1)")
        writer.execute(begin)
        writer.execute("UPDATE counts SET n = 2")
        assert reader.execute("SELECT n FROM counts").fetchone() == (1,)
        writer.execute("COMMIT")
        assert reader.execute("SELECT n FROM counts").fetchone() == (2,)
    finally:
        writer.close()
        reader.close()
