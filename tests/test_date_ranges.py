"""Every date has a sensible range, and a date outside it is refused with the reason in Japanese.

- any date in an admin form: 1989 to 2100 (the years the application can label);
- a report's 報告基準日: from the start of its fiscal year to six months after its end;
- a 取り下げ日: on or after the report's date, and not in the future;
- a meeting's 実施日, a public comment's 募集終了日 and 区の考え方の公表日: in their fiscal year or the
  six months after it;
- a plan's 策定日: from the start of the year before the plan to the end of the plan.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from measures.models import Measure, Plan, ProgressReport
from schedule.models import PublicCommentPeriod, ScheduledItem

from .factories import add_report, report_form_data, seed_plan

pytestmark = pytest.mark.usefixtures("seeded")


@pytest.fixture
def admin_client(client, secretariat):
    client.force_login(secretariat)
    return client


def _page(response) -> str:
    assert response.status_code == 200, "shown again with the reason, not saved"
    return response.content.decode()


# ---- 報告基準日 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "message"),
    [
        ("9999/12/31", "報告基準日は1989年から2100年までの日付で入力してください。"),
        ("0001/01/01", "報告基準日は1989年から2100年までの日付で入力してください。"),
        (
            "2020/10/01",
            "報告基準日は令和元年度(2019年度)の開始日(2019/04/01)から、年度末の6か月後(2020/09/30)までの日付にしてください。",
        ),
        ("2019/03/31", "報告基準日は令和元年度(2019年度)の開始日(2019/04/01)以降にしてください。"),
    ],
    ids=["9999", "0001", "after-the-window", "before-the-year"],
)
def test_a_report_dated_far_from_its_year_is_refused(admin_client, as_of, message):
    data = report_form_data(Measure.objects.get(number=1), as_of=as_of)
    page = _page(admin_client.post(reverse("admin:measures_progressreport_add"), data))
    assert message in page
    assert not ProgressReport.objects.exists()


def test_a_report_on_the_last_day_of_the_window_is_accepted(admin_client):
    data = report_form_data(Measure.objects.get(number=1), as_of="2020/09/30")
    assert admin_client.post(reverse("admin:measures_progressreport_add"), data).status_code == 302


# ---- 取り下げ日 ---------------------------------------------------------------------------------


# The withdrawal page's date rules (1989–2100, not before the report, not in the future) are
# tested with the page itself, in tests/test_report_withdrawal.py.


def test_the_database_refuses_a_withdrawal_before_the_report():
    report = add_report(Measure.objects.get(number=1), 2019, date(2019, 9, 30))
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgressReport.objects.filter(pk=report.pk).update(
            withdrawn_on=date(2019, 9, 1), withdrawal_reason="r"
        )


# ---- the schedule -------------------------------------------------------------------------------


def _item_data(item, **extra):
    return {
        "body": item.body_id,
        "kind": item.kind,
        "fiscal_year": "2018",
        "planned_month": str(item.planned_month),
        "status": "held",
        "subject": item.subject,
        "phase": item.phase_id or "",
        "notes": "",
        "version": item.version,
        **extra,
    }


@pytest.mark.parametrize(
    ("actual_date", "message"),
    [
        ("9999/12/31", "実施日は1989年から2100年までの日付で入力してください。"),
        (
            "2019/10/01",
            "実施日は平成30年度(2018年度)の開始日(2018/04/01)から、年度末の6か月後(2019/09/30)までの日付にしてください。",
        ),
        (
            "2018/03/31",
            "実施日は平成30年度(2018年度)の開始日(2018/04/01)から、年度末の6か月後(2019/09/30)までの日付にしてください。",
        ),
    ],
    ids=["9999", "after-the-window", "before-the-year"],
)
def test_a_meeting_held_far_from_its_year_is_refused(admin_client, actual_date, message):
    item = ScheduledItem.objects.filter(planned_month=4).first()
    url = reverse("admin:schedule_scheduleditem_change", args=[item.pk])
    page = _page(admin_client.post(url, _item_data(item, actual_date=actual_date)))
    assert message in page
    item.refresh_from_db()
    assert item.actual_date is None and item.version == 1


def test_a_meeting_postponed_into_the_next_year_is_accepted(admin_client):
    item = ScheduledItem.objects.filter(planned_month=1).first()
    url = reverse("admin:schedule_scheduleditem_change", args=[item.pk])
    response = admin_client.post(url, _item_data(item, status="postponed", actual_date="2019/05/20"))
    assert response.status_code == 302


def _comment_data(period, **extra):
    return {
        "body": period.body_id,
        "subject": period.subject,
        "fiscal_year": "2018",
        "planned_start_month": "12",
        "start_date": "2018/12/10",
        "end_date": "2019/01/15",
        "notes": "",
        "version": period.version,
        **extra,
    }


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("end_date", "9999/12/31", "募集終了日は1989年から2100年までの日付で入力してください。"),
        (
            "end_date",
            "2019/10/01",
            "募集終了日は平成30年度(2018年度)の開始日(2018/04/01)から、年度末の6か月後(2019/09/30)までの日付にしてください。",
        ),
        (
            "answers_published_on",
            "2020/01/10",
            "区の考え方の公表日は平成30年度(2018年度)の開始日(2018/04/01)から、年度末の6か月後(2019/09/30)までの日付にしてください。",
        ),
        ("start_date", "0001/01/01", "募集開始日(公表日)は1989年から2100年までの日付で入力してください。"),
    ],
    ids=["end-9999", "end-after-the-window", "answers-after-the-window", "start-0001"],
)
def test_a_public_comment_far_from_its_year_is_refused(admin_client, field, typed, message):
    period = PublicCommentPeriod.objects.get()
    url = reverse("admin:schedule_publiccommentperiod_change", args=[period.pk])
    page = _page(admin_client.post(url, _comment_data(period, **{field: typed})))
    assert message in page
    period.refresh_from_db()
    assert period.end_date is None and period.version == 1


# ---- 策定日 -------------------------------------------------------------------------------------


def _plan_data(plan, **extra):
    return {
        "name": plan.name,
        "legal_basis": plan.legal_basis,
        "first_fiscal_year": "2019",
        "last_fiscal_year": "2021",
        "status": "adopted",
        "adopted_on": "2019/03/29",
        "version": plan.version,
        **extra,
    }


@pytest.mark.parametrize(
    ("adopted_on", "message"),
    [
        ("9999/12/31", "策定日は1989年から2100年までの日付で入力してください。"),
        (
            "2017/03/31",
            "策定日は計画期間の前年度の開始日(2018/04/01)から計画期間の終わり(2022/03/31)までの日付にしてください。",
        ),
    ],
    ids=["9999", "two-years-early"],
)
def test_an_adoption_date_far_from_the_plan_is_refused(admin_client, adopted_on, message):
    plan = seed_plan()
    url = reverse("admin:measures_plan_change", args=[plan.pk])
    page = _page(admin_client.post(url, _plan_data(plan, adopted_on=adopted_on)))
    assert message in page
    plan.refresh_from_db()
    assert plan.adopted_on is None and plan.status == Plan.Status.DRAFTING


def test_an_adoption_date_in_the_drafting_year_is_accepted(admin_client):
    plan = seed_plan()
    url = reverse("admin:measures_plan_change", args=[plan.pk])
    assert admin_client.post(url, _plan_data(plan)).status_code == 302
    plan.refresh_from_db()
    assert plan.adopted_on == date(2019, 3, 29)


# ---- Django's own pages -------------------------------------------------------------------------


def test_a_users_join_date_in_year_1_is_refused_not_a_500(client, superuser, secretariat):
    client.force_login(superuser)
    url = reverse("admin:auth_user_change", args=[secretariat.pk])
    data = {
        "username": secretariat.username,
        "last_name": secretariat.last_name,
        "is_active": "on",
        "is_staff": "on",
        "date_joined_0": "0001/01/01",
        "date_joined_1": "00:00:00",
    }
    page = _page(client.post(url, data))
    assert "登録日は1989年から2100年までの日付で入力してください。" in page


def test_the_follow_up_window_ends_six_months_after_the_fiscal_year():
    from core import fiscal

    assert fiscal.follow_up_end(2019) == date(2020, 9, 30)
    assert fiscal.follow_up_end(2018) == date(2019, 9, 30)
    assert fiscal.follow_up_end(2019, 0) == date(2020, 3, 31)
    assert fiscal.follow_up_end(2019, 11) == date(2021, 2, 28)
    assert fiscal.follow_up_end(2019, 12) == date(2021, 3, 31)


def test_the_demo_data_lies_in_its_windows():
    """fixtures/demo_progress.json: reports at each half year and at the year's end, all inside."""
    import json

    from .conftest import DEMO_FIXTURE

    for row in json.loads(DEMO_FIXTURE.read_text(encoding="utf-8")):
        if row["model"] == "measures.progressreport":
            fields = row["fields"]
            as_of = date.fromisoformat(fields["as_of"])
            assert date(fields["fiscal_year"], 4, 1) <= as_of <= date(fields["fiscal_year"] + 1, 9, 30)
