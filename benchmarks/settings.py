"""The application's settings as production runs them (DEBUG off), plus a trivial page to compare with."""

import os

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "benchmark-only-not-a-secret")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("SESSION_COOKIE_SECURE", "false")
os.environ.setdefault("CSRF_COOKIE_SECURE", "false")
os.environ.setdefault("LOG_LEVEL", "WARNING")
# As docs/operations.md runs it under gunicorn: a worker keeps its database connection. With 0,
# every signed-in request opened one and SQLite parsed the schema again (about 1 ms of CPU, and a
# cold page cache), which cut the trivial signed-in page to a third of the login page's rate.
os.environ.setdefault("DB_CONN_MAX_AGE", "60")
# wrk asks the API far more often than anyone may (docs/operations.md, "Throttling"): the
# throttles still count every request, as in production, but at rates it never reaches.
os.environ.setdefault("THROTTLE_VISITOR_RATE", "1000000/min")
os.environ.setdefault("THROTTLE_USER_RATE", "1000000/min")

from bunkyo.settings import *  # noqa: E402,F403

ROOT_URLCONF = "benchmarks.urls"
# No collectstatic for a benchmark: static URLs without the manifest's hashes.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
