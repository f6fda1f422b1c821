"""Throughput under gunicorn (2 workers on 127.0.0.1) driven by wrk, each page against a trivial view.

    .venv/bin/python benchmarks/http_load.py                 # 10 s per URL
    .venv/bin/python benchmarks/http_load.py --duration 5
    .venv/bin/python benchmarks/http_load.py --only calendar,api,list     # item 13's three URLs
    .venv/bin/python benchmarks/http_load.py --database-url postgres://bunkyo:bunkyo@127.0.0.1:5432/bunkyo_bench

A scratch SQLite database (or the PostgreSQL database --database-url names, dropped and made
afresh: give it a name of its own) with the seed plan and its demo progress (5 measures, as `make run`
loads it) and a signed-in superuser's session; gunicorn serves benchmarks.settings (DEBUG off,
the site's URLs plus /bench/empty/). wrk (2 threads, 4 connections, --latency) runs for
--duration seconds per URL. Goals: /api/measures/ (signed in) at least 50 % of a trivial signed-in
page's requests per second, /schedule/calendar/ (issue 23, item 13); zero errors everywhere.
/reports/print/ against the login page (issue 15's 25 %) is printed for comparison; that goal
was superseded by issue 23 (docs/PERFORMANCE.md). Issue 25: the public plan page answered 304 to
a client that sends its ETag, at least 25 % of the login page's requests per second (public_scenario).

Every /api/ request pays its throttle as in production: it reads and writes its count in the
database's cache table (core/api_throttling.py: a read and an upsert, two statements). Only the
rates are raised (benchmarks.settings), so that wrk is never refused with a 429. /api/ itself,
the API's root, is that cost with next to nothing else.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PORT = int(os.environ.get("BENCH_PORT", "8775"))
GOAL_SHARE = 0.25  # issue 15: print ÷ login page, superseded
API_GOAL_SHARE = 0.5  # issue 23, item 13: /api/measures/ ÷ /schedule/calendar/
LOGIN = "login page"
CALENDAR = "trivial page /schedule/calendar/"
PRINT = "/reports/print/ (5 measures)"
LIST = "API list /api/measures/"


def prepare(database_url: str) -> dict:
    """The seed plan with its demo progress, a superuser's session key and a measure's id."""
    if not database_url.startswith(("postgres://", "postgresql://")):
        database_url = f"sqlite:///{database_url}"  # a file's path
    else:
        _postgres_afresh(database_url)
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.settings"
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    from measures.models import Measure

    call_command("migrate", verbosity=0)
    call_command("load_plan", verbosity=0)
    call_command("load_plan", demo=True, verbosity=0)
    user = get_user_model().objects.create_superuser("bench", password="bench-pw")
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return {"session": session.session_key, "measure": Measure.objects.order_by("pk").first().pk}


def _postgres_afresh(database_url: str) -> None:
    """Drop and make the PostgreSQL database the URL names, so that each run starts alike."""
    import psycopg
    from psycopg import sql

    name = database_url.rsplit("/", 1)[1].split("?")[0]
    with psycopg.connect(database_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def wrk(url: str, cookie: str | None, duration: int, headers: tuple[str, ...] = ()) -> dict:
    command = ["wrk", "-t2", "-c4", f"-d{duration}s", "--latency", "--timeout", "10s"]
    if cookie:
        command += ["-H", f"Cookie: sessionid={cookie}"]
    for header in headers:
        command += ["-H", header]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(non_2xx.group(1)) if non_2xx else 0) + (sum(map(int, sockets.groups())) if sockets else 0)

    def latency(p):
        value, unit = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out).groups()
        return round(float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit], 2)

    return {"rps": rate, "requests": requests, "errors": errors, "p50_ms": latency(50), "p99_ms": latency(99)}


PUBLIC_GOAL_SHARE = 0.25  # issue 25: the public plan page revalidated (304) ÷ the login page
PUBLIC_LOGIN = "login page, beside the public page"
PUBLIC_REVALIDATED = "public plan page, revalidated (304)"


def public_scenario(base: str, duration: int) -> list[dict]:
    """Issue 25: the public plan page for a visitor, in full, then for a revalidating client that
    sends the ETag it got (If-None-Match) and is answered 304 from the change history, never a cache."""
    plan = re.search(r'href="/plans/(\d+)/"', urllib.request.urlopen(base + "/plans/").read().decode()).group(
        1
    )
    url = f"{base}/plans/{plan}/"
    etag = urllib.request.urlopen(url).headers["ETag"]
    results = []
    # The login page again, just before: the share compares two runs under the same load.
    for name, headers in (
        (PUBLIC_LOGIN, ()),
        ("public plan page, full", ()),
        (PUBLIC_REVALIDATED, (f"If-None-Match: {etag}",)),
    ):
        r = {
            "name": name,
            **wrk(base + "/accounts/login/" if name.startswith("login") else url, None, duration, headers),
        }
        results.append(r)
        print(
            f"{name:<36} {r['rps']:>8.1f} {r['p50_ms']:>8} {r['p99_ms']:>8} {r['errors']:>7} {r['requests']:>9}",
            flush=True,
        )
    return results


def run(duration: int, database_url: str | None = None, only: set[str] | None = None) -> list[dict]:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: scripts/ensure_wrk.sh installs it")
    scratch = Path(tempfile.mkdtemp(prefix="bunkyo-bench-http-"))
    database_url = database_url or f"sqlite:///{scratch / 'db.sqlite3'}"
    prepared = subprocess.run(
        [sys.executable, __file__, "--prepare", database_url.removeprefix("sqlite:///")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if prepared.returncode:
        sys.stderr.write(prepared.stderr)
        raise SystemExit("preparing the database failed")
    info = json.loads(prepared.stdout.strip().splitlines()[-1])
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "benchmarks.settings"}
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "bunkyo.wsgi:application",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(scratch / "gunicorn.log", "w"),
    )
    base = f"http://127.0.0.1:{PORT}"
    urls = [
        (key, name, path, signed_in)
        for key, name, path, signed_in in [
            ("login", LOGIN, "/accounts/login/", False),
            ("empty", "trivial view", "/bench/empty/", True),
            ("calendar", CALENDAR, "/schedule/calendar/", True),
            ("print", PRINT, "/reports/print/", True),
            ("api", "API root /api/ (the throttle)", "/api/", True),
            ("list", LIST, "/api/measures/", True),
            ("visitor", "API list /api/measures/, visitor", "/api/measures/", False),
            (
                "detail",
                f"API detail /api/measures/{info['measure']}/",
                f"/api/measures/{info['measure']}/",
                True,
            ),
        ]
        if only is None or key in only
    ]
    results = []
    try:
        for _ in range(100):  # up to 10 s for gunicorn to listen
            try:
                urllib.request.urlopen(base + "/accounts/login/", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        print(
            f"{'URL':<36} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'requests':>9}", flush=True
        )
        for _key, name, path, signed_in in urls:
            r = {"name": name, **wrk(base + path, info["session"] if signed_in else None, duration)}
            results.append(r)
            print(
                f"{name:<36} {r['rps']:>8.1f} {r['p50_ms']:>8} {r['p99_ms']:>8} {r['errors']:>7} {r['requests']:>9}",
                flush=True,
            )
        if only is None or "public" in only:
            results += public_scenario(base, duration)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(scratch, ignore_errors=True)
    by = {r["name"]: r for r in results}
    if PRINT in by and LOGIN in by:
        share = by[PRINT]["rps"] / by[LOGIN]["rps"]
        verdict = "met" if share >= GOAL_SHARE else "NOT met"
        print(
            f"/reports/print/ ÷ login page, req/s: {share:.0%} (issue 15's goal ≥ {GOAL_SHARE:.0%}, superseded): {verdict}"
        )
    if LIST in by and CALENDAR in by:
        api_share = by[LIST]["rps"] / by[CALENDAR]["rps"]
        api_verdict = "met" if api_share >= API_GOAL_SHARE else "NOT met"
        print(
            f"/api/measures/ ÷ /schedule/calendar/, req/s: {api_share:.0%} (goal ≥ {API_GOAL_SHARE:.0%}): {api_verdict}"
        )
    if PUBLIC_REVALIDATED in by:
        public_share = by[PUBLIC_REVALIDATED]["rps"] / by[PUBLIC_LOGIN]["rps"]
        public_verdict = "met" if public_share >= PUBLIC_GOAL_SHARE else "NOT met"
        print(
            f"public plan page revalidated (304) ÷ login page, req/s: {public_share:.0%} "
            f"(goal ≥ {PUBLIC_GOAL_SHARE:.0%}): {public_verdict}"
        )
    errors = sum(r["errors"] for r in results)
    print(f"errors: {errors} (goal 0): {'met' if errors == 0 else 'NOT met'}")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per URL")
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL database to run on, dropped and made afresh (default: a scratch SQLite file)",
    )
    parser.add_argument(
        "--only",
        help="a comma-separated few of: login, empty, calendar, print, api, list, visitor, detail, public",
    )
    parser.add_argument("--prepare", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        print(json.dumps(prepare(args.prepare)))
        return
    only = set(args.only.split(",")) if args.only else None
    results = run(args.duration, args.database_url, only)
    if args.json:
        print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
