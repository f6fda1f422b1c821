"""How long the home page takes, and how large it is, for plans of 1,000 and 10,000 measures.

    .venv/bin/python benchmarks/home_page.py                      # 1,000 and 10,000
    .venv/bin/python benchmarks/home_page.py --sizes 100,1000     # a quick run
    .venv/bin/python benchmarks/home_page.py --database-url postgres://bunkyo:bunkyo@127.0.0.1:5432/bunkyo_home

For each size, in a scratch SQLite file under a temporary folder (never db.sqlite3), or with
--database-url in a scratch PostgreSQL database on that server (<name>_scratch_<size>, dropped
afterwards unless --keep), a copy of the generated data kept in <name>_p… (benchmarks/data.py):

1. build: N synthetic measures (benchmarks.generate_synthetic_plans, through benchmarks.data:
   cached under build/bench-data/), a report to the council held on 10 December of the newest
   plan's last year (so the page works out what changed since) and a council report planned
   next month (so it lists a meeting);
2. measure, in a fresh process: a member of the secretariat, signed in, GETs the home page (/)
   through Django's test client (every middleware, the session, the templates) and, alternately,
   the baseline: the home page as it was before issue 10 (item 12), which listed every measure
   with its departments, served from the same database by the same stack at /before/. Each is
   timed several times after one warm-up request, and the fastest run is kept; the size is the
   response body in bytes, and the number of queries is counted.

The page must not grow with the plan: its size and its number of queries are the same at every
size (the script says so), and its time grows only with the database counting the measures
(progress_year_count, progress_change_count).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import types
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# In the plan's last fiscal year, before its last reports (March, and May's follow-ups).
COUNCIL_REPORT_HELD = (12, 10)

# The home page before issue 10, item 12 (commit 982d1cc): the plan's purposes, each with a table
# of all its measures and their departments. Kept here, with its query, as the baseline.
BEFORE_TEMPLATE = """{% extends "base.html" %}
{% block title %}ホーム{% endblock %}
{% block content %}
<section class="plan-summary">
  <h1>{{ plan.name }}</h1>
  <dl class="facts">
    <dt>計画期間</dt><dd>{{ plan.period_label }}</dd>
    <dt>策定状況</dt><dd>{{ plan.get_status_display }}{% if plan.adopted_on %}({{ plan.adopted_on|date:"Y/m/d" }}){% endif %}</dd>
    {% if plan.legal_basis %}<dt>根拠法令</dt><dd>{{ plan.legal_basis }}</dd>{% endif %}
  </dl>
</section>
<section class="role-links">
  <h2>利用できる機能</h2>
  <ul>{% for link in role_links %}<li><a href="{{ link.url }}">{{ link.label }}</a>{% if link.note %} — {{ link.note }}{% endif %}</li>{% endfor %}</ul>
</section>
<section class="purposes">
  <h2>計画の目的と施策</h2>
  {% for purpose in purposes %}
  <article class="purpose">
    <h3><span class="purpose-code">{{ purpose.code }}</span> {{ purpose.text }}</h3>
    <p class="tags"><span class="tag-label">施策のキーワード:</span>
      {% for keyword in purpose.keywords.all %}<span class="tag">{{ keyword.name }}</span>{% empty %}<span class="muted">なし</span>{% endfor %}</p>
    <p class="tags"><span class="tag-label">使用するテクノロジー等:</span>
      {% for tech in purpose.technologies.all %}<span class="tag">{{ tech.name }}</span>{% empty %}<span class="muted">なし</span>{% endfor %}</p>
    <table class="data-table">
      <thead><tr><th scope="col">番号</th><th scope="col">施策名</th><th scope="col">所管課</th></tr></thead>
      <tbody>
      {% for measure in purpose.measures.all %}
        <tr><td class="num">{{ measure.number }}</td><td>{{ measure.title }}</td><td>{% for d in measure.departments.all %}{{ d.name }}{% if not forloop.last %}、{% endif %}{% endfor %}</td></tr>
      {% empty %}
        <tr><td colspan="3" class="muted">この目的の施策はまだ登録されていません。</td></tr>
      {% endfor %}
      </tbody>
    </table>
  </article>
  {% endfor %}
</section>
{% endblock %}
"""


def _before_urlconf():
    """The project's URLs plus /before/, the former home page, behind the same access rule."""
    from django.db.models import Prefetch
    from django.http import HttpResponse
    from django.template import engines
    from django.urls import path

    import bunkyo.urls
    from core.pages import read_only_page
    from measures.models import Measure, Purpose
    from measures.selectors import plan_current

    template = engines["django"].from_string(BEFORE_TEMPLATE)

    @read_only_page()
    def before_home(request):
        plan = plan_current()
        purposes = (
            Purpose.objects.filter(plan=plan)
            .prefetch_related(
                "keywords",
                "technologies",
                Prefetch(
                    "measures",
                    queryset=Measure.objects.order_by("order", "number").prefetch_related("departments"),
                ),
            )
            .order_by("order", "code")
        )
        # With the request: the context processors run (the header's links), as render() does.
        return HttpResponse(template.render({"plan": plan, "purposes": purposes}, request))

    module = types.ModuleType("home_page_benchmark_urls")
    module.urlpatterns = [path("before/", before_home), *bunkyo.urls.urlpatterns]
    return module


# --- Step 1: build the scratch database -------------------------------------------------------------


def build(n: int, db_path: str) -> dict:
    from benchmarks.data import build_measures

    built = build_measures(n, db_path)  # a copy of benchmarks.generate_synthetic_plans's data (cached)
    from core import clock, fiscal
    from measures.models import Plan
    from schedule.models import Body, ScheduledItem

    plan = Plan.objects.order_by("-last_fiscal_year").first()  # the home page's plan (the newest)
    held = date(plan.last_fiscal_year, *COUNCIL_REPORT_HELD)
    council = Body.objects.get(kind=Body.Kind.COUNCIL)
    next_month = (clock.today().replace(day=1) + timedelta(days=32)).replace(day=15)
    for item in (
        ScheduledItem(
            body=council,
            kind=ScheduledItem.Kind.REPORT,
            fiscal_year=fiscal.fiscal_year_of(held),
            planned_month=held.month,
            actual_date=held,
            status=ScheduledItem.Status.HELD,
            subject="上半期の進捗状況",
        ),
        ScheduledItem(
            body=council,
            kind=ScheduledItem.Kind.REPORT,
            fiscal_year=fiscal.fiscal_year_of(next_month),
            planned_month=next_month.month,
            planned_date=next_month,
            subject="計画の進捗状況",
        ),
    ):
        item.full_clean()
        item.save()
    return built


# --- Step 2: the two pages, timed --------------------------------------------------------------------


def measure(db_path: str, repeat: int) -> dict:
    from benchmarks.data import setup_django

    setup_django(db_path)
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from bunkyo import roles

    setup_test_environment()  # the test client's hosts; nothing else changes
    settings.ROOT_URLCONF = _before_urlconf()
    user, _ = get_user_model().objects.get_or_create(
        username="bench-jimu", defaults={"is_staff": True, "last_name": "事務局"}
    )
    user.groups.add(Group.objects.get(name=roles.SECRETARIAT))
    client = Client()
    client.force_login(user)

    def get(url: str) -> tuple[float, float, int, int]:
        """Wall time, CPU time (this process: less disturbed when other work shares the machine),
        bytes, queries."""
        with CaptureQueriesContext(connection) as queries:
            started, cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
        assert response.status_code == 200, (url, response.status_code)
        return seconds, cpu_seconds, len(response.content), len(queries.captured_queries)

    get("/")  # warm-up: templates compiled, content types cached
    get("/before/")
    runs = {"/": [], "/before/": []}
    for _ in range(repeat):  # alternated, so both meet the same load
        for url in runs:
            runs[url].append(get(url))
    result = {}
    for name, url in (("home", "/"), ("before", "/before/")):
        *_, size, queries = runs[url][-1]
        result[name] = {
            "seconds": round(min(run[0] for run in runs[url]), 3),
            "cpu_seconds": round(min(run[1] for run in runs[url]), 3),
            "bytes": size,
            "queries": queries,
        }
    return result


# --- The run ------------------------------------------------------------------------------------------


def _child(step: str, *args: str) -> dict:
    completed = subprocess.run(
        [sys.executable, __file__, "--step", step, *args], capture_output=True, text=True, cwd=ROOT
    )
    if completed.returncode != 0:
        sys.stderr.write(completed.stderr)
        raise SystemExit(f"{step} failed")
    return json.loads(completed.stdout.strip().splitlines()[-1])


HEADER = (
    f"{'measures':>9} {'home s':>7} {'home cpu':>9} {'home KB':>8} {'queries':>8} "
    f"{'before s':>9} {'before cpu':>11} {'before KB':>10} {'queries':>8} "
    f"{'time ratio':>11} {'cpu ratio':>10} {'size ratio':>11}"
)


def run(sizes: list[int], repeat: int, keep: bool, database_url: str | None = None) -> list[dict]:
    from benchmarks.data import postgres_drop

    print(
        f"python {sys.version.split()[0]}; {os.cpu_count()} CPUs; best of {repeat}; "
        f"{'PostgreSQL' if database_url else 'SQLite'}; "
        "secretariat account; before = the home page that listed every measure",
        flush=True,
    )
    print(HEADER, flush=True)
    results = []
    for n in sizes:
        scratch = Path(tempfile.mkdtemp(prefix="bunkyo-home-bench-"))
        if database_url:
            database = f"{database_url.split('?')[0]}_scratch_{n}"
            postgres_drop(database)  # left by an interrupted run
        else:
            database = scratch / "bench.sqlite3"
            assert database.resolve() != (ROOT / "db.sqlite3").resolve()
        try:
            built = _child("build", str(n), str(database))
            timed = _child("measure", str(database), str(repeat))
        finally:
            if not keep:
                shutil.rmtree(scratch, ignore_errors=True)
                if database_url:
                    postgres_drop(str(database))
        home, before = timed["home"], timed["before"]
        result = {
            "measures": n,
            "reports": built["reports"],
            "home": home,
            "before": before,
            "time_ratio": round(home["seconds"] / before["seconds"], 2),
            "cpu_ratio": round(home["cpu_seconds"] / before["cpu_seconds"], 2),
            "size_ratio": round(home["bytes"] / before["bytes"], 4),
        }
        results.append(result)
        print(
            f"{n:>9,} {home['seconds']:>7} {home['cpu_seconds']:>9} {home['bytes'] / 1024:>8.1f} "
            f"{home['queries']:>8} {before['seconds']:>9} {before['cpu_seconds']:>11} "
            f"{before['bytes'] / 1024:>10.1f} {before['queries']:>8} {result['time_ratio']:>11} "
            f"{result['cpu_ratio']:>10} {result['size_ratio']:>11}",
            flush=True,
        )
    if len(results) > 1:
        sizes_kb = {r["home"]["bytes"] for r in results}
        queries = {r["home"]["queries"] for r in results}
        print(
            f"\nhome page across sizes: {len(queries)} query count(s) {sorted(queries)}; "
            f"size {min(sizes_kb) / 1024:.1f}–{max(sizes_kb) / 1024:.1f} KB"
            + (" (fixed queries: yes)" if len(queries) == 1 else " (fixed queries: NO)")
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated numbers of measures")
    parser.add_argument("--repeat", type=int, default=5, help="time each page this many times, keep the best")
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases")
    parser.add_argument("--json", action="store_true", help="print the results as JSON at the end")
    parser.add_argument(
        "--database-url",
        help="a postgres:// URL: measure on that PostgreSQL server instead of SQLite (databases named after its)",
    )
    parser.add_argument("--step", nargs="+", help=argparse.SUPPRESS)  # internal: one step in a fresh process
    args = parser.parse_args()
    if args.step:
        step, *rest = args.step
        if step == "build":
            result = build(int(rest[0]), rest[1])
        else:
            result = measure(rest[0], int(rest[1]))
        print(json.dumps(result))
        return
    results = run([int(s) for s in args.sizes.split(",")], args.repeat, args.keep, args.database_url)
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
