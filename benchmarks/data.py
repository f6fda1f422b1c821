"""The benchmarks' data, behind one function, so the builder can be swapped for
`manage.py generate_synthetic_plans` (issue 15) without touching the benchmarks themselves."""

from __future__ import annotations


def build_measures(n: int, db_path: str) -> dict:
    """A scratch SQLite database at ``db_path`` with the seed plan plus ``n`` synthetic measures
    (three targets and six reports each). Sets Django up on it. Returns counts and the build time."""
    from benchmarks.export_excel import build

    return build(n, db_path)
