"""axe-core finds nothing against WCAG 2.0 and 2.1, levels A and AA, on any page the application
serves, for any role: the visitor, the council, a manager, the secretariat and the system
administrator, in Debian's Chromium at 1280×800.

The pages are those of the access matrix (tests/test_access_matrix.py): every URL pattern, filled
with a real object, that answers the role with an HTML page, error pages included, and a few states
a bare address does not reach (the council report with its changes, a report page with a wrong
date). Pages drawn by the same template (an object's history, a delete page, the API's lists) are
checked once per role; every admin list, add page and change page is checked, since what a model
puts on them differs.

axe-core comes from the npm registry at the version and sha512 locked in scripts/axe/
(scripts/ensure_npm_packages.sh, run by `make browser`). It is evaluated in the page through the
DevTools protocol, which the site's Content-Security-Policy (script-src 'self') does not govern,
as it governs an injected <script>.
"""

from __future__ import annotations

import re

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.urls import reverse

from .conftest import ROOT
from .test_access_matrix import (  # noqa: F401 (objects: one object of every kind)
    ADMIN_LOGIN,
    LOGIN,
    ROLES,
    _concrete_url,
    _patterns,
    _rule,
    objects,
)
from .test_print_browser import browser, browser_test, browser_unavailable  # noqa: F401

AXE = ROOT / "build" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# States of a page that its bare address does not show, checked for whoever may open the page.
EXTRA_PAGES = [
    ("reports:print", "?since=2021-03-31"),  # the changes since the last council report
    ("reports:print", "?as_of=bad"),  # the 400 page that names the wrong condition
    ("reports:index", "?as_of=bad"),  # the report form with the reason beside the field
]
# Pages that draw themselves after the load event, and what shows they are done.
READY = {"api:docs": "#swagger-ui .opblock-tag-section"}
# Files, not pages (a workbook, CSV, JSON, the calendar feed, the schema, a script): not even asked for.
NOT_PAGES = {
    "reports:progress_xlsx",
    "rounds:answer_xlsx",  # a workbook; the answer page after an upload: tests/test_rounds_excel_browser.py
    "opendata:dataset_csv",
    "opendata:dataset_json",
    "opendata:catalog",
    "public:plan_measures_csv",
    "public:plan_measures_json",
    "public:sitemap",
    "public:robots",
    "schedule:calendar_feed",
    "api:schema",
    "admin:jsi18n",
}
# Admin pages drawn by one template whatever the model: one of each kind is enough.
SAME_TEMPLATE = re.compile(r"^admin:\w+?_(?P<kind>history|simple_history|delete|password_change)$")
API_KIND = re.compile(r"^api:\w+-(?P<kind>list|detail)$")
MAX_TARGETS = 3


def _axe_source() -> str:
    if not AXE.exists():
        browser_unavailable(f"{AXE} がありません。make browser (scripts/ensure_npm_packages.sh) が入れます。")
    return AXE.read_text(encoding="utf-8")


def _template_key(name: str, status: int) -> str:
    """Pages with the same key are drawn by the same template."""
    if status != 200:
        return f"error {status} {'admin' if name.startswith('admin:') else 'site'}"
    if match := SAME_TEMPLATE.match(name):
        return f"admin {match['kind']}"
    if match := API_KIND.match(name):
        return f"api {match['kind']}"
    return name


def _candidates(role: str, objects) -> list[tuple[str, str, int | None]]:  # noqa: F811
    """(URL name, URL, the status the access matrix expects, None for an extra state) of every
    page the role may be shown."""
    candidates = [
        (name, _concrete_url(route, name, objects), _rule(name)[role])
        for route, name in _patterns()
        # Not redirects to a login page (checked itself), POST-only addresses or files.
        if _rule(name)[role] not in (LOGIN, ADMIN_LOGIN, 405) and name not in NOT_PAGES
    ]
    return candidates + [
        (f"{name} {query}", reverse(name) + query, None)
        for name, query in EXTRA_PAGES
        if _rule(name)[role] == 200
    ]


def _violations(page, axe_source: str) -> list[dict]:
    """axe-core's violations on the page as it stands, each with its first few elements."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source)
    return page.evaluate(
        """async (tags) => {
            const results = await axe.run(document, {
                runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, count: v.nodes.length,
                targets: v.nodes.map(n => n.target.join(' ') + '  ' + n.html.slice(0, 120)),
            }));
        }""",
        AXE_TAGS,
    )


def _signed_in_context(browser, live_server, request, role: str):  # noqa: F811
    context = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 800})
    if role == "anonymous":
        return context
    user = request.getfixturevalue(role)
    page = context.new_page()
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", user.username)
    page.fill("#id_password", "pw-" + user.username)
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.url == live_server.url + reverse("home"), f"{role} signed in"
    page.close()
    return context


@browser_test
@pytest.mark.parametrize("role", ROLES)
def test_axe_finds_nothing_on_any_page_the_role_reaches(browser, live_server, objects, request, role):  # noqa: F811
    axe_source = _axe_source()
    # Sign-in records as axes keeps them: each with the address it was made at.
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        model.objects.update(path_info=reverse("login"))
    context = _signed_in_context(browser, live_server, request, role)
    page = context.new_page()
    checked, found = set(), []
    for name, url, expected in _candidates(role, objects):
        if expected is not None and _template_key(name, expected) in checked:
            continue  # a page of the same template is checked already
        response = page.goto(live_server.url + url)
        html = response.headers.get("content-type", "").startswith("text/html")
        if response.request.redirected_from or not html or not response.body().strip():
            continue  # a redirect, or the API's JSON for a visitor
        key = name if expected is None else _template_key(name, response.status)
        if key in checked:
            continue
        checked.add(key)
        if selector := READY.get(name):
            page.wait_for_selector(selector)
        for v in _violations(page, axe_source):
            targets = "\n      ".join(v["targets"][:MAX_TARGETS])
            more = f" ほか{v['count'] - MAX_TARGETS}件" if v["count"] > MAX_TARGETS else ""
            found.append(
                f"{url} ({name}): {v['id']} [{v['impact']}] {v['help']}, {v['count']}件{more}\n      {targets}"
            )
    context.close()
    assert len(checked) >= 4, f"{role}: only {sorted(checked)}"
    assert not found, f"{role}: {len(checked)}ページ中の違反:\n" + "\n".join(found)
