"""Every admin page fits a 1280×800 screen, in Debian's Chromium, as the system administrator sees it.

For each registered model, its list, its add page and the change page of its first object: the page
does not scroll sideways, no table is cut off in a box that scrolls sideways, nothing reaches past the
right edge of the window, and no table cell is squeezed so narrow that its text stands a character
or two to a line (削除しますか? down the side of the 年度目標 inline, 予定月 on six lines).
The date and time pickers open inside the window wherever their field is.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib import admin
from django.urls import reverse

from rounds.models import ProgressImport
from schedule.models import ScheduledItem

from .screenshots import save_screenshot
from .test_access_matrix import objects  # noqa: F401 (one object of every kind)
from .test_print_browser import browser, browser_test  # noqa: F401 (the browser fixture)

WIDTH, HEIGHT = 1280, 800
PASSWORD = "pw-root-layout"
# A cell whose text wraps must hold at least this many characters a line on average: fewer, and
# its column has been squeezed (確認/待ち, 平成30/年度(20/18年度) on six lines, one character a line).
MIN_CHARACTERS_A_LINE = 3
# The pages the issue named, kept as screenshots in build/screenshots/.
SCREENSHOTS = {
    "schedule_scheduleditem_changelist": "layout-scheduled-items",
    "rounds_progressimport_changelist": "layout-import-records",
    "measures_measure_change": "layout-measure-page",
}

# What a person at a 1280 px screen would call broken, in the words of the failure message.
LAYOUT_PROBLEMS = r"""() => {
  const width = window.innerWidth;
  const problems = [];
  const name = el => {
    const text = (el.innerText || el.value || '').trim().replace(/\s+/g, ' ').slice(0, 40);
    return `<${el.tagName.toLowerCase()}${el.id ? ' id=' + el.id : ''}${el.className && typeof el.className === 'string' ? ' class="' + el.className.trim() + '"' : ''}> 「${text}」`;
  };
  const scrollWidth = document.documentElement.scrollWidth;
  if (scrollWidth > width) problems.push(`ページが横にスクロールする (幅 ${scrollWidth}px)`);
  for (const el of document.querySelectorAll('body *')) {
    if (!el.checkVisibility({visibilityProperty: true, opacityProperty: true})) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (box.right > width + 0.5 && !el.closest('.visually-hidden')) {
      problems.push(`${name(el)} が画面の右端を越える (${Math.round(box.left)}〜${Math.round(box.right)}px)`);
    }
    const overflow = getComputedStyle(el).overflowX;
    if ((overflow === 'auto' || overflow === 'scroll') && el.scrollWidth > el.clientWidth + 1
        && !el.matches('input, textarea, select')) {
      problems.push(`${name(el)} が切れて横スクロールになる (中身 ${el.scrollWidth}px、枠 ${el.clientWidth}px)`);
    }
  }
  // A cell's lines: its text fragments grouped by their vertical middle.
  for (const cell of document.querySelectorAll('th, td')) {
    const lines = [];
    let characters = 0;
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const text = walker.currentNode.textContent.replace(/\s/g, '');
      if (!text) continue;
      const range = document.createRange();
      range.selectNodeContents(walker.currentNode);
      const boxes = [...range.getClientRects()].filter(b => b.width > 0 && b.height > 0);
      if (!boxes.length) continue;
      characters += text.length;
      for (const b of boxes) {
        const middle = b.top + b.height / 2;
        if (!lines.some(line => Math.abs(line - middle) < b.height / 2)) lines.push(middle);
      }
    }
    if (lines.length > 1 && characters / lines.length < %(min)d) {
      problems.push(`${name(cell)} が ${lines.length} 行に折り返される (1行 ${(characters / lines.length).toFixed(1)} 字)`);
    }
  }
  return problems;
}""".replace("%(min)d", str(MIN_CHARACTERS_A_LINE))


@pytest.fixture
def root_page(browser, live_server, objects, django_user_model):  # noqa: F811
    """A 1280×800 tab signed in through the login form as the system administrator, who sees every
    admin page; with an upload of two files, as the secretariat's are."""
    user = django_user_model.objects.create_superuser("kanri", password=PASSWORD, last_name="システム 管理者")
    upload = ProgressImport.objects.get()
    upload.files = [
        {"name": "進捗報告_情報政策課_令和3年度.xlsx", "sha256": "0" * 64},
        {"name": "進捗報告_区民課_令和3年度.xlsx", "sha256": "1" * 64},
    ]
    upload.save(update_fields=["files"])
    # Each meeting on a day of its month, held the next day: both date columns filled.
    for item in ScheduledItem.objects.all():
        year = item.fiscal_year + (item.planned_month < 4)
        ScheduledItem.objects.filter(pk=item.pk).update(
            planned_date=date(year, item.planned_month, 15), actual_date=date(year, item.planned_month, 16)
        )
    context = browser.new_context(locale="ja-JP", viewport={"width": WIDTH, "height": HEIGHT})
    page = context.new_page()
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    page.base = live_server.url
    yield page
    context.close()


def _model_pages() -> list[tuple[str, str]]:
    """(URL name, URL) of every registered model's list, add page and its first object's change page."""
    pages = []
    for model in sorted(admin.site._registry, key=lambda m: m._meta.label):
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        pages.append((f"{prefix}_changelist", reverse(f"{prefix}_changelist")))
        pages.append((f"{prefix}_add", reverse(f"{prefix}_add")))
        first = model._default_manager.order_by("pk").first()
        assert first is not None, f"no {model.__name__} to open its change page"
        pages.append((f"{prefix}_change", reverse(f"{prefix}_change", args=[first.pk])))
    return pages


def _open(page, url: str) -> bool:
    """Open an admin page; False when it is not one for this user (an add page nobody has)."""
    response = page.goto(page.base + url)
    return response.status == 200


@browser_test
def test_no_admin_page_is_wider_than_a_1280_px_screen(root_page):
    found, seen = {}, 0
    for name, url in _model_pages():
        if not _open(root_page, url):
            continue
        seen += 1
        if shot := SCREENSHOTS.get(name.removeprefix("admin:")):
            save_screenshot(root_page, shot, full_page=True)
        if problems := root_page.evaluate(LAYOUT_PROBLEMS):
            found[url] = problems
    assert seen > 50, f"only {seen} admin pages opened"
    assert not found, "\n".join(
        f"{url}:\n  "
        + "\n  ".join(problems[:8])
        + (f"\n  … ほか {len(problems) - 8} 件" if len(problems) > 8 else "")
        for url, problems in found.items()
    )


def _rightmost(page, selector: str):
    """The visible element of ``selector`` farthest to the right, or None."""
    elements = [e for e in page.locator(selector).all() if e.is_visible()]
    return max(elements, key=lambda e: e.bounding_box()["x"], default=None)


@browser_test
def test_the_date_and_time_pickers_open_inside_the_window(root_page):
    opened = []
    outside = []
    for name, url in _model_pages():
        if name.endswith("_changelist") or not _open(root_page, url):
            continue
        for link, box in (("a[id^=calendarlink]", ".calendarbox"), ("a[id^=clocklink]", ".clockbox")):
            icon = _rightmost(root_page, link)
            if icon is None:
                continue
            icon.click()
            popup = root_page.locator(box).filter(visible=True)
            popup.wait_for()
            edges = popup.evaluate(
                "b => { const r = b.getBoundingClientRect();"
                " return [r.left, r.top, r.right, r.bottom, innerWidth, innerHeight]; }"
            )
            left, top, right, bottom, width, height = edges
            opened.append(url)
            if left < 0 or top < 0 or right > width or bottom > height:
                outside.append(f"{url} {box}: x {left:.0f}〜{right:.0f}, y {top:.0f}〜{bottom:.0f}")
            root_page.keyboard.press("Escape")
            popup.wait_for(state="hidden")
    assert len(opened) >= 5, f"pickers opened on {opened}"
    assert not outside, "開いた日付・時刻の選択が画面からはみ出す:\n" + "\n".join(outside)
