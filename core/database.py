"""Database errors that a repeat would cure, and what a person is told of them.

Two saves that lock the same rows in opposite orders (PostgreSQL's deadlock detection picks one
to fail), a serializable transaction that lost, a lock not granted within the timeout, SQLite's
"database is locked" while another process writes: nothing is wrong with the input, and the same
save a moment later succeeds. The admin shows its form again with what was typed
(core.admin_base), the API answers 503 (core.api), every other page a 503 page
(DatabaseBusyMiddleware); each says in Japanese to try again. Any other database error stays a
server error, logged with its traceback.
"""

from __future__ import annotations

import logging

from django.db import OperationalError
from django.shortcuts import render

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
SAVE_AGAIN_MESSAGE = (
    "他の保存と重なったため、保存できませんでした。入力した内容はそのまま残っています。"
    "少し待ってから、もう一度保存してください。"
)
BUSY_MESSAGE = (
    "データベースが混み合っているため、処理できませんでした。少し待ってから、もう一度お試しください。"
)

# PostgreSQL's SQLSTATEs of a transaction that a repeat would let through: serialization_failure,
# deadlock_detected, lock_not_available (lock_timeout), query_canceled (statement_timeout).
_RETRYABLE_SQLSTATES = {"40001", "40P01", "55P03", "57014"}
# SQLite's result codes: SQLITE_BUSY (another connection writes), SQLITE_LOCKED.
_RETRYABLE_SQLITE_CODES = {5, 6}


def database_busy(error: BaseException) -> bool:
    """Whether ``error`` is one that the same request, repeated a moment later, would not meet."""
    if not isinstance(error, OperationalError):
        return False
    cause = error.__cause__
    sqlstate = getattr(cause, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate in _RETRYABLE_SQLSTATES
    code = getattr(cause, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in _RETRYABLE_SQLITE_CODES


def log_busy(request, error: BaseException) -> None:
    logger.warning("database busy on %s %s: %s", request.method, request.path, error)


class DatabaseBusyMiddleware:
    """A page that met a busy database answers 503 with a Japanese page and Retry-After."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not database_busy(exception):
            return None
        log_busy(request, exception)
        response = render(request, "database_busy.html", {"message": BUSY_MESSAGE}, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
