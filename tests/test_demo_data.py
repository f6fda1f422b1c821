"""The demo figures (fixtures/demo_progress.json, loaded by load_plan --demo) read like a real
ward's: nothing counted in whole things comes out as a fraction ("0.5システム"), counts grow
over the plan, and each report says something of its own. The demo's plan is 策定済, so its
FY2018 drafting schedule is held, each meeting and report on a working day of its month, in the
document's order."""

from __future__ import annotations

from collections import defaultdict

import pytest
from django.conf import settings
from django.utils import timezone

from core import fiscal
from measures.models import AnnualTarget, ProgressReport
from schedule.checks import schedule_check
from schedule.models import PublicCommentPeriod, ScheduledItem
from schedule.selectors import scheduled_items_overdue_count
from schedule.workdays import day_off_reason

pytestmark = pytest.mark.usefixtures("demo")

# Units of things that are counted one by one: a value in them is a whole number.
WHOLE_UNITS = ("件", "システム", "業務", "人", "回", "手続")


def test_every_value_counted_in_whole_things_is_a_whole_number():
    targets = AnnualTarget.objects.all()
    checked = 0
    for target in targets:
        if target.indicator_unit not in WHOLE_UNITS:
            continue
        values = [("目標値", target.target_value), ("基準値", target.baseline_value)]
        values += [
            (f"実績値 {report.as_of}", report.actual_value)
            for report in ProgressReport.objects.filter(
                measure=target.measure, fiscal_year=target.fiscal_year
            )
        ]
        for name, value in values:
            if value is None:
                continue
            checked += 1
            assert value == value.to_integral_value(), f"{target}: {name} {value}{target.indicator_unit}"
    assert checked > 30, "the example has counted indicators"


def test_an_indicator_never_falls_over_the_plan_and_its_target_rises_each_year():
    actuals = defaultdict(list)
    for report in ProgressReport.objects.order_by("as_of").select_related("measure"):
        actuals[report.measure_id].append(report.actual_value)
    for measure_id, values in actuals.items():
        assert values == sorted(values), f"measure {measure_id}: {values}"
    targets = defaultdict(list)
    for target in AnnualTarget.objects.order_by("fiscal_year"):
        targets[target.measure_id].append(target.target_value)
    for measure_id, values in targets.items():
        assert values == sorted(set(values)), f"measure {measure_id}: {values}"


def test_reports_say_something_of_their_own():
    narratives = list(ProgressReport.objects.values_list("narrative", flat=True))
    assert len(set(narratives)) == len(narratives)
    assert len({r.progress_percent for r in ProgressReport.objects.all()}) > 5, "not every report at 50%"


# ---- The FY2018 drafting schedule, held ----------------------------------------------------------

DEMO_HELD_REASON = "デモデータ: 平成30年度の策定スケジュールを実施済にしました(実施日は架空)。"


def test_every_fy2018_meeting_and_report_is_held_on_a_working_day_of_its_month():
    items = ScheduledItem.objects.filter(fiscal_year=2018).select_related("body")
    assert items.count() == 14
    for item in items:
        day = item.actual_date
        assert item.status == ScheduledItem.Status.HELD and day is not None, item
        assert (day.year, day.month) == (item.calendar_year, item.planned_month), f"{item}: {day}"
        assert day_off_reason(day) is None, f"{item}: {day} is {day_off_reason(day)}"
        assert item.planned_date is None, "the seed's months stay as they were; only the 実施日 is added"
    assert (
        not ScheduledItem.objects.filter(fiscal_year=2018).exclude(status=ScheduledItem.Status.HELD).exists()
    )
    assert scheduled_items_overdue_count(on=timezone.localdate()) == 0


def test_the_schedule_was_held_through_the_service_and_its_history_says_so():
    for item in ScheduledItem.objects.filter(fiscal_year=2018):
        held, loaded = item.history.order_by("-history_date", "-history_id")[:2]
        assert (loaded.history_type, loaded.status, loaded.actual_date) == ("+", "planned", None)
        assert (held.history_type, held.status, held.actual_date) == ("~", "held", item.actual_date)
        assert held.history_change_reason == DEMO_HELD_REASON
        assert item.version == 2


def test_each_round_follows_the_documents_order():
    """Each round in the order schedule/checks.py asks for: the 部会 on or before the 委員会's day,
    the 委員会 before the report to the 庁議, the 庁議 before the council's. In the first phase the
    document has the 委員会 meet in April, before the 部会 of May (see the last test)."""
    held = {
        (item.body.kind, item.planned_month): item.actual_date
        for item in ScheduledItem.objects.filter(fiscal_year=2018).select_related("body")
    }
    rounds = [
        [("committee", 4), ("subcommittee", 5), ("executive", 5), ("council", 6)],
        [("subcommittee", 7), ("committee", 7)],
        [("subcommittee", 10), ("committee", 10), ("executive", 11), ("council", 12)],
        [("subcommittee", 1), ("committee", 1), ("executive", 2), ("council", 2)],
    ]
    for steps in rounds:
        for before, after in zip(steps, steps[1:], strict=False):
            same_day_allowed = (before[0], after[0]) == ("subcommittee", "committee")
            assert held[before] <= held[after] if same_day_allowed else held[before] < held[after], (
                before,
                after,
            )


def test_the_public_comment_ran_from_december_to_before_the_january_committee_with_its_record():
    period = PublicCommentPeriod.objects.get(fiscal_year=2018)
    committee = ScheduledItem.objects.get(fiscal_year=2018, body__kind="committee", planned_month=1)
    assert period.start_date.month == 12 and period.days >= settings.PUBLIC_COMMENT_MIN_DAYS
    assert period.end_date < committee.actual_date
    assert period.comments_received is not None and period.answers_published_on >= period.end_date
    assert fiscal.fiscal_year_of(period.answers_published_on) == 2018


def test_the_checks_find_in_fy2018_only_what_the_seed_document_itself_implies():
    """The document's first phase (骨子検討) has the 委員会 meet in April and the 部会 in May. With a
    day in each month, no 部会 can come on or before that 委員会's day, which the order check calls
    an error; it is the ward's own schedule (the April 委員会 starts the drafting, before the 部会
    studies the 骨子), not a slip of the demo's dates. Nothing else is found: no day off, nothing
    overdue, every phase's 委員会 held, the public comment long enough and over before the final
    decision, with its comments and answers recorded."""
    findings = schedule_check(fiscal_year=2018).findings
    assert [(f.level, f.code, [(i.body.name, i.planned_month) for i in f.items]) for f in findings] == [
        ("error", "order", [("IT・情報セキュリティ委員会", 4)])
    ]
    assert findings[0].phase.name == "骨子検討"
    assert "IT・情報セキュリティ部会がありません" in findings[0].message
