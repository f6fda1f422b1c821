"""A collection round at the issue's scale: 200 departments, 5,000 measures, one round.

    .venv/bin/python benchmarks/rounds.py                          # 200 departments, 5,000 measures
    .venv/bin/python benchmarks/rounds.py --departments 20 --measures 500   # a quick run
    .venv/bin/python benchmarks/rounds.py --profile                # cProfile of the acceptance

On a fresh SQLite file under build/bench-data/ (or DATABASE_URL=postgres://…/NAME for PostgreSQL,
a database NAME_scratch it creates and drops; NAME itself is not touched), with its own data, made
here in bulk and kept in this one place: one plan (FY2019–2021), one purpose, the departments, each
with measures/departments measures, a target each for FY2021. Then, through the services, as people would:

1. the round is made and opened (rounds.services.round_create, round_transition: one row per
   measure, the e-mails recorded);
2. every row is filled in (in bulk: what the departments typed) and each answer submitted
   (answer_transition: every row checked as a report);
3. measured: the dashboard and one department's page and review through Django's test client (their
   query counts, which must not grow with the data: tests/test_rounds.py pins that they are the
   same at two sizes), and accepting every answer (answer_transition "accept": each row a progress
   report with its history, in one transaction an answer). Baseline, in the same run:
   ProgressReport.objects.bulk_create of the same 5,000 reports, no validation and no history.
   Also one department answering all 5,000 measures: one answer accepted in one transaction.
4. measured before the answers are accepted, all 5,000 figures still awaited: what the workbook and
   the council report read of it (rounds.selectors.awaited_figures: its time and its one query),
   and the council report (/reports/print/) and the manager's workbook (write_progress_workbook)
   with the round open, beside the same with the round put back to 準備中 (nothing awaited, the
   same data) in the same run, best of three each.

The goal (issue 24): accepting the round's 5,000 rows in under 10 s.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.data import is_postgres, setup_django  # noqa: E402


def _data(departments: int, measures: int):
    from django.contrib.auth.models import Group

    from bunkyo import roles
    from measures.models import AnnualTarget, Department, Measure, Plan, ProgressStatus, Purpose

    roles.sync_groups(__import__("django.apps", fromlist=["apps"]).apps)
    plan = Plan.objects.create(name="ベンチマーク計画", first_fiscal_year=2019, last_fiscal_year=2021)
    purpose = Purpose.objects.create(plan=plan, code="ア", text="目的")
    ProgressStatus.objects.get_or_create(name="実施中", defaults={"symbol": "○", "order": 1})
    depts = Department.objects.bulk_create(
        [Department(name=f"課{number:04d}", order=number) for number in range(departments)]
    )
    rows = Measure.objects.bulk_create(
        [
            Measure(plan=plan, purpose=purpose, number=number + 1, title=f"施策{number + 1}", order=number)
            for number in range(measures)
        ],
        batch_size=500,
    )
    through = Measure.departments.through
    through.objects.bulk_create(
        [through(measure_id=m.pk, department_id=depts[i % departments].pk) for i, m in enumerate(rows)],
        batch_size=1000,
    )
    AnnualTarget.objects.bulk_create(
        [
            AnnualTarget(
                measure=m, fiscal_year=2021, target_text="目標", indicator_name="件数", target_value=100
            )
            for m in rows
        ],
        batch_size=500,
    )
    from django.contrib.auth import get_user_model

    User = get_user_model()
    boss = User.objects.create(username="jimu", password="!", is_staff=True)
    boss.groups.add(Group.objects.get(name=roles.SECRETARIAT))
    return plan, depts, boss


def _fill_and_submit(round_, by_department) -> float:
    from core import clock
    from rounds.models import Answer, AnswerRow
    from rounds.services import answer_transition

    status = __import__("measures.models", fromlist=["ProgressStatus"]).ProgressStatus.objects.first()
    rows = list(AnswerRow.objects.filter(answer__round=round_).select_related("answer"))
    now = clock.now()
    for index, row in enumerate(rows):
        row.status, row.progress_percent, row.actual_value = status, 50 + index % 50, 10 + index % 90
        row.narrative = "取組を進めた。"
        row.entered_by, row.entered_at = by_department[row.answer.department_id], now
    AnswerRow.objects.bulk_update(
        rows,
        ["status", "progress_percent", "actual_value", "narrative", "entered_by", "entered_at"],
        batch_size=1000,
    )
    Answer.objects.filter(round=round_).update(state=Answer.State.DRAFT)
    start = time.perf_counter()
    for answer in Answer.objects.filter(round=round_).select_related("department"):
        answer_transition(
            answer=answer,
            action="submit",
            by=by_department[answer.department_id],
            loaded_version=answer.version,
        )
    return time.perf_counter() - start


def _members(depts):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from bunkyo import roles
    from rounds.models import DepartmentMember

    group = Group.objects.get(name=roles.DEPARTMENT_STAFF)
    User = get_user_model()
    # No password to hash: the test client signs them in (force_login).
    made = User.objects.bulk_create(
        [User(username=f"u{department.pk}", password="!") for department in depts]
    )
    User.groups.through.objects.bulk_create(
        [User.groups.through(user_id=u.pk, group_id=group.pk) for u in made]
    )
    DepartmentMember.objects.bulk_create(
        [
            DepartmentMember(user=user, department=department)
            for user, department in zip(made, depts, strict=True)
        ]
    )
    return {department.pk: user for user, department in zip(made, depts, strict=True)}


def _connection_settings() -> None:
    """What the database runs with (SQLite: the production pragmas of bunkyo/settings.py)."""
    from django.db import connection

    if connection.vendor != "sqlite":
        print(f"database: {connection.vendor}")
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        journal = cursor.fetchone()[0]
        cursor.execute("PRAGMA synchronous")
        synchronous = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}[cursor.fetchone()[0]]
    print(f"database: SQLite, journal_mode={journal}, synchronous={synchronous}")


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries)


def _best_of_three(work) -> float:
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        work()
        times.append(time.perf_counter() - t0)
    return min(times)


def _awaited(client, plan, round_) -> None:
    """What the reports read of an open round that awaits every figure, beside nothing awaited."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from reports.filters import MeasureProgressFilter
    from reports.workbook import ProgressExport, write_progress_workbook
    from rounds.models import Round
    from rounds.selectors import awaited_figures

    years = plan.fiscal_years
    with CaptureQueriesContext(connection) as ctx:
        awaited = awaited_figures(plan=plan, fiscal_years=years, measures=plan.measures.all())
    count = sum(line.measures for line in awaited.rounds)
    selector = _best_of_three(
        lambda: awaited_figures(plan=plan, fiscal_years=years, measures=plan.measures.all())
    )
    print(f"awaited_figures: {count} figures awaited, {len(ctx.captured_queries)} query, {selector:.3f} s")

    def page():
        assert client.get(f"/reports/print/?plan={plan.pk}").status_code == 200

    def workbook():
        filterset = MeasureProgressFilter({"plan": plan.pk})
        assert filterset.is_valid()
        with tempfile.TemporaryFile() as output:
            write_progress_workbook(ProgressExport.from_filter(filterset), output)

    opened = (_best_of_three(page), _best_of_three(workbook))
    with transaction.atomic():
        Round.objects.filter(pk=round_.pk).update(state=Round.State.PREPARING)
        baseline = (_best_of_three(page), _best_of_three(workbook))
        transaction.set_rollback(True)
    print(
        f"/reports/print/: {opened[0]:.2f} s with every figure awaited, baseline nothing awaited "
        f"{baseline[0]:.2f} s; the workbook: {opened[1]:.2f} s, baseline {baseline[1]:.2f} s"
    )


def run(departments: int, measures: int, profile: bool = False) -> None:
    from django.core.management import call_command
    from django.db import transaction
    from django.test import Client

    call_command("migrate", verbosity=0)
    _connection_settings()
    from measures.models import ProgressReport
    from rounds.models import Answer, AnswerRow
    from rounds.services import answer_transition, round_create, round_transition

    t0 = time.perf_counter()
    plan, depts, boss = _data(departments, measures)
    users = _members(depts)
    print(f"data: {departments} departments, {measures} measures in {time.perf_counter() - t0:.1f} s")

    t0 = time.perf_counter()
    round_ = round_create(
        plan=plan, fiscal_year=2021, as_of=date(2021, 12, 31), deadline=date(2100, 3, 31), by=boss
    )
    round_ = round_transition(round_=round_, action="open", by=boss, loaded_version=round_.version)
    print(f"round made and opened ({AnswerRow.objects.count()} rows): {time.perf_counter() - t0:.2f} s")
    submit = _fill_and_submit(round_, users)
    print(f"{departments} answers submitted (each row checked as a report): {submit:.2f} s")

    client = Client()
    client.force_login(boss)
    answer = Answer.objects.filter(round=round_).order_by("pk").first()
    dashboard = _queries(client, f"/rounds/{round_.pk}/")
    review = _queries(client, f"/rounds/answers/{answer.pk}/review/")
    client.force_login(users[answer.department_id])
    page = _queries(client, f"/rounds/answers/{answer.pk}/")
    print(f"queries: dashboard {dashboard}, a department's page {page}, its review {review}")
    client.force_login(boss)
    _awaited(client, plan, round_)

    # Baseline: the same reports inserted in bulk, no checks, no history (then removed again).
    rows = list(AnswerRow.objects.filter(answer__round=round_).select_related("status"))
    with transaction.atomic():
        t0 = time.perf_counter()
        ProgressReport.objects.bulk_create(
            [
                ProgressReport(
                    measure_id=row.measure_id,
                    fiscal_year=2021,
                    as_of=date(2021, 12, 30),
                    status=row.status,
                    progress_percent=row.progress_percent,
                    actual_value=row.actual_value,
                    narrative=row.narrative,
                )
                for row in rows
            ],
            batch_size=500,
        )
        baseline = time.perf_counter() - t0
        transaction.set_rollback(True)

    from django.db import connection

    answers = list(Answer.objects.filter(round=round_).select_related("department"))
    profiler = cProfile.Profile() if profile else None
    statements = []  # counted, not logged: logging each query would slow what is measured

    def count(execute, sql, params, many, context):
        statements.append(1)
        return execute(sql, params, many, context)

    t0, cpu0 = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(count):
        if profiler:
            profiler.enable()
        for answer in answers:
            answer_transition(answer=answer, action="accept", by=boss, loaded_version=answer.version)
        if profiler:
            profiler.disable()
    accept, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    print(
        f"statements to accept {len(answers)} answers: {len(statements)} "
        f"({len(statements) / len(answers):.1f} an answer, savepoints included, BEGIN and COMMIT not)"
    )
    if profiler:
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(40)
        stats.sort_stats("tottime").print_stats(30)
    accepted = ProgressReport.objects.filter(accepted_by=boss).count()
    verdict = "OK" if accept < 10 else "over the 10 s goal"
    print(
        f"accept every answer ({accepted} reports with history): {accept:.2f} s ({verdict}; "
        f"this process's CPU {cpu:.2f} s, the rest is waiting for the disk or for a CPU); "
        f"baseline bulk_create of {len(rows)} reports, no checks, no history: {baseline:.2f} s"
    )

    # One department answering every measure: one answer, one transaction.
    big = round_create(
        plan=plan,
        fiscal_year=2021,
        as_of=date(2022, 1, 31),
        deadline=date(2100, 3, 31),
        by=boss,
        departments=depts[:1],
    )
    from measures.models import Measure

    Measure.departments.through.objects.bulk_create(
        [
            Measure.departments.through(measure_id=pk, department_id=depts[0].pk)
            for pk in Measure.objects.exclude(departments=depts[0]).values_list("pk", flat=True)
        ],
        batch_size=1000,
    )
    big = round_transition(round_=big, action="open", by=boss, loaded_version=big.version)
    _fill_and_submit(big, users)
    one = Answer.objects.get(round=big)
    from django.test.utils import CaptureQueriesContext

    t0 = time.perf_counter()
    with CaptureQueriesContext(connection) as ctx:
        answer_transition(answer=one, action="accept", by=boss, loaded_version=one.version)
    single = time.perf_counter() - t0
    if os.environ.get("BENCH_SLOW_QUERIES"):
        for query in sorted(ctx.captured_queries, key=lambda q: -float(q["time"]))[:5]:
            print(f"  {query['time']} s  {query['sql'][:160]}")
    print(f"one department's answer of {one.rows.count()} rows accepted in one transaction: {single:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--departments", type=int, default=200)
    parser.add_argument("--measures", type=int, default=5000)
    parser.add_argument("--profile", action="store_true", help="cProfile the acceptance of every answer")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if is_postgres(url):
        from benchmarks.data import _postgres_admin, postgres_drop

        # A scratch database named after the one DATABASE_URL names, which is left alone: two
        # people who name different databases never drop each other's.
        base, name = url.rsplit("/", 1)
        scratch = f"{name.split('?', 1)[0]}_scratch"
        target = f"{base}/{scratch}"
        postgres_drop(target)
        _postgres_admin(target, f'CREATE DATABASE "{scratch}"')
        try:
            setup_django(target, "benchmarks.settings")
            run(args.departments, args.measures, args.profile)
        finally:
            from django.db import connections

            connections.close_all()
            postgres_drop(target)
        return
    directory = ROOT / "build" / "bench-data"
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=directory) as scratch:
        setup_django(Path(scratch) / "rounds.sqlite3", "benchmarks.settings")
        run(args.departments, args.measures, args.profile)


if __name__ == "__main__":
    main()
