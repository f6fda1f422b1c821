"""Reads of collection rounds, each a fixed number of queries whatever the number of departments
and measures: who answers for which department, a department's page, the round's dashboard."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from django.db.models import QuerySet

from core import clock, fiscal
from measures.models import AnnualTarget, Measure, Plan, ProgressReport
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


# The answers whose figures are still awaited: every state but 承認済.
AWAITED_STATES = (
    Answer.State.NOT_STARTED,
    Answer.State.DRAFT,
    Answer.State.SUBMITTED,
    Answer.State.RETURNED,
)
# The rounds the departments have been asked in and the secretariat has not finished: 準備中 is
# the secretariat's draft (no department has seen it), 完了 has nothing left to wait for.
ROUND_OPEN_STATES = (Round.State.OPEN, Round.State.CLOSED)


@dataclass(frozen=True, slots=True)
class AwaitedFigure:
    """One measure's figures for a fiscal year that an open round still awaits: the department
    that answers for it, its answer's state, the round's 回答期限. Plain values, not model
    instances: a round of 5,000 measures builds 5,000 of them."""

    round: Round
    measure_id: int
    measure_number: int
    measure_title: str
    department_name: str
    state: str

    @property
    def state_label(self) -> str:
        return str(Answer.State(self.state).label)

    @property
    def deadline(self) -> date:
        return self.round.deadline


@dataclass
class AwaitedDepartment:
    """A department whose answer a round still awaits, and how many measures it answers for."""

    answer_id: int
    department_name: str
    state: str
    measures: int = 0

    @property
    def state_label(self) -> str:
        return str(Answer.State(self.state).label)


@dataclass
class AwaitedRound:
    """An open round with the figures it still awaits, by department in the 所管課 order."""

    round: Round
    departments: list[AwaitedDepartment] = field(default_factory=list)
    figures: list[AwaitedFigure] = field(default_factory=list)

    @property
    def measures(self) -> int:
        return len(self.figures)

    @property
    def label(self) -> str:
        """令和3年度(2021年度)の進捗照会(令和3年12月31日時点、回答期限 令和4年1月31日、照会中)"""
        round_ = self.round
        return (
            f"{fiscal.fiscal_year_label(round_.fiscal_year)}の進捗照会"
            f"({fiscal.wareki_date(round_.as_of)}時点、回答期限 {fiscal.wareki_date(round_.deadline)}、"
            f"{round_.get_state_display()})"
        )


@dataclass
class AwaitedFigures:
    """What the open rounds of a plan still await, for the manager's workbook and the council's
    pages: the rounds, and each (measure, fiscal year) whose figures are not yet 承認済."""

    rounds: list[AwaitedRound]
    by_measure_year: dict[tuple[int, int], list[AwaitedFigure]]

    def __bool__(self) -> bool:
        return bool(self.rounds)

    def of(self, measure_id: int, fiscal_year: int) -> list[AwaitedFigure]:
        return self.by_measure_year.get((measure_id, fiscal_year), [])

    def of_measure(self, measure_id: int, fiscal_years: Iterable[int]) -> list[AwaitedFigure]:
        """What the rounds await of the measure, for each of ``fiscal_years`` in that order."""
        return [figure for year in fiscal_years for figure in self.of(measure_id, year)]


_AWAITED_COLUMNS = (
    "answer__round_id",
    "answer__round__fiscal_year",
    "answer__round__as_of",
    "answer__round__deadline",
    "answer__round__state",
    "answer_id",
    "answer__state",
    "answer__department__name",
    "measure_id",
    "measure__number",
    "measure__title",
)


def awaited_figures(
    *, plan: Plan, fiscal_years: Sequence[int], measures: QuerySet[Measure]
) -> AwaitedFigures:
    """The figures of ``measures`` for ``fiscal_years`` that the plan's open rounds (照会中 or 締切)
    still await: the rows of answers not yet 承認済. One query, whatever the number of measures,
    departments and rounds, read as plain values (5,000 rows of model instances took a second);
    nothing at all when no round is open."""
    rows = (
        AnswerRow.objects.filter(
            answer__round__plan=plan,
            answer__round__state__in=ROUND_OPEN_STATES,
            answer__round__fiscal_year__in=list(fiscal_years),
            answer__state__in=AWAITED_STATES,
            measure_id__in=measures.order_by().values("pk"),
        )
        .order_by(
            "answer__round__fiscal_year",
            "answer__round__as_of",
            "answer__department__order",
            "answer__department__name",
            "answer_id",
            "measure__order",
            "measure__number",
        )
        .values_list(*_AWAITED_COLUMNS)
    )
    rounds: dict[int, AwaitedRound] = {}
    by_measure_year: dict[tuple[int, int], list[AwaitedFigure]] = {}
    for round_id, year, as_of, deadline, round_state, answer_id, state, department, *measure in rows:
        awaited = rounds.get(round_id)
        if awaited is None:
            round_ = Round(
                pk=round_id, plan=plan, fiscal_year=year, as_of=as_of, deadline=deadline, state=round_state
            )
            awaited = rounds[round_id] = AwaitedRound(round=round_)
        if not awaited.departments or awaited.departments[-1].answer_id != answer_id:
            awaited.departments.append(AwaitedDepartment(answer_id, department, state))
        awaited.departments[-1].measures += 1
        figure = AwaitedFigure(awaited.round, *measure, department_name=department, state=state)
        awaited.figures.append(figure)
        by_measure_year.setdefault((figure.measure_id, year), []).append(figure)
    return AwaitedFigures(rounds=list(rounds.values()), by_measure_year=by_measure_year)
