"""One URL in process, as issue 23 item 13 profiled /api/measures/: CPU per request, queries, a profile.

    .venv/bin/python benchmarks/http_load.py --prepare /tmp/api.sqlite3   # the demo data (once)
    .venv/bin/python benchmarks/api_profile.py /tmp/api.sqlite3 visitor /api/measures/
    .venv/bin/python benchmarks/api_profile.py /tmp/api.sqlite3 bench /api/measures/ --profile 40
    .venv/bin/python benchmarks/api_profile.py /tmp/api.sqlite3 bench /schedule/calendar/

The test client on a copy of the database, benchmarks.settings (DEBUG off, the throttles counting
at raised rates): five warm-up requests, the queries of one, then the process's CPU time over
--requests requests. ``bench`` is http_load's superuser; ``visitor`` is not signed in. --profile N
prints cProfile's N costliest functions (cumulative CPU time) over the same requests.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database", help="a database http_load.py --prepare made (copied, never changed)")
    parser.add_argument("user", help="bench (signed in) or visitor")
    parser.add_argument("path", nargs="?", default="/api/measures/")
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bunkyo-api-profile-"))
    shutil.copy(args.database, scratch / "db.sqlite3")
    os.environ["DATABASE_URL"] = f"sqlite:///{scratch / 'db.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.settings"
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    if args.user != "visitor":
        client.force_login(get_user_model().objects.get(username=args.user))
    try:
        for _ in range(5):
            assert client.get(args.path).status_code == 200
        with CaptureQueriesContext(connection) as queries:
            client.get(args.path)
        count = len(queries)  # now: the next request empties the connection's log
        started = time.process_time()
        for _ in range(args.requests):
            client.get(args.path)
        cpu_ms = 1000 * (time.process_time() - started) / args.requests
        print(f"{args.user} {args.path}: {cpu_ms:.2f} ms CPU a request, {count} queries")
        if args.profile:
            profile = cProfile.Profile(time.process_time)
            profile.enable()
            for _ in range(args.requests):
                client.get(args.path)
            profile.disable()
            pstats.Stats(profile).sort_stats("cumulative").print_stats(args.profile)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
