"""A plan's period may not shrink away from its targets, reports or drafting schedule."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from measures.models import Measure, Plan
from schedule.models import Body, ScheduledItem

from .factories import add_report, make_plan, seed_plan

DEMO_MESSAGE = (
    "計画期間を令和2年度(2020年度)だけにすると、令和元年度(2019年度)と令和3年度(2021年度)の"
    "年度目標10件・進捗報告20件が計画期間の外になります。"
    "また、平成30年度(2018年度)の検討段階3件・会議・報告の予定14件・パブリック・コメント1件が"
    "策定スケジュール(計画の前年度から表示)に表示されなくなります。"
    "先にそれらの年度を直すか、それらの年度を含む計画期間にしてください。"
)


@pytest.fixture
def admin_client(client, secretariat):
    client.force_login(secretariat)
    return client


def _change_period(admin_client, plan: Plan, first: int, last: int):
    data = {
        "name": plan.name,
        "legal_basis": plan.legal_basis,
        "first_fiscal_year": str(first),
        "last_fiscal_year": str(last),
        "status": plan.status,
        "adopted_on": f"{plan.adopted_on:%Y/%m/%d}" if plan.adopted_on else "",
        "evaluation_scale": plan.evaluation_scale_id or "",
        "version": plan.version,
    }
    return admin_client.post(reverse("admin:measures_plan_change", args=[plan.pk]), data)


def _unchanged(plan: Plan, first: int, last: int) -> None:
    history = plan.history.count()
    plan.refresh_from_db()
    assert (plan.first_fiscal_year, plan.last_fiscal_year) == (first, last)
    assert plan.history.count() == history


@pytest.mark.usefixtures("demo")
def test_shrinking_the_period_away_from_targets_reports_and_the_schedule_is_refused(admin_client):
    plan = seed_plan()
    response = _change_period(admin_client, plan, 2020, 2020)
    assert response.status_code == 200
    assert DEMO_MESSAGE in response.content.decode()
    _unchanged(plan, 2019, 2021)


@pytest.mark.usefixtures("demo")
def test_a_withdrawn_report_outside_counts_too(admin_client):
    plan = seed_plan()
    measure = Measure.objects.get(number=1)
    report = add_report(measure, 2021, date(2021, 10, 1))
    report.withdrawn_on, report.withdrawal_reason = date(2021, 10, 2), "誤入力"
    report.save()
    page = _change_period(admin_client, plan, 2019, 2020).content.decode()
    assert "令和3年度(2021年度)の年度目標5件・進捗報告11件が計画期間の外になります。" in page


@pytest.mark.usefixtures("seeded")
def test_moving_the_start_hides_the_drafting_schedule_and_is_refused(admin_client):
    plan = seed_plan()
    page = _change_period(admin_client, plan, 2020, 2021).content.decode()
    assert (
        "計画期間を令和2年度(2020年度)〜令和3年度(2021年度)にすると、平成30年度(2018年度)の"
        "検討段階3件・会議・報告の予定14件・パブリック・コメント1件が策定スケジュール(計画の前年度から表示)"
        "に表示されなくなります。先にそれらの年度を直すか、それらの年度を含む計画期間にしてください。"
    ) in page
    _unchanged(plan, 2019, 2021)


@pytest.mark.usefixtures("demo")
def test_extending_the_period_is_accepted(admin_client):
    plan = seed_plan()
    assert _change_period(admin_client, plan, 2019, 2022).status_code == 302
    plan.refresh_from_db()
    assert plan.last_fiscal_year == 2022


@pytest.mark.usefixtures("seeded")
def test_shrinking_an_empty_end_is_accepted(admin_client):
    plan = make_plan(name="次期計画", first=2022, last=2024)
    assert _change_period(admin_client, plan, 2022, 2023).status_code == 302


@pytest.mark.usefixtures("seeded")
def test_a_schedule_year_another_plan_still_shows_is_not_hidden(admin_client):
    """FY2021 is the last year of this plan and the drafting year of the next: still shown by the next."""
    plan = seed_plan()
    make_plan(name="次期計画", first=2022, last=2024)
    ScheduledItem.objects.create(body=Body.objects.first(), fiscal_year=2021, planned_month=5)
    assert _change_period(admin_client, plan, 2019, 2020).status_code == 302
