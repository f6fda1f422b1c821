"""Reads of collection rounds, each a fixed number of queries whatever the number of departments
and measures: who answers for which department, a department's page, the round's dashboard."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from django.db.models import QuerySet

from core import clock
from measures.models import AnnualTarget, ProgressReport
from measures.selectors import reports_latest_as_of

from .models import ROW_FIELDS, UNANSWERED_STATES, Answer, AnswerRow, DepartmentMember, Round


def user_department_ids(user) -> set[int]:
    """The departments ``user`` answers for (所管課担当), read once per request."""
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_department_ids", None)
    if cached is None:
        cached = set(DepartmentMember.objects.filter(user=user).values_list("department_id", flat=True))
        user._department_ids = cached
    return cached


def user_answers_for(user, answer: Answer) -> bool:
    """Whether ``user`` answers for the answer's department."""
    return user.is_active and answer.department_id in user_department_ids(user)


def answer_open_to_department(answer: Answer) -> bool:
    """Whether the department sees its answer yet: not while the round is 準備中 (the secretariat's
    draft), as answers_of_user and the API."""
    return answer.round.state != Round.State.PREPARING


def answers_of_user(user) -> QuerySet[Answer]:
    """The answers of the user's departments in rounds that have been opened, newest round first."""
    return (
        Answer.objects.filter(department_id__in=user_department_ids(user))
        .exclude(round__state=Round.State.PREPARING)
        .select_related("round__plan", "department", "submitted_by")
        .order_by("-round__fiscal_year", "-round__as_of", "department__order", "department__name")
    )


def answers_open_for(user) -> list[Answer]:
    """The home page's requests: the user's answers in rounds still 照会中, soonest deadline first."""
    return list(
        answers_of_user(user)
        .filter(round__state=Round.State.OPEN)
        .order_by("round__deadline", "department__order")
    )


def answer_overdue(answer: Answer, on: date | None = None) -> bool:
    """Not submitted and the deadline has passed."""
    return answer.state in UNANSWERED_STATES and (on or clock.today()) > answer.round.deadline


@dataclass
class PageRow:
    """One measure on a department's page or the secretariat's review: the row, the year's target,
    the latest standing report, and which figures the answer changes."""

    row: AnswerRow
    target: AnnualTarget | None
    current: ProgressReport | None
    changed: set[str] = field(default_factory=set)


def answer_rows_read(answer: Answer, rows: list[AnswerRow] | None = None) -> list[PageRow]:
    """Each row with its target and the standing report as of the round's 報告基準日: three queries."""
    round_ = answer.round
    if rows is None:
        rows = list(
            answer.rows.select_related("measure", "status", "entered_by").order_by(
                "measure__order", "measure__number"
            )
        )
    measure_ids = [row.measure_id for row in rows]
    targets = {
        target.measure_id: target
        for target in AnnualTarget.objects.filter(measure_id__in=measure_ids, fiscal_year=round_.fiscal_year)
    }
    reports = {
        report.measure_id: report
        for report in reports_latest_as_of(as_of=round_.as_of, fiscal_years=[round_.fiscal_year])
        .filter(measure_id__in=measure_ids)
        .select_related("status")
    }
    page = []
    for row in rows:
        current = reports.get(row.measure_id)
        changed = {
            name
            for name in ROW_FIELDS
            if _entered(getattr(row, name))
            and (current is None or getattr(row, name) != getattr(current, name))
        }
        page.append(PageRow(row=row, target=targets.get(row.measure_id), current=current, changed=changed))
    return page


def _entered(value) -> bool:
    return value is not None and value != ""


@dataclass
class DashboardLine:
    answer: Answer
    rows: int
    overdue: bool


@dataclass
class Dashboard:
    round: Round
    lines: list[DashboardLine]
    counts: list[tuple[str, str, int]]  # (state, label, count)
    overdue: int
    unanswered: int


def round_dashboard(round_: Round, on: date | None = None) -> Dashboard:
    """Every department asked, its state, who submitted and when, whether it is overdue; the counts
    by state at the top. Three queries, whatever the number of departments."""
    on = on or clock.today()
    answers = list(
        round_.answers.select_related("department", "submitted_by").order_by(
            "department__order", "department__name"
        )
    )
    row_counts = Counter(
        AnswerRow.objects.filter(answer__round=round_).values_list("answer_id", flat=True).order_by()
    )
    lines = []
    for answer in answers:
        answer.round = round_  # one round for all: no query each
        overdue = round_.state == Round.State.OPEN and answer_overdue(answer, on)
        lines.append(DashboardLine(answer=answer, rows=row_counts.get(answer.pk, 0), overdue=overdue))
    by_state = Counter(answer.state for answer in answers)
    counts = [(state, str(label), by_state.get(state, 0)) for state, label in Answer.State.choices]
    return Dashboard(
        round=round_,
        lines=lines,
        counts=counts,
        overdue=sum(line.overdue for line in lines),
        unanswered=sum(answer.state in UNANSWERED_STATES for answer in answers),
    )


def rounds_list() -> QuerySet[Round]:
    return Round.objects.select_related("plan").order_by("-fiscal_year", "-as_of", "-id")
