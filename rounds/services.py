"""Writes of collection rounds: each locks its row, checks the version the person saw, checks the
one table of allowed transitions, logs the change (Transition) and saves, or saves nothing.

Progress reports are written only through measures.services (progress_reports_accept), with the
checks every report passes; an answer is checked by the same rules when it is submitted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from simple_history.utils import bulk_create_with_history

from core import clock, fiscal
from core.users import display_name
from core.versioning import concurrent_edit_message
from measures.models import Department, Measure, Plan, ProgressReport
from measures.services import (
    InvalidReports,
    progress_report_withdraw,
    progress_reports_accept,
    progress_reports_validate,
)

from . import notifications
from .models import EDITABLE_STATES, ROW_FIELDS, Answer, AnswerRow, Round, Transition
from .selectors import user_answers_for

# ---- the tables of allowed transitions ---------------------------------------------------------

SECRETARIAT = "secretariat"
DEPARTMENT = "department"
# The secretariat's permission: it opens, closes and reviews rounds (bunkyo.roles gives it).
MANAGE_ROUNDS = "rounds.change_round"


@dataclass(frozen=True)
class Move:
    label: str  # what the button says
    sources: tuple[str, ...]
    target: str
    who: str
    round_states: tuple[str, ...] = ()
    refusal: str = ""  # the refusal's verb when 「{label}できません」 is not Japanese: 締め切れません

    @property
    def refused(self) -> str:
        return self.refusal or f"{self.label}できません"


R, A = Round.State, Answer.State
ROUND_MOVES = {
    "open": Move("照会を開始", (R.PREPARING,), R.OPEN, SECRETARIAT),
    "close": Move("締切", (R.OPEN,), R.CLOSED, SECRETARIAT, refusal="締め切れません"),
    "resume": Move("照会を再開", (R.CLOSED,), R.OPEN, SECRETARIAT),
    "complete": Move("完了", (R.CLOSED,), R.DONE, SECRETARIAT),
}
ANSWER_MOVES = {
    # The first value entered: 未着手 → 入力中 (answer_rows_save).
    "start": Move("入力", (A.NOT_STARTED,), A.DRAFT, DEPARTMENT, (R.OPEN,)),
    "submit": Move("提出", (A.NOT_STARTED, A.DRAFT, A.RETURNED), A.SUBMITTED, DEPARTMENT, (R.OPEN,)),
    "recall": Move("引き戻し", (A.SUBMITTED,), A.DRAFT, DEPARTMENT, (R.OPEN,)),
    "return": Move("差戻し", (A.SUBMITTED,), A.RETURNED, SECRETARIAT, (R.OPEN, R.CLOSED)),
    "accept": Move("承認", (A.SUBMITTED,), A.ACCEPTED, SECRETARIAT, (R.OPEN, R.CLOSED)),
    "reopen": Move(
        "承認の取り消し(再開)",
        (A.ACCEPTED,),
        A.RETURNED,
        SECRETARIAT,
        (R.OPEN, R.CLOSED),
        refusal="承認を取り消せません",
    ),
}

# A move the round's state does not allow: the department is told whom to ask; the secretariat,
# who would be that contact, only why.
ROUND_CLOSED_MESSAGE = "この照会は「{state}」のため、{refused}。"
ROUND_CLOSED_ASK = "事務局に連絡してください。"
# A move that does not say which version the person saw (a hand-made request, a page kept from long
# ago) cannot be checked for staleness: it is refused, never done blind.
NO_VERSION = "どの時点の画面からの操作か分からないため、受け付けられませんでした。画面を開き直してから、もう一度操作してください。"
NOT_YOURS = "この所管課の担当者ではないため、この回答を操作できません。"
SECRETARIAT_ONLY = "この操作は事務局だけができます。"
REASON_REQUIRED = "理由を入力してください。"
NOT_IN_ANSWER = "この行はこの回答のものではありません。画面を開き直してください。"


class RowErrors(ValidationError):
    """Rows of an answer that break a rule: ``rows`` maps each row's id to its ValidationError."""

    def __init__(self, message: str, rows: dict[int, ValidationError]):
        super().__init__(message, code="rows")
        self.rows = rows


def _log(
    *, round_: Round, answer: Answer | None, action: str, source: str, target: str, by, comment: str = ""
):
    Transition.objects.create(
        round=round_,
        answer=answer,
        action=action,
        from_state=source,
        to_state=target,
        by=by,
        at=clock.now(),
        comment=comment,
    )


def _stale(current, loaded_version: int | None) -> None:
    """Refuse a move made from an older state than the current one, or from no known state at all."""
    if loaded_version is None:
        raise ValidationError(NO_VERSION, code="no_version")
    if current.version != loaded_version:
        raise ValidationError(concurrent_edit_message(current, loaded_version), code="concurrent_edit")


def _state_label(model, state: str) -> str:
    return str(dict(model.State.choices).get(state, state))


def _refuse_state(current, move: Move, action: str) -> None:
    """The state does not allow the move: say what the state is, and who made it so when it is the
    move's own target (a double submit, a second accept)."""
    if current.state == move.target:
        raise ValidationError(
            f"この{current._meta.verbose_name}はすでに「{_state_label(type(current), move.target)}」です。"
            "画面を開き直して、今の状態を確かめてください。",
            code="already",
        )
    raise ValidationError(
        f"この{current._meta.verbose_name}は今「{current.get_state_display()}」のため、{move.refused}。",
        code="state",
    )


# ---- rounds --------------------------------------------------------------------------------------


def _leads(plan: Plan, department_ids: Iterable[int] | None = None) -> dict[int, int]:
    """Who answers for each measure of the plan: {measure id: department id}. A measure of several
    departments (共管) is asked of one, its lead (主管課): the first of them in the 所管課 order the
    secretariat keeps (表示順, then name), among the departments asked. One standing report per
    measure, year and 報告基準日 is the plan's rule, so one answer may carry it."""
    links = Measure.departments.through.objects.filter(measure__plan=plan)
    if department_ids is not None:
        links = links.filter(department_id__in=list(department_ids))
    leads: dict[int, int] = {}
    for measure_id, department_id in links.order_by(
        "measure_id", "department__order", "department__name"
    ).values_list("measure_id", "department_id"):
        leads.setdefault(measure_id, department_id)
    return leads


def departments_of_plan(plan: Plan):
    """The departments asked by default: every department that leads a measure of the plan."""
    return Department.objects.filter(pk__in=set(_leads(plan).values())).order_by("order", "name")


@transaction.atomic
def round_create(
    *,
    plan: Plan,
    fiscal_year: int,
    as_of: date,
    deadline: date,
    message: str = "",
    departments: Iterable[Department] | None = None,
    by,
) -> Round:
    """A new round, 準備中, with an empty answer for each department asked (by default, every
    department with a measure in the plan)."""
    round_ = Round(
        plan=plan, fiscal_year=fiscal_year, as_of=as_of, deadline=deadline, message=message, created_by=by
    )
    round_.full_clean()
    errors = {}
    if deadline and deadline < clock.today():
        errors["deadline"] = (
            f"回答期限に過ぎた日付は入力できません。今日({clock.today():%Y/%m/%d})以降にしてください。"
        )
    chosen = list(departments) if departments is not None else list(departments_of_plan(plan))
    if not chosen:
        errors["departments"] = "照会する所管課を選んでください。この計画の施策に所管課がありません。"
    if errors:
        raise ValidationError(errors)
    round_._history_user = by
    round_.save()
    bulk_create_with_history(
        [Answer(round=round_, department=department) for department in chosen], Answer, default_user=by
    )
    return round_


NOT_EDITABLE = "この進捗照会は今「{state}」のため、編集できません。編集できるのは「準備中」の照会だけです。"


def round_require_editable(round_: Round) -> None:
    """A round is edited only while 準備中: once opened, the departments have been asked."""
    if round_.state != Round.State.PREPARING:
        raise ValidationError(NOT_EDITABLE.format(state=round_.get_state_display()), code="state")


@transaction.atomic
def round_update(
    *,
    round_: Round,
    fiscal_year: int,
    as_of: date,
    deadline: date,
    message: str,
    departments: Iterable[Department],
    by,
    loaded_version: int | None,
) -> Round:
    """Change a round while it is 準備中: its year, dates, message and the departments asked (an
    answer made for each department added, the answer of each one taken off removed: none has rows
    before the round opens). The round is locked, then refused if it has been opened or changed
    since ``loaded_version`` (the form merges a colleague's change beforehand); the same checks as
    a new round. The history says who changed what: the round's fields, each answer added or removed."""
    if not by.has_perm(MANAGE_ROUNDS):
        raise ValidationError(SECRETARIAT_ONLY)
    current = Round.objects.select_for_update().select_related("plan").get(pk=round_.pk)
    round_require_editable(current)
    _stale(current, loaded_version)
    values = {"fiscal_year": fiscal_year, "as_of": as_of, "deadline": deadline, "message": message}
    unchanged = all(getattr(current, name) == value for name, value in values.items())
    for name, value in values.items():
        setattr(current, name, value)
    current.full_clean()
    chosen = {department.pk: department for department in departments}
    errors = {}
    if deadline < clock.today():
        errors["deadline"] = (
            f"回答期限に過ぎた日付は入力できません。今日({clock.today():%Y/%m/%d})以降にしてください。"
        )
    if not chosen:
        errors["departments"] = "照会する所管課を1つ以上選んでください。"
    if errors:
        raise ValidationError(errors)
    answers = {answer.department_id: answer for answer in current.answers.all()}
    removed = [answer for department_id, answer in answers.items() if department_id not in chosen]
    added = [Answer(round=current, department=chosen[pk]) for pk in chosen if pk not in answers]
    if unchanged and not removed and not added:
        return current  # nothing to record: the version stays, so no colleague's save is refused
    current._history_user = by
    current.save()
    for answer in removed:
        answer._history_user = by
        answer.delete()
    if added:
        bulk_create_with_history(added, Answer, default_user=by)
    return current


def _a_year_later(day: date) -> date:
    """The same day a year later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def round_copy(*, source: Round, by) -> Round:
    """The same round a year later, 準備中: the same departments and message, the dates a year on."""
    as_of = _a_year_later(source.as_of)
    deadline = _a_year_later(source.deadline)
    return round_create(
        plan=source.plan,
        fiscal_year=source.fiscal_year + 1,
        as_of=as_of,
        deadline=max(deadline, clock.today()),
        message=source.message,
        departments=[answer.department for answer in source.answers.select_related("department")],
        by=by,
    )


def _rows_fill(round_: Round, by) -> None:
    """Each answer's rows: one per measure its department leads among the departments asked (made when
    the round opens, so that measures added while it is prepared are asked too), each with its first
    history entry, by ``by`` (so that a row's first edit shows what it changed). Rows already there
    are kept."""
    answers = {answer.department_id: answer for answer in round_.answers.all()}
    have = set(AnswerRow.objects.filter(answer__round=round_).values_list("measure_id", flat=True))
    leads = _leads(round_.plan, answers)
    order = dict(Measure.objects.filter(pk__in=leads).order_by("order", "number").values_list("pk", "number"))
    rows = [
        AnswerRow(answer=answers[leads[measure_id]], measure_id=measure_id)
        for measure_id in order
        if measure_id not in have
    ]
    bulk_create_with_history(rows, AnswerRow, batch_size=1000, default_user=by)


@transaction.atomic
def round_transition(
    *, round_: Round, action: str, by, loaded_version: int | None, comment: str = ""
) -> Round:
    """Open, close, resume or complete a round. Opening makes the rows and e-mails every member of
    the departments asked (after the commit)."""
    move = ROUND_MOVES.get(action)
    if move is None:
        raise ValidationError("この操作はできません。")
    if not by.has_perm(MANAGE_ROUNDS):
        raise ValidationError(SECRETARIAT_ONLY)
    current = Round.objects.select_for_update().get(pk=round_.pk)
    if current.state not in move.sources:
        _refuse_state(current, move, action)
    _stale(current, loaded_version)
    if action == "complete":
        pending = current.answers.filter(state__in=(A.SUBMITTED, A.RETURNED)).count()
        if pending:
            # 完了 ends the round: an answer still to review or to resubmit would be stranded.
            raise ValidationError(
                f"提出済または差戻しの回答が{pending}件あるため、完了できません。"
                "提出済の回答は承認か差戻しを、差戻しの回答は照会を再開して再提出を待ってください。",
                code="pending",
            )
    if action == "open" and current.deadline < clock.today():
        raise ValidationError(
            {
                "deadline": f"回答期限({fiscal.wareki_date(current.deadline)})が過ぎています。回答期限を直してから照会を開始してください。"
            }
        )
    source = current.state
    current.state = move.target
    if action == "open":
        current.opened_at = clock.now()
        _rows_fill(current, by)
    current._history_user = by
    current._change_reason = comment or None
    current.save()
    _log(
        round_=current, answer=None, action=action, source=source, target=move.target, by=by, comment=comment
    )
    if action == "open":
        notifications.round_opened(current)
    return current


def round_remind(*, round_: Round, by) -> int:
    """The secretariat's one-click reminder to every department that has not submitted: the number
    of e-mails queued (one per member, at most once a day each)."""
    if not by.has_perm(MANAGE_ROUNDS):
        raise ValidationError(SECRETARIAT_ONLY)
    if round_.state != Round.State.OPEN:
        raise ValidationError(f"この照会は今「{round_.get_state_display()}」のため、督促できません。")
    return notifications.round_remind(round_)


# ---- answers -------------------------------------------------------------------------------------


def _require_actor(answer: Answer, move: Move, by) -> None:
    if move.who == SECRETARIAT:
        if not by.has_perm(MANAGE_ROUNDS):
            raise ValidationError(SECRETARIAT_ONLY)
    elif not user_answers_for(by, answer):
        raise ValidationError(NOT_YOURS)


def _require_round(answer: Answer, move: Move) -> None:
    round_ = answer.round
    if move.round_states and round_.state not in move.round_states:
        raise ValidationError(
            ROUND_CLOSED_MESSAGE.format(state=round_.get_state_display(), refused=move.refused)
            + (ROUND_CLOSED_ASK if move.who == DEPARTMENT else ""),
            code="round_state",
        )


def _lock(answer: Answer) -> Answer:
    return Answer.objects.select_for_update().select_related("round", "department").get(pk=answer.pk)


@transaction.atomic
def answer_rows_save(*, answer: Answer, rows: Sequence[AnswerRow], by) -> Answer:
    """Save what a member of the department changed in the draft: only the rows given (each with its
    version as the person loaded it, merged field by field beforehand by the form), each stamped
    with who entered it. The first save moves the answer from 未着手 to 入力中."""
    current = _lock(answer)
    move = ANSWER_MOVES["start"]
    _require_actor(current, move, by)
    if current.state not in EDITABLE_STATES:
        submitted = (
            f"{display_name(current.submitted_by)}さんが提出したため、"
            if current.state == A.SUBMITTED
            else ""
        )
        raise ValidationError(
            f"この回答は{submitted}今「{current.get_state_display()}」です。変更できません。"
            + ("引き戻すと、また入力できます。" if current.state == A.SUBMITTED else ""),
            code="state",
        )
    _require_round(current, move)
    now = clock.now()
    errors = {}
    for row in rows:
        if row.answer_id != current.pk:
            raise ValidationError(NOT_IN_ANSWER)
        row.entered_by, row.entered_at = by, now
        try:
            row.full_clean(exclude=["answer", "measure", "report", "entered_by"])
        except ValidationError as error:
            errors[row.pk] = error
    if errors:
        raise RowErrors("入力に誤りがあります。各欄のメッセージを確かめてください。", errors)
    for row in rows:
        row._history_user = by
        row.save()
    if rows and current.state == A.NOT_STARTED:
        _answer_move(current, "start", by)
    return current


def _answer_move(current: Answer, action: str, by, comment: str = "") -> None:
    move = ANSWER_MOVES[action]
    source = current.state
    current.state = move.target
    current._history_user = by
    current._change_reason = comment or None
    current.save()
    _log(
        round_=current.round,
        answer=current,
        action=action,
        source=source,
        target=move.target,
        by=by,
        comment=comment,
    )


def _reports_for(current: Answer, rows: Sequence[AnswerRow]) -> list[ProgressReport]:
    round_ = current.round
    return [
        ProgressReport(
            measure=row.measure,
            fiscal_year=round_.fiscal_year,
            as_of=round_.as_of,
            **row.figures(),
            notes=f"{round_}への{current.department}の回答(承認済)",
        )
        for row in rows
    ]


def _row_matches_report(row: AnswerRow) -> bool:
    """The row says what its report, accepted earlier, says (an answer reopened and accepted again)."""
    report = row.report
    return (
        report is not None
        and report.withdrawn_on is None
        and all(getattr(row, name) == getattr(report, name) for name in ROW_FIELDS)
    )


def _rows_to_report(current: Answer) -> tuple[list[AnswerRow], list[AnswerRow]]:
    """(rows whose report is to be made, rows whose earlier report is to be replaced)."""
    rows = list(
        current.rows.select_related("measure__plan", "status", "report", "entered_by").order_by(
            "measure__order", "measure__number"
        )
    )
    new = [row for row in rows if not _row_matches_report(row)]
    replaced = [row for row in new if row.report is not None and row.report.withdrawn_on is None]
    return new, replaced


def _rows_check(current: Answer, rows: Sequence[AnswerRow], replaced: Sequence[AnswerRow]) -> None:
    """Every row as the report it will become, through the checks every report passes."""
    errors = _rows_missing(rows)
    checked = [row for row in rows if row.pk not in errors]
    replacing = {row.pk for row in replaced}
    for index, error in progress_reports_validate(_reports_for(current, checked)).items():
        row = checked[index]
        if row.pk in replacing and _only_unique(error):
            continue  # the earlier report is withdrawn first
        errors[row.pk] = error
    if errors:
        raise RowErrors(
            f"{len(errors)}件の施策に、直す必要のある入力があります。各行のメッセージを確かめてください。",
            errors,
        )


def _rows_missing(rows: Sequence[AnswerRow]) -> dict[int, ValidationError]:
    """The figures a report cannot do without, in the words of the department's page."""
    errors: dict[int, ValidationError] = {}
    for row in rows:
        missing = {}
        if row.status_id is None:
            missing["status"] = "進捗状況を選んでください。"
        if row.progress_percent is None:
            missing["progress_percent"] = "進捗率を0から100の整数で入力してください。"
        if missing:
            errors[row.pk] = ValidationError(missing)
    return errors


def _only_unique(error: ValidationError) -> bool:
    return set(error.message_dict) == {"as_of"}


@transaction.atomic
def answer_transition(
    *,
    answer: Answer,
    action: str,
    by,
    loaded_version: int | None,
    comment: str = "",
    row_comments: dict[int, str] | None = None,
) -> Answer:
    """Submit, recall, return, accept or reopen an answer. The row is locked and the version the
    person saw checked; a move the table does not allow, from this state or in this round's state,
    is refused with the reason. Accepting makes every row a progress report in this transaction."""
    move = ANSWER_MOVES.get(action)
    if move is None or action == "start":
        raise ValidationError("この操作はできません。")
    current = _lock(answer)
    _require_actor(current, move, by)
    if current.state not in move.sources:
        _refuse_state(current, move, action)
    _stale(current, loaded_version)
    _require_round(current, move)
    row_comments = {pk: text.strip() for pk, text in (row_comments or {}).items() if text and text.strip()}
    comment = (comment or "").strip()
    if action in ("return", "reopen") and not comment and not (action == "return" and row_comments):
        raise ValidationError({"comment": REASON_REQUIRED})
    if action == "submit":
        new, replaced = _rows_to_report(current)
        _rows_check(current, new, replaced)
        current.submitted_by, current.submitted_at = by, clock.now()
        current.late = clock.today() > current.round.deadline
        current.accepted_by = current.accepted_at = None
    elif action == "accept":
        _accept(current, by)
        current.accepted_by, current.accepted_at = by, clock.now()
    elif action == "return":
        current.return_reason = comment
        _row_comments_set(current, row_comments, by=by)
    elif action == "reopen":
        current.return_reason = comment
        current.accepted_by = current.accepted_at = None
    elif action == "recall":
        current.submitted_by, current.submitted_at, current.late = None, None, False
    if action in ("submit", "accept"):
        current.return_reason = ""
    _answer_move(current, action, by, comment)
    if action in ("return", "reopen"):
        notifications.answer_returned(current)
    return current


def _rows_link(rows: Sequence[AnswerRow], reports: Sequence[ProgressReport], *, by, reason: str) -> None:
    """Each accepted row linked to its new report (what a later reopening compares with), and its
    差戻しのコメント cleared, with a history entry each (by ``by``, for ``reason``), as bulk_update_with_
    history would write them. One statement run for every row: a bulk_update's CASE of thousands
    of ids costs more than the reports themselves, and an UPDATE with a subquery on reports
    inserted a moment ago is planned without their statistics (PostgreSQL: seconds for 2,000 rows).
    The history, one INSERT for all, is written from the rows as read for the acceptance."""
    table = connection.ops.quote_name(AnswerRow._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET report_id = %s, return_comment = '' WHERE id = %s",
            [(report.pk, row.pk) for row, report in zip(rows, reports, strict=True)],
        )
    for row, report in zip(rows, reports, strict=True):
        row.report, row.return_comment = report, ""
    AnswerRow.history.bulk_history_create(
        rows, update=True, default_user=by, default_change_reason=reason, batch_size=1000
    )


def _row_comments_set(current: Answer, comments: dict[int, str], *, by) -> None:
    """Each row's 差戻しのコメント (none for a row not named), with a history entry for every row
    whose comment changed, by ``by``, so that who returned which figure, and why, is on /timeline/."""
    changed = []
    for row in current.rows.all():
        comment = comments.get(row.pk, "")
        if row.return_comment != comment:
            row.return_comment = comment
            changed.append(row)
    AnswerRow.objects.bulk_update(changed, ["return_comment"], batch_size=1000)
    AnswerRow.history.bulk_history_create(
        changed,
        update=True,
        default_user=by,
        default_change_reason=f"{current.round}への{current.department}の回答を差戻し",
        batch_size=1000,
    )


def _accept(current: Answer, by) -> None:
    """Every row becomes a progress report, authored by the member who entered it, accepted by ``by``;
    all or none. A row accepted before and unchanged since adds nothing; one changed since (the
    answer was reopened) withdraws its earlier report, with the reason, and adds the new one."""
    new, replaced = _rows_to_report(current)
    # progress_reports_accept checks every rule below; only what the page words itself is checked here.
    if missing := _rows_missing(new):
        raise RowErrors(
            f"{len(missing)}件の施策に、直す必要のある入力があります。各行のメッセージを確かめてください。",
            missing,
        )
    round_ = current.round
    for row in replaced:
        progress_report_withdraw(
            report=row.report,
            withdrawn_on=max(clock.today(), row.report.as_of),
            reason=f"{round_}への{current.department}の回答を承認し直したため、新しい報告に差し替えました。",
            by=by,
            loaded_version=row.report.version,
        )
    reason = f"{round_}への{current.department}の回答を承認"
    try:
        reports = progress_reports_accept(
            reports=_reports_for(current, new),
            authors=[row.entered_by for row in new],
            accepted_by=by,
            change_reason=reason,
        )
    except InvalidReports as invalid:
        raise RowErrors(
            "承認できませんでした。次の施策の内容を確かめてください。",
            {new[index].pk: error for index, error in invalid.errors.items()},
        ) from None
    _rows_link(new, reports, by=by, reason=reason)
