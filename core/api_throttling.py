"""How often a visitor or a signed-in user may read the API and the open data (docs/operations.md,
"Throttling"). Apart from core/api.py because DRF imports it while it starts
(DEFAULT_THROTTLE_CLASSES), before the views core.api builds on can be imported.

One count per person covers /api/ (DRF's throttling, through the settings) and /opendata/ (the
same classes, through ``throttled``): a visitor who is not signed in is counted by address, a
signed-in user by account. A request counts once for every 100 rows it asks for, so a page of 500
rows, or an open-data file with every row of its dataset, counts five: asking for more rows at a
time gets no more rows a minute. The counts are kept in the database (``CACHES["throttle"]``),
which every gunicorn worker reads; a count in each worker's memory would give a visitor the limit
once per worker.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import ipaddress
import math
import pickle
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connections, router, transaction
from django.http import HttpResponse
from django.utils.module_loading import import_string
from rest_framework import exceptions, throttling
from rest_framework.settings import api_settings

from core import clock

CACHE_ALIAS = "throttle"
# A request counts once for every this many rows it asks for (page_size): the default page (50)
# and a page of 100 count once, a page of 500 five times.
ROWS_PER_COUNT = 100
WAIT_MESSAGE = "アクセスが集中しているため、しばらくお待ちください。"


def wait_message(seconds: int | None) -> str:
    """What a refused request is told: to wait, and for how long when that is known."""
    if seconds is None:
        return WAIT_MESSAGE
    return f"{WAIT_MESSAGE}{seconds}秒後に再度お試しください。"


def _largest_page_count() -> int:
    # Not imported with this module: DRF imports it while it starts, before core.api can be.
    from .api import MAX_PAGE_SIZE

    return math.ceil(MAX_PAGE_SIZE / ROWS_PER_COUNT)


def request_weight(request, view) -> int:
    """How many requests this one counts as: one per ROWS_PER_COUNT rows of ``page_size`` (at least
    one, at most as many as the largest page allowed), or as the largest page for a view that
    serves every row (``throttle_every_row``: the open-data files)."""
    if getattr(view, "throttle_every_row", False):
        return _largest_page_count()
    try:
        rows = int(request.GET.get("page_size", ""))
    except ValueError:
        return 1
    return min(max(1, math.ceil(rows / ROWS_PER_COUNT)), _largest_page_count())


_MISSING = object()


class ThrottleCache(DatabaseCache):
    """Django's database cache (``CACHES["throttle"]``), writing a count in one statement: an upsert
    of the row, where Django's counts the table and then reads the row and updates or inserts it in
    a transaction (four statements and a commit on every request). Nothing is kept in the process.

    The table's size is checked (and, past MAX_ENTRIES, its expired rows deleted, as Django's cull
    does) when a read misses instead of on every write: the throttle reads a count before it writes
    it, so every new row follows a miss. As Django's, a write the database refuses is dropped."""

    def get(self, key, default=None, version=None):
        value = super().get(key, _MISSING, version)
        if value is _MISSING:
            self._cull_when_full()
            return default
        return value

    def _cull_when_full(self) -> None:
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(self._table)}")
            count = cursor.fetchone()[0]
            if count > self._max_entries:
                self._cull(db, cursor, clock.now().replace(microsecond=0), count)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        timeout = self.get_backend_timeout(timeout)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote = connection.ops.quote_name
        table, column_key, column_value, column_expires = map(
            quote, (self._table, "cache_key", "value", "expires")
        )
        # As Django's: the moment in UTC (without a zone when USE_TZ is off).
        zone = UTC if settings.USE_TZ else None
        expires = datetime.max if timeout is None else datetime.fromtimestamp(timeout, tz=zone)
        expires = connection.ops.adapt_datetimefield_value(expires.replace(microsecond=0))
        encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
        try:
            # One statement commits by itself; inside a transaction, a savepoint keeps a refusal
            # from breaking it.
            atomic = transaction.atomic(using=db) if connection.in_atomic_block else contextlib.nullcontext()
            with atomic:
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"INSERT INTO {table} ({column_key}, {column_value}, {column_expires})"
                        f" VALUES (%s, %s, %s) ON CONFLICT ({column_key}) DO UPDATE"
                        f" SET {column_value} = EXCLUDED.{column_value},"
                        f" {column_expires} = EXCLUDED.{column_expires}",
                        [key, encoded, expires],
                    )
        except DatabaseError:
            return  # as Django's: the count is not written, the request is not refused for it


class RateThrottle(throttling.SimpleRateThrottle):
    """DRF's throttle by rate and scope, counting in the shared cache, weighing each request, and
    reading the visitor's address as the sign-in throttling does."""

    cache_format = "throttle_%(scope)s_%(ident)s"

    @property
    def cache(self):
        return caches[CACHE_ALIAS]

    def get_rate(self):
        # Read now rather than when DRF was imported (SimpleRateThrottle.THROTTLE_RATES), so
        # that a changed setting (a test's) applies.
        try:
            return api_settings.DEFAULT_THROTTLE_RATES[self.scope]
        except KeyError:
            raise ImproperlyConfigured(f"No throttle rate set for the scope {self.scope!r}") from None

    def get_ident(self, request):
        """The visitor's address as django-axes counts failed sign-ins against it: X-Forwarded-For
        believed only as far as TRUSTED_PROXY_COUNT proxies wrote it (bunkyo/proxy.py, named by
        AXES_CLIENT_IP_CALLABLE: core imports no app). An IPv6 address stands for its /64, the
        network one line or device is given, whose other addresses it may use at will."""
        address = import_string(settings.AXES_CLIENT_IP_CALLABLE)(request)
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return address
        if ip.version == 6 and ip.ipv4_mapped is None:
            return str(ipaddress.ip_network(f"{ip}/64", strict=False))
        return address

    def allow_request(self, request, view):
        # SimpleRateThrottle's, with a request counting ``weight`` times.
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        # Never more than the whole allowance, or a heavy request could never be made at a low rate.
        self.weight = min(request_weight(request, view), self.num_requests)
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        if len(self.history) + self.weight > self.num_requests:
            return self.throttle_failure()
        return self.throttle_success()

    def throttle_success(self):
        self.history[:0] = [self.now] * self.weight
        self.cache.set(self.key, self.history, self.duration)
        return True

    def wait(self):
        """The seconds until this request would be allowed: until enough of the counted requests
        (the history, newest first) have left the window. DRF's spreads the time left over the
        requests left, which is no answer to "when may I ask again"."""
        blocking = self.history[self.num_requests - self.weight]
        return self.duration - (self.now - blocking)


class VisitorRateThrottle(RateThrottle):
    """A visitor who is not signed in, counted by address (THROTTLE_VISITOR_RATE)."""

    scope = "visitor"

    def get_cache_key(self, request, view):
        if request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class UserRateThrottle(RateThrottle):
    """A signed-in user, by session or token, counted by account wherever they are (THROTTLE_USER_RATE)."""

    scope = "user"

    def get_cache_key(self, request, view):
        if not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


# ---- The answer to a refused request ------------------------------------------------------------


def exception_handler(exc, context):
    """The API's (core.api.exception_handler), with a refused request told in Japanese when to come
    back; DRF's own words are half English under the ja locale (「リクエストの処理は絞られました。
    Expected available in 40 seconds.」). DRF adds Retry-After from ``exc.wait``."""
    from .api import exception_handler as api_exception_handler  # not at import: see _largest_page_count

    if isinstance(exc, exceptions.Throttled):
        exc.detail = exceptions.ErrorDetail(wait_message(exc.wait), code=exc.default_code)
    return api_exception_handler(exc, context)


def throttled(view_func=None, *, every_row: bool = False):
    """A plain Django view counted as the API is, in the same count, by the same classes
    (DEFAULT_THROTTLE_CLASSES). ``every_row``: the view serves every row of a dataset, and counts
    as the largest page of the API does. A refused request is a 429 in plain text with Retry-After.
    """

    def decorate(view_func):
        @functools.wraps(view_func)
        def view(request, *args, **kwargs):
            waits = [
                throttle.wait()
                for throttle in (throttle_class() for throttle_class in api_settings.DEFAULT_THROTTLE_CLASSES)
                if not throttle.allow_request(request, view)
            ]
            if waits:
                return _refused(max(waits))
            return view_func(request, *args, **kwargs)

        view.throttle_every_row = every_row
        return view

    return decorate(view_func) if view_func is not None else decorate


def _refused(wait: float) -> HttpResponse:
    seconds = math.ceil(wait)
    response = HttpResponse(wait_message(seconds), status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(seconds)
    return response
