"""The rules of the drafting schedule, checked against what is recorded.

One function, schedule_check(), reads a fiscal year (or all of them) in four queries, whatever
the number of items, and returns every finding. The schedule page, the admin change pages, the
check_schedule command and the calendar feed's callers all read the same findings.

The rules:
- Deliberation order (error): within a phase, each meeting or report needs one of the previous
  step of the flow (Body.flow_position) before it, and after the same body's previous one. A
  meeting may be on the same day as the step before it (the 部会 in the morning, the 委員会 in the
  afternoon); a report comes after what it reports. Only items with a date are compared: a month
  alone cannot say which came first (the seed's schedule puts the 委員会 of April before the 部会
  of May in its first phase, by months only).
- Public comment (error): at least PUBLIC_COMMENT_MIN_DAYS, the day of publication being day 1;
  it ends before the final decision meeting (the last 委員会) of its phase. Warning: once ended,
  the number of comments and the date the answers were published are recorded.
- Calendar (warning): a planned or actual date on a weekend, a holiday or a closure day.
- Overdue (warning): an item still 予定 (or 延期) whose day, or month when it has no day, has
  passed; a phase whose meetings are all past and no 委員会 of it is 実施済.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db import models

from core import clock, fiscal
from core.fiscal import weekday_label

from .models import Body, Phase, PublicCommentPeriod, ScheduledItem
from .workdays import day_off_reason


class Level(models.TextChoices):
    ERROR = "error", "エラー"
    WARNING = "warning", "注意"


@dataclass(frozen=True)
class Finding:
    """One thing wrong with the schedule: what, and what would fix it (``message``, in Japanese)."""

    level: str
    code: str
    message: str
    fiscal_year: int
    items: tuple[ScheduledItem, ...] = ()
    period: PublicCommentPeriod | None = None
    phase: Phase | None = None

    @property
    def is_error(self) -> bool:
        return self.level == Level.ERROR

    @property
    def level_label(self) -> str:
        return Level(self.level).label

    def concerns(self, obj) -> bool:
        """Whether this finding is about ``obj`` (an item, a public comment period or a phase)."""
        if isinstance(obj, ScheduledItem):
            return any(item.pk == obj.pk for item in self.items)
        if isinstance(obj, PublicCommentPeriod):
            return self.period is not None and self.period.pk == obj.pk
        if isinstance(obj, Phase):
            return self.phase is not None and self.phase.pk == obj.pk
        return False


@dataclass
class ScheduleCheck:
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.is_error]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if not f.is_error]

    def about(self, obj) -> list[Finding]:
        return [f for f in self.findings if f.concerns(obj)]

    def item_levels(self) -> dict[int, str]:
        """{item pk: "error" or "warning"}, the worse of its findings: for marking the table's cells."""
        levels: dict[int, str] = {}
        for finding in self.findings:
            for item in finding.items:
                if levels.get(item.pk) != Level.ERROR:
                    levels[item.pk] = finding.level
        return levels


# ---- Reading dates ------------------------------------------------------------------------------


def item_date(item: ScheduledItem) -> date | None:
    """The day an item happened (実施済: its 実施日) or is to happen (ScheduledItem.due_date)."""
    if item.status == ScheduledItem.Status.HELD:
        return item.actual_date
    return item.due_date


def _month_bounds(fiscal_year: int, month: int) -> tuple[date, date]:
    year = fiscal_year if month >= fiscal.FISCAL_YEAR_START_MONTH else fiscal_year + 1
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _has_passed(item: ScheduledItem, on: date) -> bool:
    """Its day is before ``on``; with no day, its month is before ``on``'s month (as the home page counts)."""
    if item.status == ScheduledItem.Status.HELD:
        return True
    if due := item.due_date:
        return due < on
    return fiscal.fiscal_year_of(on) * 12 + fiscal.fiscal_month_index(on.month) > (
        item.fiscal_year * 12 + fiscal.fiscal_month_index(item.planned_month)
    )


def _phase_label(phase: Phase) -> str:
    return f"{fiscal.fiscal_year_label(phase.fiscal_year)}の「{phase.name}」"


def _item_label(item: ScheduledItem) -> str:
    when = item_date(item)
    return f"{item.body.label} {weekday_label(when) if when else f'{item.planned_month}月'}"


def _in_phase(phase: Phase, month: int) -> bool:
    index = fiscal.fiscal_month_index(month)
    return (
        fiscal.fiscal_month_index(phase.first_month) <= index <= fiscal.fiscal_month_index(phase.last_month)
    )


# ---- The checks ---------------------------------------------------------------------------------


def _order_findings(phase: Phase, items: list[ScheduledItem], steps: list[list[Body]]) -> list[Finding]:
    findings = []
    live = [item for item in items if item.status != ScheduledItem.Status.CANCELLED]
    for previous_step, step in zip(steps, steps[1:], strict=False):
        previous_ids = {body.pk for body in previous_step}
        step_ids = {body.pk for body in step}
        before = [item for item in live if item.body_id in previous_ids]
        if any(item_date(item) is None for item in before):
            continue  # one of them has no day yet: it may yet come first
        before_days = [item_date(item) for item in before]
        previous_label = "・".join(body.label for body in previous_step)
        last: dict[int, date] = {}  # per body of the step, the day of its previous item
        dated = sorted((i for i in live if i.body_id in step_ids and item_date(i)), key=item_date)
        for item in dated:
            day = item_date(item)
            after = last.get(item.body_id)
            last[item.body_id] = day
            same_day = item.kind == ScheduledItem.Kind.MEETING
            if any(
                (after is None or prior > after) and (prior <= day if same_day else prior < day)
                for prior in before_days
            ):
                continue
            since = f"(前回の{item.body.label} {weekday_label(after)}より後)" if after else ""
            when = "同じ日かそれより前の日" if same_day else "前の日"
            findings.append(
                Finding(
                    Level.ERROR,
                    "order",
                    f"{_phase_label(phase)}で、{item.body.label} {weekday_label(day)}の前{since}に"
                    f"{previous_label}がありません。{previous_label}を{item.body.label}の{when}に予定するか、"
                    f"{item.body.label}の日を{previous_label}の後に変えてください。",
                    phase.fiscal_year,
                    items=(item,),
                    phase=phase,
                )
            )
    return findings


def _calendar_findings(item: ScheduledItem) -> list[Finding]:
    if item.status == ScheduledItem.Status.CANCELLED:
        return []
    findings = []
    for day, label, fix in (
        (item.planned_date, "予定日", "開庁日に変えてください"),
        (item.actual_date, "実施日", "日付が正しいか確かめてください"),
    ):
        if day and (reason := day_off_reason(day)):
            findings.append(
                Finding(
                    Level.WARNING,
                    "day_off",
                    f"{item}の{label} {weekday_label(day)}は{reason}です。{fix}。",
                    item.fiscal_year,
                    items=(item,),
                    phase=None,
                )
            )
    return findings


def _overdue_findings(item: ScheduledItem, on: date) -> list[Finding]:
    if item.status not in (ScheduledItem.Status.PLANNED, ScheduledItem.Status.POSTPONED):
        return []
    if not _has_passed(item, on):
        return []
    due = item.due_date
    when = (
        f"{'延期後の日' if item.status == ScheduledItem.Status.POSTPONED else '予定日'} {weekday_label(due)}"
        if due
        else f"予定の月({item.calendar_year}年{item.planned_month}月)"
    )
    return [
        Finding(
            Level.WARNING,
            "overdue",
            f"{item}は、{when}を過ぎましたが、状況が「{item.get_status_display()}」のままです。"
            "実施したなら実施済にして実施日を、延びたなら延期にして新しい日を、取りやめたなら中止を記録してください。",
            item.fiscal_year,
            items=(item,),
        )
    ]


def _phase_overdue_findings(phase: Phase, items: list[ScheduledItem], on: date) -> list[Finding]:
    meetings = [
        item
        for item in items
        if item.kind == ScheduledItem.Kind.MEETING and item.status != ScheduledItem.Status.CANCELLED
    ]
    if not meetings or not all(_has_passed(item, on) for item in meetings):
        return []
    committee = [item for item in items if item.body.kind == Body.Kind.COMMITTEE]
    if any(item.status == ScheduledItem.Status.HELD for item in committee):
        return []
    return [
        Finding(
            Level.WARNING,
            "phase_overdue",
            f"{_phase_label(phase)}の会議はすべて予定の日を過ぎましたが、委員会の実施済の記録がありません。"
            "委員会を実施済にして実施日を入力するか、延期・中止を記録してください。",
            phase.fiscal_year,
            items=tuple(committee),
            phase=phase,
        )
    ]


def _public_comment_findings(
    period: PublicCommentPeriod, phases: list[Phase], items_by_phase: dict[int, list[ScheduledItem]], on: date
) -> list[Finding]:
    findings = []
    name = f"パブリック・コメント「{period.subject}」"
    minimum = settings.PUBLIC_COMMENT_MIN_DAYS
    if period.days is not None and period.days < minimum:
        findings.append(
            Finding(
                Level.ERROR,
                "public_comment_short",
                f"{name}の意見募集期間は{period.days}日です。公表日を1日目として{minimum}日以上必要です。"
                f"募集終了日を{weekday_label(period.start_date + timedelta(days=minimum - 1))}以降にしてください。",
                period.fiscal_year,
                period=period,
            )
        )
    phase = next(
        (p for p in phases if p.fiscal_year == period.fiscal_year and _in_phase(p, period.start_month)), None
    )
    decisions = (
        [
            item
            for item in items_by_phase.get(phase.pk, [])
            if item.body.kind == Body.Kind.COMMITTEE and item.status != ScheduledItem.Status.CANCELLED
        ]
        if phase
        else []
    )
    if decisions:
        # The final decision: the last 委員会 of the phase, by its day or else by the end of its month.
        def latest(item):
            return item_date(item) or _month_bounds(item.fiscal_year, item.planned_month)[1]

        final = max(decisions, key=latest)
        final_day = item_date(final)
        if period.end_date:
            earliest_end, what = period.end_date, f"募集終了日 {weekday_label(period.end_date)}"
        else:
            start = period.start_date or _month_bounds(period.fiscal_year, period.planned_start_month)[0]
            earliest_end = start + timedelta(days=minimum - 1)
            what = f"{minimum}日間の募集の終わり(早くても{weekday_label(earliest_end)})"
        if earliest_end >= latest(final):
            deadline = (
                f"{weekday_label(final_day - timedelta(days=1))}まで"
                if final_day
                else f"{final.planned_month}月の委員会より前"
            )
            findings.append(
                Finding(
                    Level.ERROR,
                    "public_comment_after_decision",
                    f"{name}の{what}が、{_phase_label(phase)}の最終決定の会議({_item_label(final)})より前になりません。"
                    f"意見募集を{deadline}に終えるよう日程を早めるか、委員会を意見募集の終了より後の日にしてください。",
                    period.fiscal_year,
                    items=(final,),
                    period=period,
                    phase=phase,
                )
            )
    if period.end_date and period.end_date < on:
        missing = [
            label
            for value, label in (
                (period.comments_received, "意見の件数"),
                (period.answers_published_on, "区の考え方の公表日"),
            )
            if value is None
        ]
        if missing:
            what = "と".join(missing)
            findings.append(
                Finding(
                    Level.WARNING,
                    "public_comment_unrecorded",
                    f"{name}は{weekday_label(period.end_date)}に募集を終えましたが、{what}が記録されていません。"
                    f"管理画面のパブリック・コメントで{what}を入力してください。",
                    period.fiscal_year,
                    period=period,
                )
            )
    return findings


def _flow_steps(bodies: list[Body]) -> list[list[Body]]:
    """The bodies grouped by flow position, in order; bodies without one take no part."""
    steps: dict[int, list[Body]] = defaultdict(list)
    for body in bodies:
        if body.flow_position is not None:
            steps[body.flow_position].append(body)
    return [steps[position] for position in sorted(steps)]


def schedule_check(*, fiscal_year: int | None = None, on: date | None = None) -> ScheduleCheck:
    """Every finding for ``fiscal_year`` (every year when None), as of ``on`` (today). Four queries."""
    on = on or clock.today()
    by_year = {} if fiscal_year is None else {"fiscal_year": fiscal_year}
    steps = _flow_steps(list(Body.objects.order_by("flow_position", "order", "name")))
    phases = list(Phase.objects.filter(**by_year).order_by("fiscal_year", "order", "pk"))
    items = list(
        ScheduledItem.objects.filter(**by_year)
        .select_related("body", "phase")
        .order_by(
            "fiscal_year", fiscal.fiscal_month_order("planned_month"), "planned_date", "body__order", "pk"
        )
    )
    periods = list(PublicCommentPeriod.objects.filter(**by_year).order_by("fiscal_year", "start_date", "pk"))

    items_by_phase: dict[int, list[ScheduledItem]] = defaultdict(list)
    for item in items:
        if item.phase_id is not None:
            items_by_phase[item.phase_id].append(item)

    result = ScheduleCheck()
    for phase in phases:
        result.findings += _order_findings(phase, items_by_phase[phase.pk], steps)
    for period in periods:
        result.findings += _public_comment_findings(period, phases, items_by_phase, on)
    for item in items:
        result.findings += _calendar_findings(item)
    for item in items:
        result.findings += _overdue_findings(item, on)
    for phase in phases:
        result.findings += _phase_overdue_findings(phase, items_by_phase[phase.pk], on)
    return result
