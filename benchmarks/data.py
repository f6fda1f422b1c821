"""The benchmarks' data: synthetic plans built by `python -m benchmarks.generate_synthetic_plans` (issue 15),
kept between runs.

    from benchmarks.data import build_measures
    built = build_measures(10_000, "/tmp/x/bench.sqlite3")   # Django is then set up on that file

The data is generated once per (plans, measures per plan, seed) into a SQLite file under
``build/bench-data/`` (gitignored) by running ``manage.py migrate`` and ``python -m
benchmarks.generate_synthetic_plans --plans P --measures-per-plan M --seed S --no-history`` on it; a
benchmark gets a copy of that file, so whatever it adds (a user, a session) never reaches the
cache. The file's name also carries a digest of ``benchmarks/synthetic.py`` and of every migration,
so a change to either builds the data afresh. ``rm -rf build/bench-data`` empties the cache.

A plan holds at most 32,767 measures (施策番号 is a small integer), so N measures are split into
as few plans of equal size as hold them: 50,000 are two plans of 25,000.

History (django-simple-history) is left out (``--no-history``): no benchmark reads it, and it
nearly doubles the build.
"""

from __future__ import annotations

import hashlib
import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "build" / "bench-data"
MAX_MEASURES_PER_PLAN = 32_767  # benchmarks.synthetic.MAX_MEASURES_PER_PLAN (not imported: no Django yet)
SEED = 1


def plan_split(n: int) -> tuple[int, int]:
    """(plans, measures per plan) for ``n`` measures: as few plans as hold them, all the same size."""
    plans = math.ceil(n / MAX_MEASURES_PER_PLAN)
    if n % plans:
        raise SystemExit(f"{n:,} measures do not split evenly into {plans} plans; choose another size")
    return plans, n // plans


def _code_digest() -> str:
    """What the generated data depends on besides its arguments: the generator and the schema."""
    digest = hashlib.sha256()
    files = [ROOT / "benchmarks" / "synthetic.py", *sorted(ROOT.glob("*/migrations/0*.py"))]
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:10]


def _generate(env: dict, plans: int, measures_per_plan: int, seed: int) -> None:
    """manage.py migrate and benchmarks.generate_synthetic_plans on the database of ``env``'s DATABASE_URL."""
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, cwd=ROOT, check=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.generate_synthetic_plans",
            "--plans",
            str(plans),
            "--measures-per-plan",
            str(measures_per_plan),
            "--seed",
            str(seed),
            "--no-history",
        ],
        env=env,
        cwd=ROOT,
        check=True,
        stdout=sys.stderr,  # the command's summary line, as progress; stdout stays the caller's JSON
    )


def cached_database(plans: int, measures_per_plan: int, seed: int = SEED) -> tuple[Path, float | None]:
    """The generated database for these arguments, built if it is not in the cache yet.

    Returns its path and the seconds the build took (None when it came from the cache).
    """
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"plans{plans}-measures{measures_per_plan}-seed{seed}-{_code_digest()}.sqlite3"
    if path.exists():
        return path, None
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{partial}",
        "DJANGO_SETTINGS_MODULE": "bunkyo.settings",
    }
    print(
        f"  generating {plans} plan(s) × {measures_per_plan:,} measures (seed {seed}) into {path.relative_to(ROOT)}"
        " — once; later runs reuse it",
        file=sys.stderr,
        flush=True,
    )
    started = time.perf_counter()
    _generate(env, plans, measures_per_plan, seed)
    partial.rename(path)
    return path, round(time.perf_counter() - started, 1)


# --- PostgreSQL: the same cache, as databases -------------------------------------------------------
# With a postgres:// URL (benchmarks/home_page.py --database-url), the generated data is kept in a
# database named after the URL's, the arguments and the code digest; a benchmark gets a copy of it
# (CREATE DATABASE … TEMPLATE), dropped afterwards, as it gets a copy of the SQLite file.


def is_postgres(database: str | Path) -> bool:
    return str(database).startswith(("postgres://", "postgresql://"))


def _with_name(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + name


def _postgres_admin(url: str, *statements: str, database: str = "postgres") -> list:
    """Run statements on the server's ``postgres`` database (or ``database``), outside a
    transaction; the last one's rows."""
    import psycopg

    rows = []
    with psycopg.connect(_with_name(url, database), autocommit=True) as connection:
        for statement in statements:
            cursor = connection.execute(statement)
            rows = cursor.fetchall() if cursor.description else []
    return rows


def cached_postgres(
    url: str, plans: int, measures_per_plan: int, seed: int = SEED
) -> tuple[str, float | None]:
    """The name of the database holding the generated data on the server of ``url``, generated
    into it first if it is not there yet (as cached_database does for SQLite)."""
    base = url.rsplit("/", 1)[1].split("?")[0]
    name = f"{base}_p{plans}m{measures_per_plan}s{seed}_{_code_digest()}"
    if _postgres_admin(url, f"SELECT 1 FROM pg_database WHERE datname = '{name}'"):
        return name, None
    partial = f"{name}_partial"
    _postgres_admin(url, f'DROP DATABASE IF EXISTS "{partial}"', f'CREATE DATABASE "{partial}"')
    env = {
        **os.environ,
        "DATABASE_URL": _with_name(url, partial),
        "DJANGO_SETTINGS_MODULE": "bunkyo.settings",
    }
    print(
        f"  generating {plans} plan(s) × {measures_per_plan:,} measures (seed {seed}) into database {name}"
        " — once; later runs reuse it",
        file=sys.stderr,
        flush=True,
    )
    started = time.perf_counter()
    _generate(env, plans, measures_per_plan, seed)
    # The planner's statistics and the visibility map (which lets an index-only scan skip the
    # table), as autovacuum would have made them on a real database (it may not have yet): copies
    # made from this one (CREATE DATABASE … TEMPLATE) inherit them.
    _postgres_admin(url, "VACUUM ANALYZE", database=partial)
    _postgres_admin(url, f'ALTER DATABASE "{partial}" RENAME TO "{name}"')
    return name, round(time.perf_counter() - started, 1)


def postgres_drop(url: str) -> None:
    """Drop the database of ``url`` (a benchmark's copy)."""
    _postgres_admin(url, f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}"')


def setup_django(database: str | Path, settings: str = "bunkyo.settings") -> None:
    """Django on a SQLite file or, given a postgres:// URL, on that database."""
    os.environ["DATABASE_URL"] = str(database) if is_postgres(database) else f"sqlite:///{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings)
    import django

    django.setup()


def build_measures(n: int, db_path: str | Path, seed: int = SEED) -> dict:
    """A scratch SQLite database at ``db_path`` holding ``n`` synthetic measures (plan_split(n)),
    copied from the cache (built first if needed); or, when ``db_path`` is a postgres:// URL, that
    database, created as a copy of the cached one (it must not exist yet). Sets Django up on it.
    Returns the counts, the plans' ids and the build time (0 when the data came from the cache)."""
    plans, per_plan = plan_split(n)
    if is_postgres(db_path):
        cached, seconds = cached_postgres(str(db_path), plans, per_plan, seed)
        _postgres_admin(
            str(db_path), f'CREATE DATABASE "{str(db_path).rsplit("/", 1)[1]}" TEMPLATE "{cached}"'
        )
    else:
        if Path(db_path).resolve() == (ROOT / "db.sqlite3").resolve():
            raise SystemExit("a benchmark never writes to db.sqlite3")
        cached, seconds = cached_database(plans, per_plan, seed)
        shutil.copyfile(cached, db_path)
    setup_django(db_path)
    from measures.models import AnnualTarget, Measure, Plan, ProgressReport

    return {
        "build_seconds": seconds or 0.0,
        "cached": seconds is None,
        "plans": list(Plan.objects.order_by("first_fiscal_year").values_list("pk", flat=True)),
        "measures": Measure.objects.count(),
        "targets": AnnualTarget.objects.count(),
        "reports": ProgressReport.objects.count(),
    }


def main() -> None:
    """Build (or find) the cached data for the given sizes: ``python benchmarks/data.py 1000 10000``."""
    for n in map(int, sys.argv[1:]):
        path, seconds = cached_database(*plan_split(n))
        print(
            f"{n:,} measures: {path.relative_to(ROOT)} ({f'built in {seconds} s' if seconds else 'cached'})"
        )


if __name__ == "__main__":
    main()
