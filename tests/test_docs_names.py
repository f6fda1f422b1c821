"""Every module, class, function and file the docs name in backticks exists (issue 23, item 10).

The README and docs/*.md name code in backticks: a path (`core/clock.py`, `reports/_print_body.html`),
a dotted name (`core.clock.today`, `measures.services.progress_report_create`) or a bare name of
code (`measure_progress_rows`, `MeasureProgressFilter`). Each must be found:

- a path: a file or folder of the repository that ends with it (a template is named from its
  templates folder, a stylesheet from its static folder);
- a dotted name of one of the project's packages: imported, then each attribute looked up; an
  attribute that is a model field or a name assigned in a class body counts when the code defines it;
- a bare name (one with an underscore or camelCase, so not a plain word or a setting): defined in the
  project's code, a management command, a permission's codename, or a name the code or the libraries
  it documents write as a string (an index, a JSON key, a pattern fill).

Commands, URLs, values and plain words (anything with a space, a leading slash, or no underscore or
capital inside) are not checked. Names of other programs (nginx, PostgreSQL) are listed below.
"""

from __future__ import annotations

import functools
import importlib
import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
OUR_PACKAGES = (
    "core",
    "measures",
    "schedule",
    "reports",
    "opendata",
    "rounds",
    "bunkyo",
    "benchmarks",
    "tests",
)
# The libraries the docs explain our code by: their names count as existing.
LIBRARIES = (
    "django",
    "rest_framework",
    "django_filters",
    "simple_history",
    "drf_spectacular",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "openpyxl",
    "icalendar",
    "whitenoise",
    "pytest_django",
    "frictionless",
    "time_machine",
    "playwright",
)
# Names of other programs' settings and objects, which no Python here defines.
OTHER_PROGRAMS = {
    "lock_timeout": "PostgreSQL",
    "statement_timeout": "PostgreSQL",
    "jit_above_cost": "PostgreSQL",
    "work_mem": "PostgreSQL",
    "pg_statistic": "PostgreSQL's catalog",
    "n_live_tup": "PostgreSQL's statistics views",
    "last_autoanalyze": "PostgreSQL's statistics views",
    "limit_req": "nginx",
    "limit_conn": "nginx",
    "EncryptedPackage": "an encrypted Office file's part (import-limits.md)",
    "getBoundingClientRect": "the browser's DOM",
    "euro_dcat_ap_3": "ckanext-dcat's profile (build/ckan-venv)",
    "munge_title_to_name": "CKAN's function (build/ckan-venv)",
    "ru_maxrss": "Python's resource module",
    "AuthenticatedClient": "the client openapi-python-client generates (tests/test_api_clients.py)",
}
DEFINED = re.compile(r"^\s*(?:async\s+)?(?:def|class)\s+(\w+)|^\s*(\w+)\s*(?::[^=\n]*)?=[^=]", re.M)
QUOTED = re.compile(r"""["'](\w+)["']""")
FILE = re.compile(r"[\w./-]+\.(py|html|md|css|js|txt|toml|json|sh|ttl|yaml|ini|cfg|jsonld)")
FOLDER = re.compile(
    r"(core|measures|schedule|reports|opendata|bunkyo|benchmarks|tests|scripts|docs|fixtures|requirements|\.ci)/[\w./-]*"
)
DOTTED = re.compile(r"[a-z_]+(\.\w+)+")
CODE_NAME = re.compile(r"\w+")


def _spans() -> list[tuple[str, str]]:
    found = []
    for doc in DOCS:
        text = re.sub(r"```.*?```", "", doc.read_text(encoding="utf-8"), flags=re.S)
        found += [(doc.name, match.group(1)) for match in re.finditer(r"`([^`\n]+)`", text)]
    return found


@functools.cache
def _tracked_files() -> list[str]:
    listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True)
    return listed.stdout.splitlines()


def _site_packages() -> Path:
    import django

    return Path(django.__file__).resolve().parent.parent


@functools.cache
def _known_names() -> frozenset[str]:
    names: set[str] = set(OTHER_PROGRAMS)
    sources = [ROOT / package for package in OUR_PACKAGES] + [ROOT / "scripts"]
    sources += [_site_packages() / library for library in LIBRARIES]
    for source in sources:
        for path in source.rglob("*.py"):
            if path == Path(__file__).resolve():
                continue  # the names this test makes up to see that it fails
            text = path.read_text(encoding="utf-8", errors="ignore")
            names.update(a or b for a, b in DEFINED.findall(text))
            names.update(QUOTED.findall(text))
            if path.parent.name in ("commands", "templatetags"):
                names.add(path.stem)
    from django.contrib.auth.models import Permission

    names.update(Permission.objects.values_list("codename", flat=True))
    from django.apps import apps

    for model in apps.get_models():
        names.update((model._meta.db_table, model._meta.label_lower))
    return frozenset(names)


def _path_exists(text: str) -> bool:
    path = text.split(":")[0].rstrip("/")
    files = _tracked_files()
    if any(f == path or f.endswith("/" + path) or f.startswith(path + "/") for f in files):
        return True
    return (_site_packages() / path).exists()  # a library's file (openpyxl/xml/__init__.py)


def _import(name: str):
    """The module, imported without leaving a trace: a settings module (benchmarks.settings) sets
    environment variables as it loads, which the subprocesses of later tests would inherit."""
    environment = dict(os.environ)
    try:
        return importlib.import_module(name)
    finally:
        os.environ.clear()
        os.environ.update(environment)


def _dotted_exists(text: str) -> bool:
    parts = text.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = _import(".".join(parts[:cut]))
        except ImportError:
            continue
        for attribute in parts[cut:]:
            if hasattr(obj, attribute):
                obj = getattr(obj, attribute)
            elif attribute in _known_names():  # a model field, a name set in a class body
                return True
            else:
                return False
        return True
    return False


def _problem(text: str) -> str | None:
    """Why the span names nothing that exists, or None."""
    name = re.sub(r"\(.*\)$", "", text.strip())
    if text.startswith("/"):
        return None  # a URL
    if FILE.fullmatch(text.split(":")[0]) or FOLDER.fullmatch(text):
        if "/" not in text and not text.endswith((".py", ".html")):
            return None  # a file's name, such as one the application writes (bunkyo-api.yaml)
        return None if _path_exists(text) else "no such file"
    if DOTTED.fullmatch(name) and name.split(".")[0] in OUR_PACKAGES:
        if name in _known_names():
            return None  # a model's label (reports.workbookjob), as dumpdata takes it
        return None if _dotted_exists(name) else "no such module or attribute"
    if (
        CODE_NAME.fullmatch(name)
        and not name.isupper()
        and ("_" in name.strip("_") or re.search(r"[a-z][A-Z]", name))
    ):
        return None if name in _known_names() else "no such name in the code"
    return None


@pytest.mark.django_db
def test_every_name_the_docs_put_in_backticks_exists():
    problems = sorted({f"{doc}: `{text}`: {why}" for doc, text in _spans() if (why := _problem(text))})
    assert problems == [], "\n".join(problems)


@pytest.mark.django_db
def test_the_check_finds_a_name_that_does_not_exist():
    assert _problem("measures.services.progress_report_save") == "no such module or attribute"
    assert _problem("reports/print_cache.py") == "no such file"
    assert _problem("QuickSelectWidget") == "no such name in the code"
    assert _problem("measures.services.progress_report_create") is None
    assert _problem("core/clock.py") is None
