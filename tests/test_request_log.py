"""The server's log: a refused request is one line; a server error keeps its traceback.

What is checked is what the configured handlers write (settings.LOGGING), not just the records:
their streams are pointed at a buffer for the length of one request.
"""

from __future__ import annotations

import io
import logging
from contextlib import contextmanager

import pytest
from django.test import Client


@contextmanager
def server_log(logger_name: str = "django.request"):
    """Everything the configured stream handlers write for a record of ``logger_name``."""
    buffer = io.StringIO()
    handlers = []
    logger = logging.getLogger(logger_name)
    while logger is not None:
        # Exactly logging.StreamHandler: pytest's own capture handlers are subclasses.
        handlers += [h for h in logger.handlers if type(h) is logging.StreamHandler]
        logger = logger.parent if logger.propagate else None
    assert handlers, f"no stream handler writes {logger_name}"
    # Swapped by hand, not with setStream(), which would flush the old stream first: an earlier
    # test's captured stderr, already closed by pytest, can be the handlers' stream by now.
    streams = [h.stream for h in handlers]
    for handler in handlers:
        handler.stream = buffer
    try:
        yield buffer
    finally:
        for handler, stream in zip(handlers, streams, strict=True):
            handler.stream = stream


@pytest.mark.django_db
def test_a_403_is_one_line_without_a_traceback(client, council):
    client.force_login(council)
    with server_log() as log:
        response = client.get("/reports/")
    assert response.status_code == 403
    assert log.getvalue() == "Forbidden (Permission denied): /reports/\n"


@pytest.mark.django_db
def test_a_403_is_one_line_with_debug_on_too(client, council, settings):
    """make run serves with DEBUG on: Django's own console handler is then active as well."""
    settings.DEBUG = True
    client.force_login(council)
    with server_log() as log:
        assert client.get("/timeline/").status_code == 403
    assert log.getvalue() == "Forbidden (Permission denied): /timeline/\n"


@pytest.mark.django_db
def test_a_500_still_writes_its_traceback(manager, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("集計に失敗しました")

    monkeypatch.setattr("reports.views._report_page", broken)
    client = Client(raise_request_exception=False)
    client.force_login(manager)
    with server_log() as log:
        response = client.get("/reports/")
    assert response.status_code == 500
    lines = log.getvalue().splitlines()
    assert lines[0] == "Internal Server Error: /reports/"
    assert lines[1] == "Traceback (most recent call last):"
    assert lines[-1] == "RuntimeError: 集計に失敗しました"
