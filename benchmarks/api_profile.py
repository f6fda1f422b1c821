"""One URL in process, as issue 23 item 13 profiled /api/measures/: CPU per request, queries, a profile.

    .venv/bin/python benchmarks/http_load.py --prepare /tmp/api.sqlite3   # the demo data (once)
    .venv/bin/python benchmarks/api_profile.py /tmp/api.sqlite3 visitor /api/measures/
    .venv/bin/python benchmarks/api_profile.py /tmp/api.sqlite3 bench /api/measures/ --profile 40
    .venv/bin/python benchmarks/api_profile.py /tmp/api.sqlite3 bench /schedule/calendar/
    .venv/bin/python benchmarks/http_load.py --prepare postgres://bunkyo:bunkyo@127.0.0.1:5432/bunkyo_bench
    .venv/bin/python benchmarks/api_profile.py postgres://bunkyo:bunkyo@127.0.0.1:5432/bunkyo_bench bench

The test client on a copy of the database, benchmarks.settings (DEBUG off, the throttles counting
at raised rates): five warm-up requests, the queries of one, then the process's CPU time over
--rounds rounds of --requests requests: the best round (the least disturbed by other processes on
a shared machine) and the median. ``bench`` is http_load's superuser; ``visitor`` is not signed in. --profile N
prints cProfile's N costliest functions (cumulative CPU time, or --sort tottime) over the same
requests, --dump FILE keeps the profile.
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
    parser.add_argument(
        "database",
        help="an SQLite file http_load.py --prepare made (copied, never changed), or a PostgreSQL URL it prepared",
    )
    parser.add_argument("user", help="bench (signed in) or visitor")
    parser.add_argument("path", nargs="?", default="/api/measures/")
    parser.add_argument("--requests", type=int, default=100, help="requests a round")
    parser.add_argument(
        "--rounds", type=int, default=5, help="rounds, of which the best and the median are shown"
    )
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    parser.add_argument("--sort", default="cumulative", help="cProfile's order: cumulative or tottime")
    parser.add_argument("--dump", metavar="FILE", help="also write the profile to FILE (pstats)")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bunkyo-api-profile-"))
    if args.database.startswith(("postgres://", "postgresql://")):
        os.environ["DATABASE_URL"] = args.database  # used as it is: the throttle's counts change
    else:
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
        rounds = []
        for _ in range(args.rounds):
            started = time.process_time()
            for _ in range(args.requests):
                client.get(args.path)
            rounds.append(1000 * (time.process_time() - started) / args.requests)
        rounds.sort()
        print(
            f"{args.user} {args.path}: {rounds[0]:.2f} ms CPU a request at best of {args.rounds} rounds, "
            f"median {rounds[len(rounds) // 2]:.2f}, {count} queries"
        )
        if args.profile:
            profile = cProfile.Profile(time.process_time)
            profile.enable()
            for _ in range(args.requests):
                client.get(args.path)
            profile.disable()
            if args.dump:
                profile.dump_stats(args.dump)
            pstats.Stats(profile).sort_stats(args.sort).print_stats(args.profile)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
