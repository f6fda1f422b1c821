"""The Excel upload at 500 and 5,000 rows: the upload, its preview, then the confirmation, against baselines.

    .venv/bin/python benchmarks/import_progress.py                 # 500 and 5,000 rows
    .venv/bin/python benchmarks/import_progress.py --sizes 50,500  # a quick run
    .venv/bin/python benchmarks/import_progress.py --sizes 9980 --libreoffice  # the row limit, resaved

For each size N, on a copy of `python -m benchmarks.generate_synthetic_plans`'s data (one plan of N
measures; benchmarks.data, cached under build/bench-data/):

1. prepare (untimed): the template of the plan's last fiscal year for every department, as the
   admin serves it (rounds.collection.write_template_workbook), every row filled in with openpyxl
   (a status, a progress, a narrative and a 報告基準日 of 15 February, a day no synthetic report
   has, so every row is a new report); with --libreoffice, that file saved again by LibreOffice
   (whose formatted shared strings openpyxl reads slowest), as a department's LibreOffice would;
2. measure, in a fresh process, as a member of the secretariat:
   - upload: the upload page's POST of the file through Django's test client, with the database
     tasks backend as in production: the form, the file's bytes kept for the worker
     (rounds.progress_imports.progress_import_upload), the task queued, the redirect;
   - preview: rounds.progress_imports.progress_import_read, run here in the same process (what the worker,
     manage.py db_worker, runs for the upload's task); its baseline: openpyxl's read-only mode
     reading every cell's value of the same file;
   - confirm: rounds.progress_imports.progress_import_confirm (validation, the reports and their
     history, in one transaction); its baseline: ProgressReport.objects.bulk_create of the same
     reports (dated a day later, so the unique 報告基準日 holds), no validation and no history.
   Queries are counted for the upload, the preview and the confirmation.

The upload must finish well inside a request's time limit (gunicorn's timeout, 120 s here); the
preview runs in the worker, which has none, and is reported beside it. None of the three steps may
read more queries for more rows: the counts at every size are compared. The
confirmation's INSERTs go in batches (at most 500 rows a statement, measures.services.CREATE_BATCH_SIZE;
on SQLite as many rows as 999 variables hold, the limit Django assumes), so they are counted apart
from the other queries.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.data import build_measures, setup_django  # noqa: E402

REQUEST_TIMEOUT = 120  # seconds: gunicorn's --timeout as docs/operations.md runs it
NEW_DAY = (2, 15)  # month, day of the following calendar year: in the fiscal year, no synthetic report then


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _secretariat():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from bunkyo import roles

    user, created = get_user_model().objects.get_or_create(
        username="bench-jimu", defaults={"is_staff": True, "last_name": "事務局", "first_name": "太郎"}
    )
    if created:
        user.groups.add(Group.objects.get_or_create(name=roles.SECRETARIAT)[0])
    return user


def prepare(n: int, db_path: str, folder: str) -> dict:
    """The data, and the template filled in on every row. Returns what the file holds."""
    built = build_measures(n, db_path)
    from openpyxl import load_workbook

    from measures.models import Plan, ProgressStatus
    from measures.sheets import exchange as x
    from rounds.collection import ProgressTemplate, write_template_workbook

    _secretariat()
    plan = Plan.objects.get(pk=built["plans"][0])
    year = plan.last_fiscal_year
    template = Path(folder) / "template.xlsx"
    count = write_template_workbook(ProgressTemplate(plan=plan, fiscal_year=year), template)
    workbook = load_workbook(template)
    ws = workbook.worksheets[0]
    header = next(row[0].row for row in ws.iter_rows() if any(c.value == x.MEASURE_ID for c in row))
    columns = {x.canonical_heading(c.value): c.column for c in ws[header] if c.value}
    statuses = [str(s) for s in ProgressStatus.objects.order_by("order", "name")]
    new_day = date(year + 1, *NEW_DAY)
    filled = 0
    for row in range(header + 1, ws.max_row + 1):
        if ws.cell(row, columns[x.MEASURE_ID]).value is None:
            continue  # a note or a total row
        filled += 1
        ws.cell(row, columns[x.STATUS]).value = statuses[filled % len(statuses)]
        ws.cell(row, columns[x.PROGRESS]).value = filled * 37 % 101
        ws.cell(row, columns[x.NARRATIVE]).value = f"2月の取組(行{row}): 関係課と調整し、対象を広げた。"
        ws.cell(row, columns[x.AS_OF]).value = new_day
    workbook.save(Path(folder) / "filled.xlsx")
    if os.environ.get("BENCH_LIBREOFFICE"):
        _resave_with_libreoffice(Path(folder) / "filled.xlsx")
    return {"measures": built["measures"], "template_rows": count, "filled_rows": filled, "fiscal_year": year}


def _resave_with_libreoffice(path: Path) -> None:
    """Replace the file with LibreOffice's own save of it (a profile of its own in the scratch folder)."""
    out = path.parent / "libreoffice"
    subprocess.run(
        [
            shutil.which("soffice") or "/usr/bin/soffice",
            f"-env:UserInstallation={(path.parent / 'profile').as_uri()}",
            "--headless",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(out),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    os.replace(out / path.name, path)


def _counting():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    return CaptureQueriesContext(connection)


def _inserts(queries) -> int:
    return sum(1 for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("INSERT"))


def measure(db_path: str, folder: str) -> dict:
    setup_django(db_path)
    from django.db import transaction
    from django.test import Client
    from django.urls import reverse
    from openpyxl import load_workbook

    from measures.models import Plan, ProgressReport
    from rounds.importing import ImportScope
    from rounds.models import ProgressImport
    from rounds.progress_imports import progress_import_confirm, progress_import_read

    user = _secretariat()
    client = Client()
    client.force_login(user)
    # A warm server: the URLs, the admin and the middleware loaded by a first request, untimed.
    assert client.get(reverse("admin:rounds_progressimport_add")).status_code == 200
    plan = Plan.objects.get()
    scope = ImportScope(plan=plan, fiscal_year=plan.last_fiscal_year)
    path = Path(folder) / "filled.xlsx"

    # Baseline of the preview: openpyxl's read-only mode reading every value of the same file.
    started, cpu = time.perf_counter(), _cpu()
    workbook = load_workbook(path, read_only=True)
    cells = sum(1 for ws in workbook.worksheets for row in ws.iter_rows(values_only=True) for _ in row)
    workbook.close()
    read_seconds, read_cpu = time.perf_counter() - started, _cpu() - cpu

    with _counting() as upload_queries, open(path, "rb") as file:
        started, cpu = time.perf_counter(), _cpu()
        response = client.post(
            reverse("admin:rounds_progressimport_add"),
            {"target": f"{plan.pk}:{scope.fiscal_year}", "files": file},
        )
        upload_seconds, upload_cpu = time.perf_counter() - started, _cpu() - cpu
    assert response.status_code == 302, response.content.decode()[:1000]
    upload = ProgressImport.objects.latest("pk")
    assert upload.state == ProgressImport.State.READING, upload.state
    # The worker's part, here in the same process (the task the POST queued is left in the queue).
    with _counting() as preview_queries:
        started, cpu = time.perf_counter(), _cpu()
        progress_import_read(upload_id=upload.pk)
        preview_seconds, preview_cpu = time.perf_counter() - started, _cpu() - cpu
    upload.refresh_from_db()
    assert not upload.problems, upload.problems[:3]
    rows = len(upload.reports)

    before = ProgressReport.objects.count()
    with _counting() as confirm_queries:
        started, cpu = time.perf_counter(), _cpu()
        progress_import_confirm(upload=upload, user=user)
        confirm_seconds, confirm_cpu = time.perf_counter() - started, _cpu() - cpu
    added = ProgressReport.objects.count() - before
    assert added == rows, (added, rows)

    # Baseline of the confirmation: the same reports, a day later, in one plain bulk_create.
    reports = [
        ProgressReport(
            measure_id=r["measure_id"],
            fiscal_year=scope.fiscal_year,
            as_of=date.fromisoformat(r["as_of"]) + timedelta(days=1),
            status_id=r["status_id"],
            actual_value=r["actual_value"],
            progress_percent=r["progress_percent"],
            narrative=r["narrative"],
            issues=r["issues"],
            next_steps=r["next_steps"],
            author=user,
        )
        for r in upload.reports
    ]
    started, cpu = time.perf_counter(), _cpu()
    with transaction.atomic():
        ProgressReport.objects.bulk_create(reports)
    bulk_seconds, bulk_cpu = time.perf_counter() - started, _cpu() - cpu
    return {
        "rows": rows,
        "cells": cells,
        "read_seconds": round(read_seconds, 2),
        "read_cpu": round(read_cpu, 2),
        "file_bytes": path.stat().st_size,
        "upload_seconds": round(upload_seconds, 3),
        "upload_cpu": round(upload_cpu, 3),
        "upload_queries": len(upload_queries.captured_queries),
        "preview_seconds": round(preview_seconds, 2),
        "preview_cpu": round(preview_cpu, 2),
        "preview_queries": len(preview_queries.captured_queries),
        "confirm_seconds": round(confirm_seconds, 2),
        "confirm_cpu": round(confirm_cpu, 2),
        "confirm_queries": len(confirm_queries.captured_queries),
        "confirm_inserts": _inserts(confirm_queries),
        "bulk_seconds": round(bulk_seconds, 2),
        "bulk_cpu": round(bulk_cpu, 2),
    }


def _child(step: str, *args: str) -> dict:
    completed = subprocess.run(
        [sys.executable, __file__, "--step", step, *args], capture_output=True, text=True, cwd=ROOT
    )
    if completed.returncode != 0:
        sys.stderr.write(completed.stderr)
        raise SystemExit(f"{step} failed")
    if completed.stderr.strip():
        sys.stderr.write(completed.stderr)
    return json.loads(completed.stdout.strip().splitlines()[-1])


HEADER = (
    f"{'rows':>6} {'upload s':>9} {'preview s':>10} {'cpu':>6} {'read-only s':>12} {'cpu':>6} {'ratio cpu':>10} {'queries':>8}"
    f" {'confirm s':>10} {'cpu':>6} {'bulk_create s':>14} {'cpu':>6} {'ratio cpu':>10} {'queries':>8} {'INSERTs':>8}"
)


def run(sizes: list[int], keep: bool) -> list[dict]:
    print(
        f"python {sys.version.split()[0]}; {os.cpu_count()} CPUs; load {os.getloadavg()[0]:.1f}", flush=True
    )
    print(HEADER, flush=True)
    results = []
    for n in sizes:
        scratch = Path(tempfile.mkdtemp(prefix="bunkyo-bench-import-"))
        database = scratch / "bench.sqlite3"
        try:
            print(f"  {n:,} rows: data and the filled template ...", file=sys.stderr, flush=True)
            prepared = _child("prepare", str(n), str(database), str(scratch))
            print(f"  {n:,} rows: preview and confirm ...", file=sys.stderr, flush=True)
            r = {"measures": n, **prepared, **_child("measure", str(database), str(scratch))}
        finally:
            if not keep:
                shutil.rmtree(scratch, ignore_errors=True)
        assert r["rows"] == r["filled_rows"] == n, r
        results.append(r)
        print(
            f"{r['rows']:>6,} {r['upload_seconds']:>9} {r['preview_seconds']:>10} {r['preview_cpu']:>6} {r['read_seconds']:>12} "
            f"{r['read_cpu']:>6} {r['preview_cpu'] / r['read_cpu']:>10.1f} {r['preview_queries']:>8} "
            f"{r['confirm_seconds']:>10} {r['confirm_cpu']:>6} {r['bulk_seconds']:>14} {r['bulk_cpu']:>6} "
            f"{r['confirm_cpu'] / max(r['bulk_cpu'], 0.01):>10.1f} {r['confirm_queries']:>8} {r['confirm_inserts']:>8}",
            flush=True,
        )
    largest = max(results, key=lambda r: r["rows"])
    verdict = "met" if largest["upload_seconds"] < REQUEST_TIMEOUT / 4 else "NOT met"
    print(
        f"upload of {largest['rows']:,} rows ({largest['file_bytes'] / 1024 / 1024:.2f} MB, the request): "
        f"{largest['upload_seconds']} s in {largest['upload_queries']} queries, "
        f"{largest['upload_seconds'] / REQUEST_TIMEOUT:.1%} of a {REQUEST_TIMEOUT} s request limit "
        f"(goal: well inside, < 25 %): {verdict}; its preview, in the worker: {largest['preview_seconds']} s"
    )
    if len(results) > 1:
        uploads = {r["upload_queries"] for r in results}
        print(
            f"upload queries at {', '.join(format(r['rows'], ',') for r in results)} rows: "
            f"{', '.join(str(r['upload_queries']) for r in results)} — "
            f"{'the same' if len(uploads) == 1 else 'NOT the same'}"
        )
        preview = {r["preview_queries"] for r in results}
        others = {r["confirm_queries"] - r["confirm_inserts"] for r in results}
        print(
            f"preview queries at {', '.join(format(r['rows'], ',') for r in results)} rows: "
            f"{', '.join(str(r['preview_queries']) for r in results)} — "
            f"{'the same' if len(preview) == 1 else 'NOT the same'}"
        )
        print(
            "confirm queries besides the INSERTs: "
            f"{', '.join(str(r['confirm_queries'] - r['confirm_inserts']) for r in results)} — "
            f"{'the same' if len(others) == 1 else 'NOT the same'}; INSERT statements (the reports and their "
            "history, in batches: at most 500 rows a statement, fewer on SQLite, whose 999 variables "
            f"Django assumes): {', '.join(str(r['confirm_inserts']) for r in results)}"
        )
        assert len(uploads) == len(preview) == len(others) == 1, "the query counts grow with the rows"
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="500,5000", help="comma-separated numbers of rows (measures)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch files")
    parser.add_argument(
        "--libreoffice", action="store_true", help="upload the filled template as LibreOffice saves it again"
    )
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--step", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        step, *rest = args.step
        result = prepare(int(rest[0]), rest[1], rest[2]) if step == "prepare" else measure(*rest)
        print(json.dumps(result))
        return
    if args.libreoffice:
        os.environ["BENCH_LIBREOFFICE"] = "1"  # for the prepare step, a child process
    results = run([int(s) for s in args.sizes.split(",")], args.keep)
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
