"""A resident on a phone and at a desk reads the public pages in Chromium: axe-core finds nothing at
1280 and 375 px, nothing scrolls sideways at 320 px, the filters work by keyboard alone with the
focus always visible, and the 試験結果 page says what a fresh axe run finds.

The 試験結果 (opendata/accessibility_results.json, read by /accessibility/results/) is what
test_the_published_test_results_are_those_of_a_fresh_axe_run finds: the test fails when the file
differs from a fresh run (pages, violations, each success criterion's result, axe's version), so
the published results never go stale. WRITE_ACCESSIBILITY_RESULTS=1 writes the file from the run,
dated the day of the run (not the tests' fixed clock), instead of comparing.

Screenshots: build/screenshots/ by default; `SCREENSHOT_DIR=docs/screenshots` refreshes the ones
in docs/public-pages.md.
"""

from __future__ import annotations

import json
import os
import re
from urllib.parse import unquote

import pytest
import time_machine

from measures.models import Plan
from opendata.accessibility import CRITERIA, RESULTS_FILE

from .screenshots import save_screenshot
from .test_accessibility_browser import AXE, AXE_TAGS, _axe_source
from .test_print_browser import browser, browser_test  # noqa: F401 (the browser fixture)

WIDTHS = (1280, 375)
# The pages tested, one or more of each kind (docs/public-pages.md), with their titles on the 試験結果
# page. {plan} is the published plan's id, written (計画ID) on the page.
TESTED = (
    ("/plans/", "計画の進捗(公開している計画の一覧)"),
    ("/plans/{plan}/", "計画のページ"),
    ("/plans/{plan}/?purpose=%E3%82%A6&fiscal_year=2021", "計画のページ(施策を絞り込んだ状態)"),
    ("/plans/{plan}/?department=x", "計画のページ(絞り込みの条件に誤りがある状態)"),
    ("/plans/{plan}/measures/1/", "施策のページ"),
    ("/plans/{plan}/schedule/", "策定スケジュール"),
    ("/accessibility/", "ウェブアクセシビリティ方針"),
    ("/accessibility/results/", "ウェブアクセシビリティ試験結果"),
)


@pytest.fixture
def published(demo) -> Plan:
    plan = Plan.objects.get()
    Plan.objects.filter(pk=plan.pk).update(published=True)
    return plan


def _run_axe(page, axe_source: str) -> dict:
    """Every rule axe-core ran on the page, by outcome: {"violations": [...], "passes": [...], ...}."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source)
    return page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
            const rules = list => list.map(v => ({id: v.id, tags: v.tags, help: v.help, count: v.nodes.length}));
            return {version: r.testEngine.version, violations: rules(r.violations), passes: rules(r.passes),
                    incomplete: rules(r.incomplete), inapplicable: rules(r.inapplicable)};
        }""",
        AXE_TAGS,
    )


def _run_day() -> str:
    """The day the run really happened: the tests' clock is fixed (TEST_NOW), the 試験日 is not."""
    return time_machine.escape_hatch.datetime.date.today().isoformat()


def _criterion_tag(number: str) -> str:
    return "wcag" + number.replace(".", "")


def _results(runs: dict[str, list[dict]], axe_version: str) -> dict:
    """What the 試験結果 page publishes, from the runs of every page at every width."""
    criteria = {}
    for number, _name, _level in CRITERIA:
        tag = _criterion_tag(number)
        outcome: dict[str, set[str]] = {"violations": set(), "passes": set(), "inapplicable": set()}
        for page_runs in runs.values():
            for run in page_runs:
                for kind in outcome:
                    outcome[kind] |= {rule["id"] for rule in run[kind] if tag in rule["tags"]}
        rules = sorted(set().union(*outcome.values()))
        if outcome["violations"]:
            result = "不適合"
        elif outcome["passes"]:
            result = "適合"
        elif rules:
            result = "該当なし"
        else:
            result = "自動試験なし"
        criteria[number] = {"result": result, "rules": rules}
    pages = [
        {
            "path": unquote(path.format(plan="(計画ID)")),
            "title": title,
            "violations": sorted({rule["id"] for run in runs[path] for rule in run["violations"]}),
        }
        for path, title in TESTED
    ]
    return {
        "axe_version": axe_version,
        "browser": "Chromium(Debian)",
        "widths": list(WIDTHS),
        "pages": pages,
        "criteria": criteria,
    }


@browser_test
def test_the_published_test_results_are_those_of_a_fresh_axe_run(browser, live_server, published):  # noqa: F811
    axe_source = _axe_source()
    runs: dict[str, list[dict]] = {}
    found = []
    version = ""
    for width in WIDTHS:
        context = browser.new_context(locale="ja-JP", viewport={"width": width, "height": 800})
        page = context.new_page()
        requested = []
        page.on("request", lambda request, requested=requested: requested.append(request.url))
        for path, _title in TESTED:
            page.goto(live_server.url + path.format(plan=published.pk))
            run = _run_axe(page, axe_source)
            version = run["version"]
            runs.setdefault(path, []).append(run)
            found += [f"{path} at {width}px: {v['id']} {v['help']} ({v['count']})" for v in run["violations"]]
        assert all(url.startswith(live_server.url) for url in requested), "nothing loads from outside"
        context.close()
    fresh = _results(runs, version)
    if os.environ.get("WRITE_ACCESSIBILITY_RESULTS") == "1":
        RESULTS_FILE.write_text(
            json.dumps({"tested_on": _run_day(), **fresh}, ensure_ascii=False, indent=1) + "\n",
            encoding="utf-8",
        )
    stored = json.loads(RESULTS_FILE.read_text(encoding="utf-8"))
    stored.pop("tested_on")
    assert stored == fresh, (
        "試験結果が古くなっています。WRITE_ACCESSIBILITY_RESULTS=1 で試験し直してください。"
    )
    assert not found, "\n".join(found)


@browser_test
def test_nothing_scrolls_sideways_at_320_px_and_the_pages_look_right_at_both_widths(
    browser,  # noqa: F811
    live_server,
    published,
):
    wide = []
    for width in (320, *WIDTHS):
        context = browser.new_context(locale="ja-JP", viewport={"width": width, "height": 800})
        page = context.new_page()
        for path, _title in TESTED:
            page.goto(live_server.url + path.format(plan=published.pk))
            scroll = page.evaluate("document.documentElement.scrollWidth")
            if scroll > width:
                wide.append(f"{path} at {width}px: {scroll}px wide")
        if width in WIDTHS:
            for path, name in (
                ("/plans/{plan}/", "plan"),
                ("/plans/{plan}/measures/1/", "measure"),
                ("/plans/{plan}/schedule/", "schedule"),
            ):
                page.goto(live_server.url + path.format(plan=published.pk))
                save_screenshot(page, f"public-{name}-{width}", full_page=True)
        context.close()
    assert not wide, "\n".join(wide)


def _focus_style(page) -> dict:
    return page.evaluate(
        """() => { const s = getComputedStyle(document.activeElement);
                   return {tag: document.activeElement.tagName, text: document.activeElement.textContent.trim(),
                           outline: s.outlineStyle, width: s.outlineWidth, background: s.backgroundColor}; }"""
    )


@browser_test
def test_a_resident_filters_the_measures_by_keyboard_alone_and_always_sees_the_focus(
    browser,  # noqa: F811
    live_server,
    published,
):
    context = browser.new_context(locale="ja-JP", viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto(live_server.url + f"/plans/{published.pk}/")
    page.keyboard.press("Tab")
    first = _focus_style(page)
    assert first["text"] == "本文へ移動" and first["outline"] == "solid", first
    # Every stop on the way shows where the focus is.
    for _ in range(40):
        page.keyboard.press("Tab")
        style = _focus_style(page)
        assert style["outline"] == "solid" and style["width"] != "0px", style
        if page.evaluate("document.activeElement.name") == "purpose":
            break
    else:
        pytest.fail("the purpose filter was never reached by Tab")
    page.keyboard.press("ArrowDown")  # ア → the first purpose, then down to ウ
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.locator("select[name=purpose]").select_option("ウ")  # a phone's picker, in any case
    page.locator("select[name=purpose]").focus()
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.type") == "submit":
            break
    assert _focus_style(page)["outline"] == "solid"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*purpose=%E3%82%A6.*"))
    titles = page.locator(".measure-list h3").all_inner_texts()
    assert titles and all("施策" in t for t in titles)
    assert page.locator(".list-count").inner_text().startswith(f"{len(titles)}件(全5件)")
    context.close()


def test_the_axe_rules_name_every_criterion_by_its_tag():
    """Each criterion of the published table is found by axe's own tag for it (wcag143 for 1.4.3)."""
    if not AXE.exists():
        pytest.skip("axe-core is not installed (make browser)")
    source = AXE.read_text(encoding="utf-8")
    for number in ("1.1.1", "1.3.1", "1.4.3", "2.4.2", "3.1.1", "4.1.2"):
        assert f'"{_criterion_tag(number)}"' in source
