"""The manager opens the workbook in LibreOffice and prints it: Debian's LibreOffice Calc (headless)
converts it to PDF, and the PDF's text is read back.

Every measure's title and every purpose's whole text must be there, uncut; the dates read as
the print pages write them (和暦 with the Western date beside). Without LibreOffice these tests
are skipped with the reason, except in CI (CI=true), where a missing LibreOffice is a failure,
as tests/test_print_browser.py does for Chromium. scripts/ensure_libreoffice.sh (run by
make test) installs it where packages may be installed.
"""

from __future__ import annotations

import html
import itertools
import math
import os
import re
import shutil
import statistics
import subprocess
import unicodedata
from dataclasses import astuple, dataclass
from pathlib import Path

import pytest

from core import fiscal
from measures.models import ProgressReport
from measures.sheets.exchange import HISTORY_TITLE
from reports.sheets.history import HISTORY_COLUMNS
from reports.sheets.overview import CHART_TITLE

from .excel import GENERATED_AT, export_bytes
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
def printed_pdf(tmp_path_factory, django_db_setup, django_db_blocker) -> Path:
    """The demo workbook as of 2021-03-31, converted once for the module."""
    with django_db_blocker.unblock():
        content = export_bytes({"as_of": "2021-03-31"})
    xlsx = tmp_path_factory.mktemp("libreoffice") / "progress.xlsx"
    xlsx.write_bytes(content)
    return to_pdf(xlsx)


@pytest.fixture(scope="module")
def printed(printed_pdf) -> str:
    return pdf_text(printed_pdf)


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


def test_every_page_names_its_date_of_issue_and_the_issuing_department(printed_pdf):
    from pypdf import PdfReader

    issued = _norm(f"作成日 {fiscal.wareki_date_with_western(GENERATED_AT.date())}")
    for number, page in enumerate(PdfReader(printed_pdf).pages, 1):
        text = _norm(page.extract_text())
        assert issued in text and "文京区企画政策部情報政策課" in text, f"page {number}"


def _sheet_pages(pdf: Path, title: str) -> list:
    """The pages LibreOffice printed for one sheet: those whose header names it."""
    from pypdf import PdfReader

    return [page for page in PdfReader(pdf).pages if title in _norm(page.extract_text() or "")]


def test_each_report_in_the_history_prints_whole_across_one_page(printed_pdf):
    """Every page of 進捗履歴 carries the whole heading row, from 報告基準日 to the withdrawal, and
    a report's date, figures and words all print on one page: never its right half on another."""
    pages = [_norm(page.extract_text()) for page in _sheet_pages(printed_pdf, HISTORY_TITLE)]
    assert pages
    first, last = _norm(HISTORY_COLUMNS[0][0]), _norm(HISTORY_COLUMNS[-1][0])
    for number, text in enumerate(pages, 1):
        assert 0 <= text.find(first) < text.find(last), f"page {number} holds the headings, first to last"
        assert re.search(r"令和\d+年\d+月\d+日\(\d{4}年", text), f"page {number} holds reports, dated"
    for report in ProgressReport.objects.filter(as_of__lte="2021-03-31"):
        (page,) = [text for text in pages if _norm(report.narrative) in text]
        assert _norm(fiscal.wareki_date_with_western(report.as_of)) in page
        for words in (report.issues, report.next_steps):
            assert _norm(words) in page, (report.as_of, words)


def test_the_history_prints_its_text_at_8_points_or_more(printed_pdf):
    """Fitted to the page's width by LibreOffice itself: no word of it smaller than 8 pt."""
    sizes = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            sizes.append(size * math.hypot(tm[2], tm[3]) * math.hypot(cm[2], cm[3]))

    for page in _sheet_pages(printed_pdf, HISTORY_TITLE):
        page.extract_text(visitor_text=visit)
    assert sizes and min(sizes) >= 7.95, min(sizes)  # 8 pt, as the PDF rounds it


# ---- The chart in grey ----
# poppler's tools read the PDF as a printer would: pdftotext -bbox places each word, pdftoppm
# -gray draws a part of a page in 256 greys (PGM), as a black-and-white printer prints it.
GREY_DPI = 300
WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


def _poppler(tool: str) -> str:
    """The path of one of poppler's tools; skipped (failed in CI) without them, as without LibreOffice."""
    path = shutil.which(tool)
    if path is None:
        libreoffice_unavailable(
            f"{tool} がありません。make test が入れます(手動なら apt-get install poppler-utils)。"
        )
    return path


def _words(pdf: Path, page: int) -> list[Word]:
    """Each word of a page (1-based) with its box, in points from the top left."""
    out = subprocess.run(
        [_poppler("pdftotext"), "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [Word(html.unescape(m[4]), *(float(v) for v in m[:4])) for m in WORD.findall(out)]


def _grey_pixels(pdf: Path, page: int, x: float, y: float, width: float, height: float) -> list[list[int]]:
    """A part of a page (in points) as a black-and-white printer draws it: rows of greys, 0 black, 255 white."""
    scale = GREY_DPI / 72
    pgm = subprocess.run(
        [_poppler("pdftoppm"), "-gray", "-r", str(GREY_DPI), "-f", str(page), "-l", str(page), "-singlefile"]
        + ["-x", str(round(x * scale)), "-y", str(round(y * scale))]
        + ["-W", str(round(width * scale)), "-H", str(round(height * scale)), str(pdf)],
        capture_output=True,
        check=True,
    ).stdout
    magic, columns, rows, _depth, data = pgm.split(maxsplit=4)
    assert magic == b"P5"
    columns, rows = int(columns), int(rows)
    return [list(data[r * columns : (r + 1) * columns]) for r in range(rows)]


@dataclass(frozen=True)
class Swatch:
    """How a legend's swatch looks in grey, each from 0 to 1: how light it is, how much it varies
    (a pattern, not a flat grey), and how much from row to row and from column to column (the
    direction of its lines: horizontal lines vary down, vertical ones across, diagonal ones
    neither, a grid both)."""

    mean: float
    spread: float
    down: float
    across: float

    def like(self, other: Swatch) -> bool:
        """Alike to a reader: nothing differs by as much as a tenth of the range from black to white."""
        return all(abs(a - b) < 0.1 for a, b in zip(astuple(self), astuple(other), strict=True))


def _swatch(pixels: list[list[int]]) -> Swatch:
    """The inside of the swatch drawn in ``pixels`` (its box: the pixels darker than white), its
    outline left out."""
    inked = [(r, c) for r, row in enumerate(pixels) for c, v in enumerate(row) if v < 250]
    assert inked, "a swatch is drawn"
    top, bottom = min(r for r, _ in inked), max(r for r, _ in inked)
    left, right = min(c for _, c in inked), max(c for _, c in inked)
    inset_r, inset_c = max(2, (bottom - top) // 6), max(2, (right - left) // 6)
    inside = [
        [v / 255 for v in row[left + inset_c : right - inset_c + 1]]
        for row in pixels[top + inset_r : bottom - inset_r + 1]
    ]
    every = [v for row in inside for v in row]
    return Swatch(
        mean=statistics.fmean(every),
        spread=statistics.pstdev(every),
        down=statistics.pstdev(statistics.fmean(row) for row in inside),
        across=statistics.pstdev(statistics.fmean(column) for column in zip(*inside, strict=True)),
    )


def test_the_charts_legend_tells_every_grade_apart_in_grey(printed_pdf):
    """Printed in black and white, no two grades of the 概要 chart look alike: each swatch of its
    legend differs from every other in darkness, in pattern or in the direction of its lines, as
    on the council's printed page. (The grades' pastel colours were all one pale grey.)"""
    from pypdf import PdfReader

    reader = PdfReader(printed_pdf)
    (page,) = [
        number
        for number, sheet in enumerate(reader.pages, 1)
        if _norm(CHART_TITLE) in _norm(sheet.extract_text() or "")
    ]
    words = _words(printed_pdf, page)
    grades = list(seed_plan().evaluation_scale.grades.order_by("order"))
    swatches = {}
    for grade in grades:
        # The legend reads 「評価 A」: the swatch is drawn just left of 評価, less wide than the line is tall.
        (label,) = [
            w
            for w, after in zip(words, words[1:], strict=False)
            if w.text == "評価" and after.text == grade.code and abs(after.y0 - w.y0) < 1
        ]
        height = label.y1 - label.y0
        pixels = _grey_pixels(printed_pdf, page, label.x0 - height, label.y0, height - 1, height)
        swatches[grade.code] = _swatch(pixels)
    for (one, a), (other, b) in itertools.combinations(swatches.items(), 2):
        assert not a.like(b), f"評価 {one} and 評価 {other} look alike in grey: {a}, {b}"
