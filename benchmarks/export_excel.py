"""How fast, and in how much memory, the Excel export runs for 1,000 to 50,000 measures.

    .venv/bin/python benchmarks/export_excel.py                      # 1,000, 10,000 and 50,000
    .venv/bin/python benchmarks/export_excel.py --sizes 1000,5000    # a quick run

For each size, each step in a fresh process, on a copy of the synthetic data that
`manage.py generate_synthetic_plans` builds (benchmarks.data: cached under build/bench-data/):

1. build: N measures in as few plans as hold them (a plan holds at most 32,767 measures, so
   50,000 are two plans of 25,000), each with targets, reports, withdrawals and a schedule;
2. export: the real export of every plan, one workbook each, one after the other in the same
   process (reports.workbook, what /reports/progress.xlsx?plan=<id> runs), timed together, with
   the process's peak resident memory (ru_maxrss);
3. record (untimed): the export once more, with SheetWriter.append recording every cell it
   writes as a plain Python value and its resolved style; pickled;
4. baseline: in another fresh process, the recorded cells loaded (untimed), then, timed, an
   openpyxl write-only workbook per plan with the same sheets and the very same cells, one reused
   styled cell per column (and style);
5. floor: the same cells written by XlsxWriter's constant_memory mode (reported, not a goal).

Every sheet of the export and the baseline is then compared (rows, cells, a digest of every
value in order): if they differ, the run says so. Both sides write with lxml.
Goals (issue 15): export ≤ 1.2 × baseline (CPU) at every size; peak memory at 50,000 no more
than 1.2 × that at 10,000.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import pickle
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.data import build_measures, plan_split, setup_django  # noqa: E402


def _cpu_seconds() -> float:
    """This process's CPU time: less disturbed than wall time when other work shares the machine."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _timing(before_kb: int, started: float, cpu: float) -> dict:
    return {
        "seconds": round(time.perf_counter() - started, 2),
        "cpu_seconds": round(_cpu_seconds() - cpu, 2),
        "rss_before_mb": round(before_kb / 1024, 1),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


# --- Step 1: the data ------------------------------------------------------------------------------


def build(n: int, db_path: str) -> dict:
    return build_measures(n, db_path)


# --- Step 2: the export, as /reports/progress.xlsx?plan=<id> runs it, for every plan ------------


def _plans() -> list[int]:
    from measures.models import Plan

    return list(Plan.objects.order_by("first_fiscal_year").values_list("pk", flat=True))


# 概要's 作成日時, the same in the timed export and the recorded one, so that every sheet compares equal.
GENERATED_AT = datetime(2025, 4, 1, 9, 0, tzinfo=UTC)


def _export_all(folder: Path, prefix: str) -> int:
    from reports.filters import MeasureProgressFilter
    from reports.workbook import ProgressExport, write_progress_workbook

    count = 0
    for index, plan in enumerate(_plans()):
        filterset = MeasureProgressFilter({"plan": plan})
        assert filterset.is_valid(), filterset.form.errors
        count += write_progress_workbook(
            ProgressExport.from_filter(filterset), folder / f"{prefix}{index}.xlsx", generated_at=GENERATED_AT
        )
    return count


def export(db_path: str, folder: str) -> dict:
    setup_django(db_path)
    _plans()  # Django's apps and the connection ready, as in a running server
    before = _rss_kb()
    started, cpu = time.perf_counter(), _cpu_seconds()
    count = _export_all(Path(folder), "export")
    return {**_timing(before, started, cpu), "measures": count}


# --- Step 3: the cells the export writes, recorded as plain values --------------------------------


def record(db_path: str, folder: str) -> dict:
    """Every cell of every sheet of every workbook, as (value, style index), with the styles resolved."""
    setup_django(db_path)
    from openpyxl.cell.cell import Cell

    from core.xlsx import SheetWriter

    styles: list[tuple] = []
    style_index: dict[tuple, int] = {}
    workbooks: list[dict[str, list]] = []
    patterns: dict[tuple, tuple] = {}  # the same row of styles is one object in the pickle
    original = SheetWriter.append

    def style_of(cell) -> int:
        if not isinstance(cell, Cell):
            return -1
        resolved = (  # copies: openpyxl hands out proxies of the workbook's own objects
            copy.copy(cell.font),
            copy.copy(cell.fill),
            copy.copy(cell.border),
            copy.copy(cell.alignment),
            cell.number_format,
            copy.copy(cell.protection),
            cell.quotePrefix,
        )
        key = tuple(pickle.dumps(part) for part in resolved)
        found = style_index.get(key)
        if found is None:
            found = style_index[key] = len(styles)
            styles.append(resolved)
        return found

    def recording_append(self, cells, *, spans=None):
        sheets = workbooks[-1]
        workbook_of_sheet = sheets.setdefault(self.ws.title, [])
        array_keys = getattr(self, "_bench_styles", None)
        if array_keys is None:
            array_keys = self._bench_styles = {}
        values, kinds = [], []
        for cell in cells:
            if isinstance(cell, Cell):
                key = tuple(cell._style) + (cell.quotePrefix,)
                index = array_keys.get(key)
                if index is None:
                    index = array_keys[key] = style_of(cell)
                values.append(cell._value)
                kinds.append(index)
            else:
                values.append(cell)
                kinds.append(-1)
        kinds = tuple(kinds)
        workbook_of_sheet.append((values, patterns.setdefault(kinds, kinds)))
        return original(self, cells, spans=spans)

    SheetWriter.append = recording_append
    from openpyxl import Workbook

    titles: list[list[str]] = []
    real_save = Workbook.save

    def save(self, filename):
        titles.append([ws.title for ws in self._sheets])
        return real_save(self, filename)

    Workbook.save = save
    from reports import workbook as workbook_module

    real_write = workbook_module.write_progress_workbook

    def write(*args, **kwargs):
        workbooks.append({})
        return real_write(*args, **kwargs)

    workbook_module.write_progress_workbook = write
    _export_all(Path(folder), "record")
    recorded = [{"titles": order, "sheets": sheets} for order, sheets in zip(titles, workbooks, strict=True)]
    with open(Path(folder) / "cells.pickle", "wb") as out:
        pickle.dump({"styles": styles, "workbooks": recorded}, out, protocol=pickle.HIGHEST_PROTOCOL)
    cells = sum(len(row[0]) for wb in recorded for rows in wb["sheets"].values() for row in rows)
    return {"cells": cells, "styles": len(styles)}


def _load(folder: str) -> dict:
    with open(Path(folder) / "cells.pickle", "rb") as source:
        return pickle.load(source)


# --- Step 4: the baseline: the same cells from plain values, openpyxl write-only only -------------


def baseline(folder: str) -> dict:
    from openpyxl import Workbook
    from openpyxl.cell.cell import Cell

    recorded = _load(folder)
    styles = recorded["styles"]
    before = _rss_kb()
    started, cpu = time.perf_counter(), _cpu_seconds()
    for number, book in enumerate(recorded["workbooks"]):
        workbook = Workbook(write_only=True)
        arrays: dict[int, object] = {}

        def array(ws, index, arrays=arrays):
            """openpyxl's own way to style a cell, done once per style and copied into each cell."""
            found = arrays.get(index)
            if found is None:
                prototype = Cell(ws)
                font, fill, border, alignment, number_format, protection, quote = styles[index]
                prototype.font, prototype.fill, prototype.border = font, fill, border
                prototype.alignment, prototype.number_format = alignment, number_format
                prototype.protection, prototype.quotePrefix = protection, quote
                found = arrays[index] = prototype._style
            return found

        for title in book["titles"]:
            ws = workbook.create_sheet(title)
            reused: dict = {}
            for values, kinds in book["sheets"].get(title, ()):
                cells = []
                for column, (value, index) in enumerate(zip(values, kinds, strict=True)):
                    if index < 0:
                        cells.append(value)
                        continue
                    key = (column, index)
                    cell = reused.get(key)
                    if cell is None:
                        cell = reused[key] = Cell(ws, 1, 1, None, array(ws, index))
                    cell.value = value
                    if isinstance(value, str):
                        cell.data_type = "s"  # text stays text, as in the export
                    cells.append(cell)
                ws.append(cells)
        workbook.save(Path(folder) / f"baseline{number}.xlsx")
    return _timing(before, started, cpu)


# --- Step 5: the floor: XlsxWriter's constant_memory mode, the same cells --------------------------


def floor(folder: str) -> dict:
    """The Python floor: XlsxWriter's constant_memory mode writing the same cells (reported, not a goal)."""
    import xlsxwriter

    recorded = _load(folder)
    styles = recorded["styles"]
    before = _rss_kb()
    started, cpu = time.perf_counter(), _cpu_seconds()
    for number, book in enumerate(recorded["workbooks"]):
        workbook = xlsxwriter.Workbook(Path(folder) / f"floor{number}.xlsx", {"constant_memory": True})
        formats: dict = {}

        def fmt(index, formats=formats, workbook=workbook):
            """The style's font, fill, border, alignment and number format as an XlsxWriter format, made once."""
            found = formats.get(index)
            if found is None:
                font, fill, border, alignment, number_format, _, _ = styles[index]
                spec = {}
                if font is not None:
                    spec.update(font_name=font.name, font_size=font.sz, bold=bool(font.b))
                if fill is not None and fill.fgColor is not None and fill.patternType == "solid":
                    spec.update(pattern=1, bg_color="#" + str(fill.fgColor.rgb)[-6:])
                if border is not None and border.left is not None and border.left.style:
                    spec.update(border=1)
                if alignment is not None:
                    if alignment.horizontal:
                        spec.update(align=alignment.horizontal)
                    if alignment.vertical:
                        spec.update(valign=alignment.vertical)
                    if alignment.wrap_text:
                        spec.update(text_wrap=True)
                if number_format and number_format != "General":
                    spec.update(num_format=number_format)
                found = formats[index] = workbook.add_format(spec)
            return found

        for title in book["titles"]:
            ws = workbook.add_worksheet(title)
            for r, (values, kinds) in enumerate(book["sheets"].get(title, ())):
                for c, (value, index) in enumerate(zip(values, kinds, strict=True)):
                    style = fmt(index) if index >= 0 else None
                    if value is None:
                        ws.write_blank(r, c, None, style)
                    elif isinstance(value, str):
                        ws.write_string(r, c, value, style)
                    elif isinstance(value, date):
                        ws.write_datetime(r, c, value, style)
                    else:
                        ws.write_number(r, c, value, style)
        workbook.close()
    return _timing(before, started, cpu)


# --- The comparison: did the baseline write the same cells? ----------------------------------------

_ROW_RE = re.compile(rb'<row r="(\d+)"[^>]*>(.*?)</row>', re.S)
_VALUE_RE = re.compile(rb"<(?:v|t)(?: [^>]*)?>([^<]*)</(?:v|t)>")


def sheet_fingerprint(path: Path, sheet_number: int) -> tuple[int, int, str]:
    """(rows, cells, digest of the values in order) of one sheet, read as a stream."""
    digest, rows, cells, buffer = hashlib.sha256(), 0, 0, b""
    with zipfile.ZipFile(path) as archive, archive.open(f"xl/worksheets/sheet{sheet_number}.xml") as xml:
        while chunk := xml.read(1 << 20):
            buffer += chunk
            end = buffer.rfind(b"</row>")
            if end < 0:
                continue
            complete, buffer = buffer[: end + 6], buffer[end + 6 :]
            for match in _ROW_RE.finditer(complete):
                rows += 1
                cells += match.group(2).count(b"<c ")
                for value in _VALUE_RE.findall(match.group(2)):
                    digest.update(value + b"\x00")
                digest.update(b"\x01")
    return rows, cells, digest.hexdigest()[:12]


def workbook_fingerprints(path: Path) -> list[tuple[int, int, str]]:
    with zipfile.ZipFile(path) as archive:
        count = sum(1 for name in archive.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", name))
    return [sheet_fingerprint(path, number) for number in range(1, count + 1)]


# --- The run ------------------------------------------------------------------------------------------


def _child(step: str, *args: str) -> dict:
    completed = subprocess.run(
        [sys.executable, __file__, "--step", step, *args], capture_output=True, text=True, cwd=ROOT
    )
    if completed.returncode != 0:
        sys.stderr.write(completed.stderr)
        raise SystemExit(f"{step} failed")
    if completed.stderr.strip():
        sys.stderr.write(completed.stderr)  # the data's build reports its progress there
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _best(runs: list[dict]) -> dict:
    """The fastest of the repeated runs (least disturbed by other work), with the highest peak memory."""
    return {
        "seconds": min(r["seconds"] for r in runs),
        "cpu_seconds": min(r["cpu_seconds"] for r in runs),
        "peak_mb": max(r["peak_mb"] for r in runs),
        "rss_before_mb": max(r["rss_before_mb"] for r in runs),
    }


HEADER = (
    f"{'measures':>9} {'plans':>5} {'reports':>8} {'cells':>10} {'build s':>8} {'export s':>9} {'baseline s':>11} "
    f"{'ratio':>6} {'export cpu':>11} {'baseline cpu':>13} {'cpu ratio':>10} {'export peak MB':>15} "
    f"{'baseline peak MB':>17}  same {'xlsxwriter s':>12} {'xlsxwriter cpu':>14}"
)


def run(sizes: list[int], keep: bool, repeat: int) -> list[dict]:
    results = []
    print(
        f"python {sys.version.split()[0]}; {os.cpu_count()} CPUs; load {os.getloadavg()[0]:.1f}; best of {repeat}",
        flush=True,
    )
    for n in sizes:
        plan_split(n)  # a size that does not split evenly stops here, before any work
    print(HEADER, flush=True)
    for n in sizes:
        scratch = Path(tempfile.mkdtemp(prefix="bunkyo-bench-"))
        database = scratch / "bench.sqlite3"
        try:
            print(f"  {n:,} measures: data ...", file=sys.stderr, flush=True)
            built = _child("build", str(n), str(database))
            exports, baselines, floors = [], [], []
            print(f"  {n:,} measures: recording the cells ...", file=sys.stderr, flush=True)
            recorded = _child("record", str(database), str(scratch))
            for attempt in range(repeat):  # alternated, so all meet the same load
                print(
                    f"  {n:,} measures: export, baseline, floor ({attempt + 1}/{repeat}) ...",
                    file=sys.stderr,
                    flush=True,
                )
                exports.append(_child("export", str(database), str(scratch)))
                baselines.append(_child("baseline", str(scratch)))
                floors.append(_child("floor", str(scratch)))
            exported, base, lowest = _best(exports), _best(baselines), _best(floors)
            plans = len(built["plans"])
            prints = [
                (
                    workbook_fingerprints(scratch / f"export{i}.xlsx"),
                    workbook_fingerprints(scratch / f"baseline{i}.xlsx"),
                )
                for i in range(plans)
            ]
            same = all(a == b for a, b in prints)
        finally:
            if not keep:
                shutil.rmtree(scratch, ignore_errors=True)
        result = {
            "measures": n,
            "plans": plans,
            "reports": built["reports"],
            "cells": recorded["cells"],
            "build_seconds": built["build_seconds"],
            "export_seconds": exported["seconds"],
            "baseline_seconds": base["seconds"],
            "ratio": round(exported["seconds"] / base["seconds"], 2),
            "export_cpu_seconds": exported["cpu_seconds"],
            "baseline_cpu_seconds": base["cpu_seconds"],
            "cpu_ratio": round(exported["cpu_seconds"] / base["cpu_seconds"], 2),
            "export_peak_mb": exported["peak_mb"],
            "export_rss_before_mb": exported["rss_before_mb"],
            "baseline_peak_mb": base["peak_mb"],
            "same_cells": same,
            "floor_seconds": lowest["seconds"],
            "floor_cpu_seconds": lowest["cpu_seconds"],
            "floor_peak_mb": lowest["peak_mb"],
        }
        results.append(result)
        build = "cached" if built["cached"] else built["build_seconds"]
        print(
            f"{n:>9,} {plans:>5} {built['reports']:>8,} {recorded['cells']:>10,} {build:>8} {exported['seconds']:>9} "
            f"{base['seconds']:>11} {result['ratio']:>6} {exported['cpu_seconds']:>11} {base['cpu_seconds']:>13} "
            f"{result['cpu_ratio']:>10} {exported['peak_mb']:>15} {base['peak_mb']:>17}  {'yes' if same else 'NO':>4} "
            f"{lowest['seconds']:>12} {lowest['cpu_seconds']:>14}",
            flush=True,
        )
    _goals(results)
    return results


GOAL_RATIO = 1.2  # issue 15: at every size, against the reused-cell baseline, both with lxml


def _goals(results: list[dict]) -> None:
    for result in results:
        verdict = "met" if result["cpu_ratio"] <= GOAL_RATIO else "NOT met"
        print(
            f"export ÷ baseline at {result['measures']:,} measures: {result['ratio']} wall, "
            f"{result['cpu_ratio']} CPU (goal ≤ {GOAL_RATIO}, CPU): {verdict}; "
            f"XlsxWriter floor ÷ baseline {result['floor_cpu_seconds'] / result['baseline_cpu_seconds']:.2f} CPU"
        )
    by_size = {r["measures"]: r for r in results}
    if 10_000 in by_size and 50_000 in by_size:
        growth = by_size[50_000]["export_peak_mb"] / by_size[10_000]["export_peak_mb"]
        verdict = "met" if growth <= 1.2 else "NOT met"
        print(f"export peak memory, 50,000 ÷ 10,000 measures: {growth:.2f} (goal ≤ 1.2): {verdict}")
    if not all(r["same_cells"] for r in results):
        print("WARNING: the baseline did not write the same cells; the ratio is not a fair comparison.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,50000", help="comma-separated numbers of measures")
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases and files")
    parser.add_argument(
        "--repeat", type=int, default=1, help="run export and baseline this many times each, keep the best"
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON at the end")
    parser.add_argument("--step", nargs="+", help=argparse.SUPPRESS)  # internal: one step in a fresh process
    args = parser.parse_args()
    if args.step:
        step, *rest = args.step
        if step == "build":
            result = build(int(rest[0]), rest[1])
        else:
            result = {"export": export, "record": record, "baseline": baseline, "floor": floor}[step](*rest)
        print(json.dumps(result))
        return
    results = run([int(s) for s in args.sizes.split(",")], args.keep, args.repeat)
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
