"""The schedule's rules (schedule/checks.py): each check with a case that triggers it and one that does not,
the holiday edges, the seed's FY2018 schedule, and the fixed number of queries."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import override_settings

from schedule.checks import schedule_check
from schedule.models import Body, Phase, PublicCommentPeriod, ScheduledItem
from schedule.workdays import day_off_reason

pytestmark = pytest.mark.usefixtures("seeded")

Status = ScheduledItem.Status
# A day the FY2019 schedule below is checked on, when everything in it is still to come.
BEFORE = date(2019, 4, 1)


def _body(kind: str) -> Body:
    return Body.objects.get(kind=kind)


def _phase(name="最終案検討・決定", first=10, last=3, fiscal_year=2019) -> Phase:
    return Phase.objects.create(fiscal_year=fiscal_year, name=name, first_month=first, last_month=last)


def _item(kind: str, day: date | None, *, phase=None, month=None, status=Status.PLANNED, actual=None):
    body = _body(kind)
    report = kind in (Body.Kind.EXECUTIVE, Body.Kind.COUNCIL)
    return ScheduledItem.objects.create(
        body=body,
        kind=ScheduledItem.Kind.REPORT if report else ScheduledItem.Kind.MEETING,
        fiscal_year=2019,
        planned_month=month or day.month,
        planned_date=day,
        actual_date=actual,
        status=status,
        phase=phase,
    )


def _messages(on=BEFORE, code=None, fiscal_year=2019) -> list[tuple[str, str]]:
    return [
        (f.level, f.message)
        for f in schedule_check(fiscal_year=fiscal_year, on=on).findings
        if code is None or f.code == code
    ]


# ---- Deliberation order -------------------------------------------------------------------------


def _chain(phase, subcommittee, committee, executive, council):
    _item(Body.Kind.SUBCOMMITTEE, subcommittee, phase=phase)
    _item(Body.Kind.COMMITTEE, committee, phase=phase)
    _item(Body.Kind.EXECUTIVE, executive, phase=phase)
    _item(Body.Kind.COUNCIL, council, phase=phase)


def test_a_chain_in_the_documents_order_passes_with_the_subcommittee_on_the_committees_day():
    phase = _phase()
    _chain(phase, date(2019, 10, 9), date(2019, 10, 9), date(2019, 11, 5), date(2019, 12, 2))
    assert _messages(code="order") == []


def test_the_subcommittee_after_the_committee_is_an_error():
    phase = _phase()
    _chain(phase, date(2019, 10, 10), date(2019, 10, 9), date(2019, 11, 5), date(2019, 12, 2))
    assert _messages(code="order") == [
        (
            "error",
            "令和元年度(2019年度)の「最終案検討・決定」で、IT・情報セキュリティ委員会 2019/10/09(水)の前に"
            "IT・情報セキュリティ部会がありません。IT・情報セキュリティ部会をIT・情報セキュリティ委員会の"
            "同じ日かそれより前の日に予定するか、IT・情報セキュリティ委員会の日をIT・情報セキュリティ部会の後に変えてください。",
        )
    ]


def test_a_report_to_the_executive_on_the_committees_day_is_an_error():
    phase = _phase()
    _chain(phase, date(2019, 10, 9), date(2019, 11, 5), date(2019, 11, 5), date(2019, 12, 2))
    assert _messages(code="order") == [
        (
            "error",
            "令和元年度(2019年度)の「最終案検討・決定」で、庁議報告 2019/11/05(火)の前に"
            "IT・情報セキュリティ委員会がありません。IT・情報セキュリティ委員会を庁議報告の前の日に予定するか、"
            "庁議報告の日をIT・情報セキュリティ委員会の後に変えてください。",
        )
    ]


def test_the_council_report_before_the_executive_report_is_an_error():
    phase = _phase()
    _chain(phase, date(2019, 10, 9), date(2019, 10, 9), date(2019, 12, 3), date(2019, 12, 2))
    [(level, message)] = _messages(code="order")
    assert level == "error"
    assert message.startswith(
        "令和元年度(2019年度)の「最終案検討・決定」で、議会報告 2019/12/02(月)の前に庁議報告がありません。"
    )


def test_each_round_needs_its_own_previous_step():
    """Two rounds in a phase: the January committee needs a 部会 after the October committee."""
    phase = _phase()
    _chain(phase, date(2019, 10, 9), date(2019, 10, 9), date(2019, 11, 5), date(2019, 12, 2))
    _item(Body.Kind.SUBCOMMITTEE, date(2020, 1, 27), phase=phase)
    _item(Body.Kind.COMMITTEE, date(2020, 1, 22), phase=phase)
    [(level, message)] = _messages(code="order")
    assert (
        "IT・情報セキュリティ委員会 2020/01/22(水)の前(前回のIT・情報セキュリティ委員会 2019/10/09(水)より後)に"
        in message
    )


def test_order_is_not_judged_while_the_previous_step_has_no_day():
    phase = _phase()
    _item(Body.Kind.SUBCOMMITTEE, None, month=11, phase=phase)
    _item(Body.Kind.COMMITTEE, date(2019, 10, 9), phase=phase)
    assert _messages(code="order") == []


def test_the_order_comes_from_the_bodies_flow_positions():
    """Data, not code: swap the 庁議 and the 議会 in the flow and the same dates become the error."""
    phase = _phase()
    _chain(phase, date(2019, 10, 9), date(2019, 10, 9), date(2019, 11, 5), date(2019, 12, 2))
    Body.objects.filter(kind=Body.Kind.EXECUTIVE).update(flow_position=4)
    Body.objects.filter(kind=Body.Kind.COUNCIL).update(flow_position=3)
    [(level, message)] = _messages(code="order")
    assert "庁議報告 2019/11/05(火)の前に議会報告がありません" in message


def test_the_seed_gives_the_documents_flow():
    steps = Body.objects.filter(flow_position__isnull=False).order_by("flow_position")
    assert [(b.label, b.flow_position) for b in steps] == [
        ("IT・情報セキュリティ部会", 1),
        ("IT・情報セキュリティ委員会", 2),
        ("庁議報告", 3),
        ("議会報告", 4),
    ]
    assert Body.objects.get(kind=Body.Kind.PUBLIC_COMMENT).flow_position is None


def test_the_seed_fy2018_schedule_passes_the_order_checks():
    # As loaded: months only, so nothing to compare, and nothing else is wrong before it starts.
    assert schedule_check(fiscal_year=2018, on=date(2018, 4, 1)).findings == []


def test_the_seeds_final_phase_passes_the_order_checks_once_its_days_are_set():
    """The document's 最終案検討・決定 rounds (10月/1月 部会・委員会, 11月/2月 庁議, 12月/2月 議会),
    given working days in their months: still no order error."""
    days = {
        ("subcommittee", 10): date(2018, 10, 3),
        ("committee", 10): date(2018, 10, 17),
        ("executive", 11): date(2018, 11, 6),
        ("council", 12): date(2018, 12, 4),
        ("subcommittee", 1): date(2019, 1, 9),
        ("committee", 1): date(2019, 1, 23),
        ("executive", 2): date(2019, 2, 5),
        ("council", 2): date(2019, 2, 19),
    }
    phase = Phase.objects.get(fiscal_year=2018, name="最終案検討・決定")
    for item in phase.items.select_related("body"):
        item.planned_date = days[(item.body.kind, item.planned_month)]
        item.full_clean()
        item.save()
    findings = schedule_check(fiscal_year=2018, on=date(2018, 4, 1)).findings
    assert [f.message for f in findings] == []


# ---- Public comment -----------------------------------------------------------------------------


def _comment(start, end, month=None, **fields) -> PublicCommentPeriod:
    return PublicCommentPeriod.objects.create(
        body=_body(Body.Kind.PUBLIC_COMMENT),
        subject="計画(案)",
        fiscal_year=2019,
        planned_start_month=month or start.month,
        start_date=start,
        end_date=end,
        **fields,
    )


@override_settings(PUBLIC_COMMENT_MIN_DAYS=30)
def test_a_period_of_29_days_is_too_short_and_30_is_enough():
    short = _comment(date(2019, 12, 2), date(2019, 12, 30))
    assert _messages(code="public_comment_short") == [
        (
            "error",
            "パブリック・コメント「計画(案)」の意見募集期間は29日です。公表日を1日目として30日以上必要です。"
            "募集終了日を2019/12/31(火)以降にしてください。",
        )
    ]
    short.end_date = date(2019, 12, 31)
    short.save()
    assert _messages(code="public_comment_short") == []


@override_settings(PUBLIC_COMMENT_MIN_DAYS=45)
def test_the_minimum_is_the_setting():
    _comment(date(2019, 12, 2), date(2020, 1, 10))  # 40 days
    [(level, message)] = _messages(code="public_comment_short")
    assert "40日です。公表日を1日目として45日以上必要です。募集終了日を2020/01/15(水)以降に" in message


def test_a_period_ending_on_the_final_decision_day_is_an_error_and_the_day_before_is_not():
    phase = _phase()
    _item(Body.Kind.COMMITTEE, date(2019, 10, 9), phase=phase)
    _item(Body.Kind.COMMITTEE, date(2020, 1, 22), phase=phase)
    period = _comment(date(2019, 12, 2), date(2020, 1, 22))
    assert _messages(code="public_comment_after_decision") == [
        (
            "error",
            "パブリック・コメント「計画(案)」の募集終了日 2020/01/22(水)が、令和元年度(2019年度)の「最終案検討・決定」の"
            "最終決定の会議(IT・情報セキュリティ委員会 2020/01/22(水))より前になりません。"
            "意見募集を2020/01/21(火)までに終えるよう日程を早めるか、委員会を意見募集の終了より後の日にしてください。",
        )
    ]
    period.end_date = date(2020, 1, 21)
    period.save()
    assert _messages(code="public_comment_after_decision") == []


def test_a_period_planned_after_the_last_committee_month_is_an_error_before_any_day_is_set():
    phase = _phase()
    _item(Body.Kind.COMMITTEE, None, month=1, phase=phase)
    _comment(None, None, month=2)
    [(level, message)] = _messages(code="public_comment_after_decision")
    assert level == "error"
    assert "30日間の募集の終わり(早くても2020/03/01(日))が" in message
    assert "意見募集を1月の委員会より前に終えるよう" in message


def test_the_seeds_public_comment_in_december_fits_before_the_january_committee():
    assert [f for f in schedule_check(fiscal_year=2018, on=date(2018, 4, 1)).findings if f.period] == []


def test_an_ended_period_needs_its_comments_and_answer_date():
    period = _comment(date(2019, 12, 2), date(2019, 12, 31))
    assert _messages(on=date(2019, 12, 31), code="public_comment_unrecorded") == []  # not ended yet
    assert _messages(on=date(2020, 1, 6), code="public_comment_unrecorded") == [
        (
            "warning",
            "パブリック・コメント「計画(案)」は2019/12/31(火)に募集を終えましたが、意見の件数と区の考え方の公表日が"
            "記録されていません。管理画面のパブリック・コメントで意見の件数と区の考え方の公表日を入力してください。",
        )
    ]
    period.comments_received = 12
    period.save()
    [(level, message)] = _messages(on=date(2020, 1, 6), code="public_comment_unrecorded")
    assert "区の考え方の公表日が記録されていません" in message and "意見の件数" not in message
    period.answers_published_on = date(2020, 2, 14)
    period.save()
    assert _messages(on=date(2020, 3, 1), code="public_comment_unrecorded") == []


# ---- Calendar -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        (date(2019, 4, 30), "休日(国民の休日)"),
        (date(2019, 5, 2), "休日(国民の休日)"),
        (date(2019, 5, 1), "祝日(天皇の即位の日)"),
        (date(2019, 10, 22), "祝日(即位礼正殿の儀)"),
        (date(2020, 7, 23), "祝日(海の日)"),
        (date(2020, 7, 24), "祝日(スポーツの日)"),
        (date(2020, 8, 10), "祝日(山の日)"),
        (date(2021, 7, 22), "祝日(海の日)"),
        (date(2021, 7, 23), "祝日(スポーツの日)"),
        (date(2021, 8, 9), "休日(山の日 振替休日)"),
        (date(2018, 12, 29), "年末年始などの閉庁日"),
        (date(2019, 1, 3), "年末年始などの閉庁日"),
        (date(2019, 10, 5), "土曜日"),
        (date(2019, 10, 6), "日曜日"),
    ],
)
def test_days_off(day, reason):
    assert day_off_reason(day) == reason


@pytest.mark.parametrize(
    "day",
    [
        date(2019, 1, 4),  # the first working day after the closure
        date(2020, 10, 12),  # スポーツの日 moved to 7/24 in 2020
        date(2021, 10, 11),  # and to 7/23 in 2021
        date(2019, 4, 26),
        date(2019, 5, 7),
    ],
)
def test_working_days(day):
    assert day_off_reason(day) is None


@override_settings(SCHEDULE_CLOSED_DAYS=((8, 13), (8, 14)))
def test_the_closure_days_are_a_setting():
    assert day_off_reason(date(2019, 8, 13)) == "年末年始などの閉庁日"
    assert day_off_reason(date(2019, 12, 27)) is None
    assert day_off_reason(date(2019, 12, 30)) is None


def test_a_meeting_planned_on_a_holiday_is_flagged_and_on_a_working_day_is_not():
    item = _item(Body.Kind.COMMITTEE, date(2019, 10, 22))
    assert _messages(code="day_off") == [
        (
            "warning",
            "IT・情報セキュリティ委員会 令和元年度(2019年度) 10月の予定日 2019/10/22(火)は祝日(即位礼正殿の儀)です。"
            "開庁日に変えてください。",
        )
    ]
    item.planned_date = date(2019, 10, 23)
    item.save()
    assert _messages(code="day_off") == []


def test_an_actual_date_in_the_closure_is_flagged():
    _item(
        Body.Kind.COUNCIL,
        date(2019, 12, 27),
        status=Status.POSTPONED,
        actual=date(2019, 12, 29),
    )
    [(level, message)] = _messages(code="day_off")
    assert message.endswith(
        "の実施日 2019/12/29(日)は年末年始などの閉庁日です。日付が正しいか確かめてください。"
    )


# ---- Overdue ------------------------------------------------------------------------------------


def test_a_planned_item_whose_month_has_passed_is_flagged_and_one_of_this_month_is_not():
    _item(Body.Kind.SUBCOMMITTEE, None, month=10)
    assert _messages(on=date(2019, 10, 31), code="overdue") == []
    assert _messages(on=date(2019, 11, 1), code="overdue") == [
        (
            "warning",
            "IT・情報セキュリティ部会 令和元年度(2019年度) 10月は、予定の月(2019年10月)を過ぎましたが、"
            "状況が「予定」のままです。実施したなら実施済にして実施日を、延びたなら延期にして新しい日を、"
            "取りやめたなら中止を記録してください。",
        )
    ]


def test_a_held_item_is_not_overdue():
    _item(Body.Kind.SUBCOMMITTEE, date(2019, 10, 9), status=Status.HELD, actual=date(2019, 10, 9))
    assert _messages(on=date(2020, 1, 1), code="overdue") == []


def test_a_phase_whose_meetings_are_past_without_a_held_committee_is_flagged():
    phase = _phase(name="素案検討", first=7, last=9)
    _item(Body.Kind.SUBCOMMITTEE, date(2019, 7, 3), phase=phase, status=Status.HELD, actual=date(2019, 7, 3))
    committee = _item(Body.Kind.COMMITTEE, date(2019, 7, 17), phase=phase)
    assert _messages(on=date(2019, 7, 17), code="phase_overdue") == []  # the committee is today
    assert _messages(on=date(2019, 7, 18), code="phase_overdue") == [
        (
            "warning",
            "令和元年度(2019年度)の「素案検討」の会議はすべて予定の日を過ぎましたが、委員会の実施済の記録がありません。"
            "委員会を実施済にして実施日を入力するか、延期・中止を記録してください。",
        )
    ]
    committee.status, committee.actual_date = Status.HELD, date(2019, 7, 17)
    committee.save()
    assert _messages(on=date(2019, 7, 18), code="phase_overdue") == []


# ---- One read for all of it ---------------------------------------------------------------------


def _fill(phase, rounds: int):
    for n in range(rounds):
        day = date(2019, 10, 1 + n)
        _item(Body.Kind.SUBCOMMITTEE, day, phase=phase)
        _item(Body.Kind.COMMITTEE, day, phase=phase)
        _comment(date(2019, 12, 2), date(2019, 12, 31))


def test_the_checks_read_four_queries_whatever_the_number_of_items(django_assert_num_queries):
    phase = _phase()
    _fill(phase, 2)
    with django_assert_num_queries(4):
        few = schedule_check(fiscal_year=2019, on=date(2020, 6, 1))
    _fill(phase, 20)
    with django_assert_num_queries(4):
        many = schedule_check(fiscal_year=2019, on=date(2020, 6, 1))
    assert len(many.findings) > len(few.findings) > 0
    with django_assert_num_queries(4):
        schedule_check(on=date(2020, 6, 1))  # every year
