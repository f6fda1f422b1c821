"""A real browser prints the council's pages: Debian's Chromium, driven by Playwright, against a live server.

The council account signs in through the login form, prints /reports/print/ to a PDF and
pypdf reads it back: the number of A4 pages, one purpose per page, every measure's title,
the page numbers, the fonts. The layout is then measured in print media against the
printable width of A4. Without a browser these tests are skipped with the reason, except
in CI (CI=true), where a missing browser is a failure.
"""

from __future__ import annotations

import io
import os
import re
import unicodedata
from datetime import date

import pytest
from django.contrib.auth.models import Group
from django.contrib.staticfiles import finders
from django.db import connections
from django.urls import reverse

from bunkyo import roles
from core import fiscal
from core.clock import today
from measures.models import Measure, Purpose
from schedule.models import Body, ScheduledItem

from .factories import add_report, add_target, make_measure, seed_plan

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
A4_MM = (210, 297)
PX_PER_MM = 96 / 25.4
PT_PER_MM = 72 / 25.4
# The fonts print.css asks for, as they are named inside a PDF.
LOCAL_FONTS = ("NotoSansCJK", "NotoSansJP", "IPAexGothic", "IPAGothic", "Hiragino", "YuGothic", "Meiryo")


def browser_test(function):
    """A test that drives Chromium against the live server: its data must be committed for the
    server's thread to see it, so the database is emptied (flushed) after it."""
    function = pytest.mark.browser(function)
    return pytest.mark.django_db(transaction=True)(function)


def browser_unavailable(reason: str) -> None:
    """Skip, saying why; in CI (CI=true) the browser is required, so fail instead."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true ではブラウザのテストを省略できません: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def browser():
    # Playwright's sync API runs an event loop in this thread; Django would otherwise refuse
    # the ORM calls the tests make while it runs. Set only while the browser is up.
    # One browser per test: started after the test's database is ready, stopped before it is flushed.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        try:
            from playwright.sync_api import sync_playwright
        except ImportError as exc:
            browser_unavailable(f"Playwright が入っていません ({exc})。make test で入ります。")
        if not os.access(CHROMIUM, os.X_OK):
            browser_unavailable(
                f"{CHROMIUM} がありません。make test が入れます(手動なら apt-get install chromium fonts-noto-cjk)。"
            )
        playwright = sync_playwright().start()
        try:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        except Exception as exc:  # a broken install, a missing library, no sandbox support …
            playwright.stop()
            browser_unavailable(f"{CHROMIUM} を起動できません: {exc}")
        yield chromium
        chromium.close()
        # While the loop runs, Django keeps this thread's database connections apart from the
        # usual ones (as for async code); close those before they are out of reach, or the
        # test database cannot be dropped at the end (PostgreSQL: "being accessed by other users").
        connections.close_all()
        playwright.stop()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


COUNCIL_PASSWORD = "pw-giin-browser"


@pytest.fixture
def council(transactional_db, role_groups, django_user_model):
    """The council account (overrides conftest's) with a password the browser types."""
    user = django_user_model.objects.create_user(
        username="giin", password=COUNCIL_PASSWORD, last_name="議会 次郎"
    )
    user.groups.add(Group.objects.get(name=roles.COUNCIL))
    return user


@pytest.fixture
def council_page(browser, live_server, demo, council):
    """A browser tab signed in as the council account through the login form, recording every request."""
    context = browser.new_context(locale="ja-JP")
    page = context.new_page()
    page.requested = []
    page.on("request", lambda request: page.requested.append(request.url))
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", council.username)
    page.fill("#id_password", COUNCIL_PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.url == live_server.url + reverse("home"), "the council account signed in"
    yield page
    context.close()


def _print_pdf(page, url: str):
    """Open the page, switch to print media and print it to a PDF, read back with pypdf."""
    from pypdf import PdfReader

    response = page.goto(url)
    assert response.status == 200
    page.emulate_media(media="print")
    # prefer_css_page_size: the page's own @page size wins, as in the browser's print dialog.
    return PdfReader(io.BytesIO(page.pdf(format="A4", prefer_css_page_size=True)))


def _norm(text: str) -> str:
    """PDF text as stored text would read: NFKC, the middle dot, no whitespace.

    Chromium names each glyph in the PDF by one of the characters the font draws with it:
    NFKC turns Kangxi radicals (⽂) back into kanji (文), and Noto Sans CJK's ・ comes out as U+2027.
    """
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text).replace("\u2027", "・"))


def _contains(pdf_text: str, stored: str) -> bool:
    """Whether the stored text is in the PDF text, letting a kanji come out as its look-alike
    radical from the CJK Radicals Supplement (民 as ⺠), which no normalisation maps back."""
    pattern = "".join(
        f"[{ch}\u2e80-\u2eff]" if "\u4e00" <= ch <= "\u9fff" else re.escape(ch) for ch in _norm(stored)
    )
    return re.search(pattern, pdf_text) is not None


def _page_margins_mm() -> tuple[float, float, float, float]:
    """The @page margins print.css sets (top, right, bottom, left), read from the stylesheet itself."""
    css = open(finders.find("core/print.css"), encoding="utf-8").read()
    rule = re.search(r"@page\s*\{[^}]*?margin:\s*([^;]+);", css)
    v = [float(value.removesuffix("mm")) for value in rule.group(1).split()]
    return {1: v * 4, 2: v * 2, 3: v + v[1:2], 4: v}[len(v)]


def _sizes_mm(reader) -> list[tuple[int, int]]:
    return [
        (round(float(p.mediabox.width) / PT_PER_MM), round(float(p.mediabox.height) / PT_PER_MM))
        for p in reader.pages
    ]


def _fonts(reader) -> set[str]:
    """The names of the fonts the PDF embeds (Chromium writes CJK fonts as Type 3 with a descriptor)."""
    names = set()
    for page in reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor", {})
            names.add(
                str(font.get("/BaseFont") or descriptor.get("/FontName") or descriptor.get("/FontFamily"))
            )
    return names


# ---- The skip rule itself ----


def test_without_a_browser_the_tests_are_skipped_with_the_reason(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="chromium がありません"):
        browser_unavailable("chromium がありません")


def test_in_ci_a_missing_browser_is_a_failure_not_a_skip(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        browser_unavailable("chromium がありません")


# ---- Printing with a real browser ----


def _top_margin_text(page, margin_mm: float) -> str:
    """The text printed in a page's top margin: the running title, if any."""
    top = float(page.mediabox.height) - margin_mm * PT_PER_MM
    parts = []

    def visit(text, cm, tm, font, size):
        y = (tm[5] * cm[3] + cm[5]) if cm else tm[5]
        if y > top:
            parts.append(text)

    page.extract_text(visitor_text=visit)
    return _norm("".join(parts))


@browser_test
def test_the_council_report_prints_on_a4_with_one_purpose_per_page(council_page, live_server):
    reader = _print_pdf(council_page, live_server.url + reverse("reports:print"))
    plan = seed_plan()
    purposes = list(
        Purpose.objects.filter(plan=plan, measures__isnull=False).distinct().order_by("order", "code")
    )
    total = len(reader.pages)
    assert total >= 2 + len(purposes), "the cover, the summary, then one section per purpose"
    assert _sizes_mm(reader) == [A4_MM] * total, "A4 portrait"
    texts = [_norm(page.extract_text()) for page in reader.pages]
    for number, text in enumerate(texts, start=1):
        assert f"{number}/{total}" in text, f"page {number} has its number in the footer"
    assert (
        _contains(texts[0], "文京区")
        and _contains(texts[0], plan.name)
        and _contains(texts[1], "進捗状況の概要")
    )
    # Each purpose starts a sheet of its own, and its measures follow it before the next purpose.
    starts = [
        next(
            i
            for i, text in enumerate(texts)
            if _contains(text, f"計画の目的{p.code}") and _contains(text, p.text) and i >= 2
        )
        for p in purposes
    ]
    assert starts == sorted(starts) and starts[0] == 2
    for purpose, start, end in zip(purposes, starts, starts[1:] + [total], strict=True):
        section = "".join(texts[start:end])
        for measure in purpose.measures.all():
            assert _contains(section, measure.title), f"{measure.title} is in its purpose's section"
    everything = "".join(texts)
    for measure in Measure.objects.filter(plan=plan):
        assert _contains(everything, measure.title)
    assert "この条件で表示" not in everything and "印刷する" not in everything, "no form or button on paper"
    assert "詳細設定" not in everything, "the hint about the browser's header is for the screen"
    assert any(name in font for font in _fonts(reader) for name in LOCAL_FONTS), _fonts(reader)
    outside = [
        url for url in council_page.requested if not url.startswith((live_server.url, "data:", "about:"))
    ]
    assert outside == [], "nothing is loaded from outside the server"


@browser_test
def test_the_cover_carries_the_date_of_issue_and_the_chart_and_later_pages_the_running_title(
    council_page, live_server
):
    reader = _print_pdf(council_page, live_server.url + reverse("reports:print"))
    plan = seed_plan()
    top_margin = _page_margins_mm()[0]
    cover = _norm(reader.pages[0].extract_text())
    issued = fiscal.wareki_date_with_western(today())
    assert _contains(cover, f"作成日{issued}") and _contains(cover, "文京区企画政策部情報政策課")
    # The chart: its caption, each purpose's heading and a bar for each year of the plan.
    assert _contains(cover, "評価の内訳")
    for purpose in Purpose.objects.filter(plan=plan):
        assert _contains(cover, f"{purpose.code}{purpose.text}")
    for year in plan.fiscal_years:
        assert cover.count(_norm(fiscal.fiscal_year_label(year))) >= Purpose.objects.filter(plan=plan).count()
    assert _contains(cover, "報告なし基準日までに報告がない"), "the chart's legend"
    assert _top_margin_text(reader.pages[0], top_margin) == "", "no running title on the cover"
    # The 基準日 the report chose: the plan has ended, so the last day of its period.
    running = f"{plan.name}進捗状況報告" + "基準日令和4年3月31日(2022年3月31日)"
    for number, page in enumerate(reader.pages[1:], start=2):
        head = _top_margin_text(page, top_margin)
        assert _contains(head, running), f"page {number}: {head!r}"


@browser_test
def test_no_purpose_name_is_cut_on_paper(council_page, live_server):
    reader = _print_pdf(council_page, live_server.url + reverse("reports:print") + "?as_of=2021-03-31")
    summary = _norm(reader.pages[1].extract_text())
    assert "…" not in summary
    for purpose in Purpose.objects.filter(plan=seed_plan()):
        assert _contains(summary, f"{purpose.code}{purpose.text}"), purpose.code


@browser_test
def test_no_table_is_wider_than_the_printable_width_of_a4(council_page, live_server):
    top, right, bottom, left = _page_margins_mm()
    printable = (A4_MM[0] - left - right) * PX_PER_MM
    # The print layout is as wide as the paper between the margins: give the page that width.
    council_page.set_viewport_size({"width": round(printable), "height": 1100})
    council_page.emulate_media(media="print")
    measure = Measure.objects.filter(plan=seed_plan()).first()
    for path in (
        reverse("reports:print") + "?since=2020-09-30",
        reverse("reports:print_measure", args=[measure.pk]),
    ):
        assert council_page.goto(live_server.url + path).status == 200
        tables = council_page.evaluate(
            """() => Array.from(document.querySelectorAll("table")).map((table) => {
                const box = table.getBoundingClientRect();
                const overflowing = Array.from(table.querySelectorAll("th, td"))
                    .filter((cell) => cell.scrollWidth > cell.clientWidth + 1)
                    .map((cell) => cell.textContent.trim().slice(0, 40));
                return {name: table.className, left: box.left, right: box.right, overflowing};
            })"""
        )
        assert len(tables) >= 2, path
        for table in tables:
            assert table["left"] >= -0.5 and table["right"] <= printable + 0.5, (path, table)
            assert table["overflowing"] == [], (path, table)
        assert council_page.evaluate("document.documentElement.scrollWidth") <= round(printable), path


@browser_test
def test_on_paper_only_the_report_shows_and_the_button_prints(council_page, live_server):
    council_page.add_init_script("window.print = () => { window.printed = (window.printed || 0) + 1; };")
    council_page.goto(live_server.url + reverse("reports:print"))
    for selector in (".site-header", "form.print-filter-form", "button[data-print]"):
        assert council_page.is_visible(selector), f"{selector} is on screen"
    council_page.click("button[data-print]")
    assert council_page.evaluate("window.printed") == 1
    # The hint on the browser's own header and footer: one line on a 1280-pixel screen.
    council_page.set_viewport_size({"width": 1280, "height": 800})
    assert council_page.is_visible(".print-hint")
    assert council_page.evaluate("document.querySelector('.print-hint').getClientRects().length") == 1
    assert council_page.evaluate(
        "(() => { const r = document.querySelector('.print-hint').getBoundingClientRect();"
        " return r.height < 2 * parseFloat(getComputedStyle(document.querySelector('.print-hint')).lineHeight || 24); })()"
    )
    council_page.emulate_media(media="print")
    for selector in (".site-header", "nav", "form", "button"):
        assert (
            council_page.locator(selector).evaluate_all("els => els.filter(e => e.offsetParent).length") == 0
        ), selector
    assert council_page.is_visible(".report-cover")
    assert not council_page.is_visible(".print-hint"), "the hint is not printed"


@browser_test
def test_a_long_purpose_repeats_its_headings_and_never_splits_a_measure(council_page, live_server):
    plan = seed_plan()
    purpose = Purpose.objects.get(plan=plan, code="ア")
    titles = []
    for number in range(30, 42):
        measure = make_measure(plan=plan, purpose=purpose, number=number, title=f"追加施策その{number}")
        for year in plan.fiscal_years:
            add_target(measure, year, 10, text=f"目標{number}年{year}")
            add_report(measure, year, date(year, 9, 30), actual=4, narrative="取組の説明が入ります。" * 3)
        titles.append((measure.title, [f"目標{number}年{year}" for year in plan.fiscal_years]))
    reader = _print_pdf(council_page, live_server.url + reverse("reports:print"))
    texts = [_norm(page.extract_text()) for page in reader.pages]
    section = [
        i
        for i, text in enumerate(texts)
        if _contains(text, "追加施策その") or _contains(text, "計画の目的ア")
    ]
    assert len(section) >= 2, "the example is long enough to need more than one page"
    for i in section:
        assert _contains(texts[i], "施策年度目標目標値実績値達成率評価進捗状況進捗率"), (
            f"page {i + 1} repeats the heading"
        )
    for title, targets in titles:
        pages = [i for i in section if _contains(texts[i], title)]
        assert len(pages) == 1, f"{title} is on one page"
        assert all(_contains(texts[pages[0]], target) for target in targets), (
            f"{title}: every year on that page"
        )
    # The next purpose still starts on a page of its own.
    following = section[-1] + 1
    assert _contains(texts[following], "計画の目的イ") and not _contains(texts[following], "追加施策その")


@browser_test
def test_the_schedule_prints_on_one_a4_landscape_sheet(council_page, live_server):
    reader = _print_pdf(council_page, live_server.url + reverse("schedule:table"))
    assert len(reader.pages) == 1
    assert _sizes_mm(reader) == [(A4_MM[1], A4_MM[0])], "A4 landscape"
    text = _norm(reader.pages[0].extract_text())
    for body in Body.objects.all():
        assert _contains(text, body.label)
    planned = ScheduledItem.objects.filter(fiscal_year=2018, status=ScheduledItem.Status.PLANNED).count()
    assert text.count("●") == planned + 1, "every planned item, plus the legend"
    assert "➡" in text
    issued = fiscal.wareki_date_with_western(today())
    assert _contains(text, f"作成日{issued}") and _contains(text, "文京区企画政策部情報政策課")


@browser_test
def test_the_measure_page_prints_its_date_of_issue_and_issuer_on_its_first_page(council_page, live_server):
    measure = Measure.objects.get(number=1)
    url = live_server.url + reverse("reports:print_measure", args=[measure.pk]) + "?as_of=2021-03-31"
    first = _norm(_print_pdf(council_page, url).pages[0].extract_text())
    assert _contains(first, f"施策{measure.number}{measure.title}")
    issued = fiscal.wareki_date_with_western(today())
    assert _contains(first, f"作成日{issued}") and _contains(first, "文京区企画政策部情報政策課")
