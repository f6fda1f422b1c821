"""The manager opens the workbook in LibreOffice and prints it: Debian's LibreOffice Calc (headless)
converts it to PDF, and the PDF's text is read back.

Every measure's title and every purpose's whole text must be there, uncut; the dates read as
the print pages write them (和暦 with the Western date beside). Without LibreOffice these tests
are skipped with the reason, except in CI (CI=true), where a missing LibreOffice is a failure,
as tests/test_print_browser.py does for Chromium. scripts/ensure_libreoffice.sh (run by
make test) installs it where packages may be installed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest

from core import fiscal
from measures.models import ProgressReport

from .excel import export_bytes
from .factories import seed_plan

SOFFICE = os.environ.get("LIBREOFFICE_PATH") or shutil.which("soffice") or "/usr/bin/soffice"
CONVERT_TIMEOUT = 240  # seconds: the first start of a fresh profile is slow

pytestmark = [pytest.mark.libreoffice, pytest.mark.usefixtures("demo")]


def libreoffice_unavailable(reason: str) -> None:
    """Skip, saying why; in CI (CI=true) LibreOffice is required, so fail instead."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true では LibreOffice のテストを省略できません: {reason}", pytrace=False)
    pytest.skip(reason)


def to_pdf(xlsx: Path) -> Path:
    """The workbook as LibreOffice prints it, beside it; each run with its own profile, so that
    test processes running side by side do not wait on one another's lock."""
    if not os.access(SOFFICE, os.X_OK):
        libreoffice_unavailable(
            f"{SOFFICE} がありません。make test が入れます"
            "(手動なら apt-get install libreoffice-calc-nogui fonts-noto-cjk fonts-crosextra-carlito)。"
        )
    profile = xlsx.parent / "lo-profile"
    command = [
        SOFFICE,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--norestore",
        "--convert-to",
        "pdf",
        "--outdir",
        str(xlsx.parent),
        str(xlsx),
    ]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=CONVERT_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as exc:
        libreoffice_unavailable(f"LibreOffice で PDF に変換できません: {exc}")
    pdf = xlsx.with_suffix(".pdf")
    if not pdf.exists():
        libreoffice_unavailable(f"LibreOffice が PDF を作りませんでした: {result.stderr or result.stdout}")
    return pdf


def pdf_text(pdf: Path) -> str:
    """Every page's text, NFKC, one page after another."""
    from pypdf import PdfReader

    return unicodedata.normalize(
        "NFKC", "\n".join(page.extract_text() or "" for page in PdfReader(pdf).pages)
    )


def _norm(text: str) -> str:
    """Without whitespace: a text wrapped over lines in a cell reads whole."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@pytest.fixture(scope="module")
def printed(tmp_path_factory, django_db_setup, django_db_blocker):
    """The demo workbook as of 2021-03-31, converted once for the module."""
    with django_db_blocker.unblock():
        content = export_bytes({"as_of": "2021-03-31"})
    xlsx = tmp_path_factory.mktemp("libreoffice") / "progress.xlsx"
    xlsx.write_bytes(content)
    return pdf_text(to_pdf(xlsx))


def test_every_measure_title_and_purpose_prints_whole(printed):
    plan = seed_plan()
    printed = _norm(printed)
    for measure in plan.measures.all():
        assert _norm(measure.title) in printed, measure.title
    for purpose in plan.purposes.all():
        assert _norm(f"{purpose.code} {purpose.text}") in printed, purpose.code
    assert "…" not in printed
    assert "###" not in printed  # no number or date too wide for its column


def test_dates_print_in_the_era_with_the_western_date_beside_them(printed):
    printed = _norm(printed)
    for report in ProgressReport.objects.filter(as_of__lte="2021-03-31"):
        assert _norm(fiscal.wareki_date_with_western(report.as_of)) in printed, report.as_of


def test_achievement_rates_print_as_percentages(printed):
    """Stored as fractions (1.05), they print as the rate: 105.0%, never 10500.0%."""
    printed = _norm(printed)
    for report in ProgressReport.objects.filter(as_of__lte="2021-03-31").select_related("measure"):
        target = report.measure.annual_targets.get(fiscal_year=report.fiscal_year)
        rate = target.achievement_rate(report.actual_value)
        assert f"{rate:.1f}%" in printed, (report.as_of, rate)
        if rate:  # 0.0% reads the same either way
            assert f"{rate * 100:.1f}%" not in printed
