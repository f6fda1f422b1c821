"""Where the schedule's findings are seen: the schedule page, the admin change pages and check_schedule."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from schedule.models import Body, Phase, PublicCommentPeriod, ScheduledItem

from .page_text import parse

pytestmark = pytest.mark.usefixtures("seeded")

HOLIDAY_MESSAGE = (
    "IT・情報セキュリティ委員会 令和元年度(2019年度) 10月の予定日 2019/10/22(火)は祝日(即位礼正殿の儀)です。"
    "開庁日に変えてください。"
)


@pytest.fixture
def fy2019():
    """A FY2019 phase whose committee is planned on a holiday (a warning) and before its 部会 (an error)."""
    phase = Phase.objects.create(fiscal_year=2019, name="最終案検討・決定", first_month=10, last_month=3)
    subcommittee = ScheduledItem.objects.create(
        body=Body.objects.get(kind=Body.Kind.SUBCOMMITTEE),
        fiscal_year=2019,
        planned_month=10,
        planned_date=date(2019, 10, 24),
        phase=phase,
    )
    committee = ScheduledItem.objects.create(
        body=Body.objects.get(kind=Body.Kind.COMMITTEE),
        fiscal_year=2019,
        planned_month=10,
        planned_date=date(2019, 10, 22),
        phase=phase,
        subject="計画の最終案について",
    )
    return phase, subcommittee, committee


def _findings(page) -> list[tuple[str, str]]:
    section = page.find("section", cls="schedule-check")
    return [
        (li.find("span", cls="finding-level").text, li.text) for li in section.find_all("li", cls="finding")
    ]


def test_the_secretariat_sees_the_findings_on_the_schedule_page(client, secretariat, fy2019):
    client.force_login(secretariat)
    page = parse(client.get(reverse("schedule:table"), {"fiscal_year": 2019}).content)
    assert "エラー 1件 、注意" in page.find("p", cls="check-summary").text
    findings = _findings(page)
    assert findings[0][0] == "エラー"
    assert (
        "IT・情報セキュリティ委員会 2019/10/22(火)の前にIT・情報セキュリティ部会がありません。"
        in findings[0][1]
    )
    assert any(level == "注意" and HOLIDAY_MESSAGE in text for level, text in findings)
    # The committee's mark carries the error's flag (drawn by the style sheet, said in its label).
    cell = page.find("tr", cls="body-row").cells()[7]  # IT・情報セキュリティ委員会, 10月
    mark = cell.find("a", cls="check-error")
    assert mark.text == "●"
    assert mark.attrs["aria-label"] == "IT・情報セキュリティ委員会 10月 予定 計画の最終案について(エラーあり)"


def test_the_seed_year_shows_no_error(client, secretariat):
    client.force_login(secretariat)
    page = parse(client.get(reverse("schedule:table"), {"fiscal_year": 2018}).content)
    assert page.find("p", cls="check-summary").text.startswith("エラー 0件 、注意 17件 があります。")


def test_the_council_reads_the_schedule_without_the_secretariats_findings(client, council, fy2019):
    client.force_login(council)
    response = client.get(reverse("schedule:table"), {"fiscal_year": 2019})
    assert response.status_code == 200
    assert "スケジュールの確認" not in response.content.decode()


def test_the_admin_change_page_of_the_item_shows_its_findings(client, secretariat, fy2019):
    _, subcommittee, committee = fy2019
    client.force_login(secretariat)
    page = client.get(reverse("admin:schedule_scheduleditem_change", args=[committee.pk])).content.decode()
    assert "スケジュールの確認" in page
    assert HOLIDAY_MESSAGE in page
    assert "IT・情報セキュリティ委員会 2019/10/22(火)の前にIT・情報セキュリティ部会がありません。" in page
    # The 部会's own page shows only what is about it: past its day and still 予定 (checked today).
    other = client.get(
        reverse("admin:schedule_scheduleditem_change", args=[subcommittee.pk])
    ).content.decode()
    assert (
        "IT・情報セキュリティ部会 令和元年度(2019年度) 10月は、予定日 2019/10/24(木)を過ぎましたが" in other
    )
    assert "の前にIT・情報セキュリティ部会がありません" not in other
    assert HOLIDAY_MESSAGE not in other


def test_an_item_with_nothing_wrong_says_so_in_the_admin(client, secretariat):
    item = ScheduledItem.objects.create(
        body=Body.objects.get(kind=Body.Kind.COUNCIL), kind="report", fiscal_year=2100, planned_month=6
    )
    client.force_login(secretariat)
    page = client.get(reverse("admin:schedule_scheduleditem_change", args=[item.pk])).content.decode()
    assert "この会議・報告の予定には、エラーも注意もありません。" in page


def test_the_admin_change_page_of_a_public_comment_shows_its_findings(client, secretariat, settings):
    settings.PUBLIC_COMMENT_MIN_DAYS = 40
    period = PublicCommentPeriod.objects.get(fiscal_year=2018)
    period.start_date, period.end_date = date(2018, 12, 3), date(2019, 1, 4)
    PublicCommentPeriod.objects.filter(pk=period.pk).update(
        start_date=period.start_date, end_date=period.end_date
    )
    client.force_login(secretariat)
    page = client.get(reverse("admin:schedule_publiccommentperiod_change", args=[period.pk])).content.decode()
    assert (
        "意見募集期間は33日です。公表日を1日目として40日以上必要です。募集終了日を2019/01/11(金)以降にしてください。"
        in page
    )


def test_the_admin_change_page_of_a_phase_shows_that_its_committee_is_not_recorded(client, secretariat):
    phase = Phase.objects.get(fiscal_year=2018, name="骨子検討")
    client.force_login(secretariat)
    page = client.get(reverse("admin:schedule_phase_change", args=[phase.pk])).content.decode()
    assert (
        "平成30年度(2018年度)の「骨子検討」の会議はすべて予定の日を過ぎましたが、委員会の実施済の記録がありません。"
        in page
    )


def test_the_admin_change_page_reads_a_fixed_number_of_queries(
    client, secretariat, fy2019, django_assert_num_queries
):
    _, _, committee = fy2019
    client.force_login(secretariat)
    url = reverse("admin:schedule_scheduleditem_change", args=[committee.pk])
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for day in range(1, 20):
        ScheduledItem.objects.create(
            body=committee.body,
            fiscal_year=2019,
            planned_month=11,
            planned_date=date(2019, 11, day),
            phase=committee.phase,
        )
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(url)


def test_check_schedule_exits_1_on_an_error_and_names_it(fy2019):
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="エラーが1件あります。") as raised:
        call_command("check_schedule", "--fiscal-year", "令和元年度", stdout=out, stderr=err)
    assert raised.value.returncode == 1
    assert (
        "エラー: 令和元年度(2019年度)の「最終案検討・決定」で、IT・情報セキュリティ委員会 2019/10/22(火)の前に"
        in err.getvalue()
    )
    assert f"注意: {HOLIDAY_MESSAGE}" in out.getvalue()
    assert "令和元年度(2019年度)の策定スケジュール: エラー 1件、注意" in out.getvalue()


def test_check_schedule_exits_0_with_warnings_only():
    out, err = StringIO(), StringIO()
    call_command("check_schedule", "--fiscal-year", "2018", stdout=out, stderr=err)
    assert err.getvalue() == ""
    assert "平成30年度(2018年度)の策定スケジュール: エラー 0件、注意" in out.getvalue()


def test_check_schedule_checks_every_year_by_default(fy2019):
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError):
        call_command("check_schedule", stdout=out, stderr=err)
    assert "すべての年度の策定スケジュール: エラー 1件" in out.getvalue()
    assert "平成30年度(2018年度)の「骨子検討」" in out.getvalue()


def test_check_schedule_refuses_a_bad_year():
    with pytest.raises(CommandError, match="--fiscal-year: 「abc」は年度として読み取れません。"):
        call_command("check_schedule", "--fiscal-year", "abc")
