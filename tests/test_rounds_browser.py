"""A collection round in Chromium, as people live it: the department's day, from the e-mail to the
submission, at 1280×800 and on a 375 px phone, then the secretariat's review and 承認. axe-core finds
nothing on each screen. The screenshots (docs/rounds.md) are saved by tests/screenshots.py."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core import mail

from measures.models import ProgressReport
from rounds.models import Answer
from rounds.services import round_create, round_transition

from .factories import seed_plan
from .screenshots import save_screenshot
from .test_accessibility_browser import _axe_source, _violations
from .test_print_browser import browser, browser_test  # noqa: F401
from .test_rounds import MAILS_SENT_AT_ONCE, lead_last

WIDE = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 740}


def _sign_in(page, live_server, user, next_url: str) -> None:
    """Follow the e-mail's link: the sign-in page first, then the page the link named."""
    page.goto(next_url)
    assert "/accounts/login/" in page.url
    page.fill("#id_username", user.username)
    page.fill("#id_password", "pw-" + user.username)
    with page.expect_navigation():
        page.click("button[type=submit]")


def _no_violations(page, axe_source: str) -> None:
    found = _violations(page, axe_source)
    assert not found, f"{page.url}: {found}"


@browser_test
@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["1280", "375"])
def test_a_department_answers_from_the_email_and_the_secretariat_accepts(
    browser,  # noqa: F811
    live_server,
    demo,
    secretariat,
    department,
    viewport,
    django_capture_on_commit_callbacks,
    settings,
):
    settings.TASKS = MAILS_SENT_AT_ONCE  # the worker's sending runs at the commit: the outbox holds it
    axe_source = _axe_source()
    mail.outbox.clear()
    lead_last()  # 広報課 answers for 施策2, which it shares with 情報政策課
    round_ = round_create(
        plan=seed_plan(),
        fiscal_year=2021,
        as_of=date(2021, 12, 31),
        deadline=date(2040, 6, 30),
        message="令和3年度第3四半期の実績を入力してください。",
        by=secretariat,
    )
    with django_capture_on_commit_callbacks(execute=True):
        round_transition(round_=round_, action="open", by=secretariat, loaded_version=round_.version)
    message = next(m for m in mail.outbox if m.to == ["koho@example.jp"])
    link = re.search(r"回答のページ: (\S+)", message.body)[1]
    path = link.split("//", 1)[1].split("/", 1)[1]
    suffix = "" if viewport is WIDE else "-375"

    context = browser.new_context(locale="ja-JP", viewport=viewport)
    page = context.new_page()
    _sign_in(page, live_server, department, f"{live_server.url}/{path}")
    assert page.locator("h1").inner_text().startswith("広報課の回答")
    _no_violations(page, axe_source)
    save_screenshot(page, f"rounds-answer{suffix}", full_page=True)

    card = page.locator("fieldset.measure-card").first
    card.get_by_label("実績値").fill("130")
    card.get_by_label("進捗状況").select_option(label="○ 実施中")
    card.get_by_label("進捗率(%)").fill("75")
    card.get_by_label("取組実績").fill("公開データセットを3件追加しました。")
    # The draft saves itself two seconds after the typing stops (answer.js).
    page.wait_for_function(
        "() => document.querySelector('.autosave-status').textContent.includes('下書きを自動保存しました')"
    )
    row = Answer.objects.get(round=round_, department__name="広報課").rows.get()
    assert (row.actual_value, row.narrative, row.entered_by) == (
        130,
        "公開データセットを3件追加しました。",
        department,
    )
    card.get_by_label("課題").fill("更新の手間")
    with page.expect_navigation():
        page.get_by_role("button", name="下書きを保存").click()
    assert "1件の施策の入力を保存しました(下書き)。まだ提出していません。" in page.inner_text("main")
    with page.expect_navigation():
        page.get_by_role("button", name="提出する").click()
    assert "回答を提出しました。事務局が確かめます。" in page.inner_text("main")
    assert "回答の状態: 提出済" in page.inner_text("main")
    _no_violations(page, axe_source)
    save_screenshot(page, f"rounds-submitted{suffix}", full_page=True)
    context.close()

    context = browser.new_context(locale="ja-JP", viewport=viewport)
    page = context.new_page()
    _sign_in(page, live_server, secretariat, f"{live_server.url}/rounds/{round_.pk}/")
    text = page.inner_text("main")
    assert re.search(r"提出済\s*1\s*課", text) and re.search(r"未着手\s*3\s*課", text)
    _no_violations(page, axe_source)
    save_screenshot(page, f"rounds-dashboard{suffix}", full_page=True)
    with page.expect_navigation():
        page.get_by_role("link", name="広報課").click()
    assert "変更" in page.inner_text("main")
    _no_violations(page, axe_source)
    save_screenshot(page, f"rounds-review{suffix}", full_page=True)
    with page.expect_navigation():
        page.get_by_role("button", name="承認").click()
    assert "広報課の回答を「承認済」にしました。" in page.inner_text("main")
    context.close()
    answer = Answer.objects.get(round=round_, department__name="広報課")
    assert answer.state == Answer.State.ACCEPTED
    report = ProgressReport.objects.get(measure__number=2, as_of=date(2021, 12, 31))
    assert (report.author, report.accepted_by, report.actual_value) == (department, secretariat, 130)


@browser_test
def test_the_secretariat_edits_a_round_before_opening_it_and_chooses_in_a_conflict(
    browser,  # noqa: F811
    live_server,
    demo,
    secretariat,
    django_user_model,
):
    """The edit page from the dashboard's link; a colleague's change of the same 依頼文 meanwhile is
    shown with both values and a choice; the other field typed is kept and saved."""
    from rounds.services import round_update

    axe_source = _axe_source()
    lead_last()
    round_ = round_create(
        plan=seed_plan(),
        fiscal_year=2021,
        as_of=date(2021, 12, 31),
        deadline=date(2040, 6, 30),
        message="令和3年度の実績をお知らせください。",
        by=secretariat,
    )
    context = browser.new_context(locale="ja-JP", viewport=WIDE)
    page = context.new_page()
    _sign_in(page, live_server, secretariat, f"{live_server.url}/rounds/{round_.pk}/")
    with page.expect_navigation():
        page.get_by_role("link", name="照会の内容を編集").click()
    assert page.locator("h1").inner_text() == "照会の内容を編集"
    _no_violations(page, axe_source)
    save_screenshot(page, "rounds-edit")

    # A colleague saves another 依頼文 while the page is open.
    colleague = django_user_model.objects.create_user(username="jimu2", last_name="事務局 次子")
    colleague.groups.add(*secretariat.groups.all())
    round_update(
        round_=round_,
        fiscal_year=2021,
        as_of=date(2021, 12, 31),
        deadline=date(2040, 6, 30),
        message="第3四半期までの実績をお知らせください。",
        departments=list(round_.departments.all()),
        by=colleague,
        loaded_version=round_.version,
    )
    page.get_by_label("回答期限").fill("2040/07/15")
    page.get_by_label("依頼文").fill("12月末までの実績と課題をお知らせください。")
    with page.expect_navigation():
        page.get_by_role("button", name="変更を保存する").click()
    main = page.inner_text("main")
    assert "事務局 次子がこの項目を「第3四半期までの実績をお知らせください。」に変更しています。" in main
    assert page.get_by_label("回答期限").input_value() == "2040/07/15"
    _no_violations(page, axe_source)
    save_screenshot(page, "rounds-edit-conflict", full_page=True)

    page.get_by_label("あなたの入力").check()
    with page.expect_navigation():
        page.get_by_role("button", name="変更を保存する").click()
    assert "の内容を変更しました(準備中)。" in page.inner_text("main")
    context.close()
    round_.refresh_from_db()
    assert (round_.message, round_.deadline) == (
        "12月末までの実績と課題をお知らせください。",
        date(2040, 7, 15),
    )
