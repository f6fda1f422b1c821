"""E-mail to department staff, through Django's e-mail framework (SMTP in production, the console
in `make run`, locmem in the tests: docs/operations.md).

Each e-mail is first a Notification row, written in the transaction of what caused it, with a key
that makes it once only. After the commit it is handed to the background worker (the
`notifications_send_task` task, run by manage.py db_worker), so a save never waits for the mail
server and never fails because of it. It is sent outside any transaction: a slow mail server holds
no database lock. What could not be sent stays unsent, logged, and `manage.py send_round_reminders`
tries it again on its next run, along with the deadline reminders, up to `MAX_ATTEMPTS` times.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django_tasks import task

from core import clock, fiscal
from core.addresses import site_url
from core.users import display_name

from .models import UNANSWERED_STATES, Answer, DepartmentMember, Notification, Round

logger = logging.getLogger(__name__)

SUBJECT_PREFIX = "【進捗照会】"
# An e-mail that fails this many times is given up (and logged as an error): the reminder command
# does not fail for it on every run forever.
MAX_ATTEMPTS = 5
# A claim older than this was left by a run that died: the e-mail is taken again. Longer than any
# send (EMAIL_TIMEOUT is 30 s).
CLAIM_EXPIRES = timedelta(minutes=10)


def _members(department_ids: Iterable[int]) -> dict[int, list]:
    """Each department's active members with an e-mail address."""
    members: dict[int, list] = {}
    for membership in (
        DepartmentMember.objects.filter(department_id__in=list(department_ids), user__is_active=True)
        .exclude(user__email="")
        .select_related("user")
    ):
        members.setdefault(membership.department_id, []).append(membership.user)
    return members


def _round_facts(round_: Round) -> str:
    return (
        f"計画: {round_.plan.name}\n"
        f"年度: {fiscal.fiscal_year_label(round_.fiscal_year)}\n"
        f"報告基準日: {fiscal.wareki_date(round_.as_of)}\n"
        f"回答期限: {fiscal.wareki_date(round_.deadline)}\n"
    )


def _body(user, answer: Answer, round_: Round, text: str) -> str:
    return (
        f"{answer.department} {display_name(user)} 様\n\n{text}\n\n{_round_facts(round_)}\n"
        f"回答のページ: {site_url('rounds:answer', answer.pk)}\n\n"
        "このメールは文京区官民データ活用推進計画 進捗管理から自動で送っています。\n"
    )


def _queue(round_: Round, kind: str, answers: Iterable[Answer], subject: str, text, key: str) -> int:
    """Record one e-mail per member of each answer's department (``text(answer)`` its message),
    keyed ``{key}:{answer}:{user}`` so that none is recorded twice; after the commit, hand them to the
    background worker to send."""
    answers = list(answers)
    members = _members(answer.department_id for answer in answers)
    now = clock.now()
    notes = [
        Notification(
            key=f"{key}:{answer.pk}:{user.pk}",
            kind=kind,
            round=round_,
            recipient=user,
            subject=SUBJECT_PREFIX + subject,
            body=_body(user, answer, round_, text(answer)),
            created_at=now,
        )
        for answer in answers
        for user in members.get(answer.department_id, ())
    ]
    keys = [note.key for note in notes]
    known = set(Notification.objects.filter(key__in=keys).values_list("key", flat=True))
    new = [note for note in notes if note.key not in known]
    Notification.objects.bulk_create(new, ignore_conflicts=True, batch_size=500)
    if new:
        new_keys = [note.key for note in new]
        # robust: should the queue refuse the task, the save stands and the error is logged; the
        # e-mails wait unsent for send_round_reminders.
        transaction.on_commit(lambda: notifications_send_task.enqueue(keys=new_keys), robust=True)
    return len(new)


def round_opened(round_: Round) -> int:
    def text(answer):
        message = f"\n{round_.message}\n" if round_.message else ""
        return (
            f"{round_.plan.name}の{fiscal.fiscal_year_label(round_.fiscal_year)}の進捗状況について、"
            f"事務局から照会があります。回答期限までに、所管の施策の実績を入力して提出してください。{message}"
        )

    return _queue(
        round_,
        Notification.Kind.OPENED,
        round_.answers.select_related("department"),
        f"{fiscal.fiscal_year_label(round_.fiscal_year)}の進捗状況の照会(回答期限: {fiscal.wareki_date(round_.deadline)})",
        text,
        f"opened:{round_.pk}",
    )


def answer_returned(answer: Answer) -> int:
    round_ = answer.round
    # Each return is its own e-mail: the key counts the answer's returns so far.
    returns = answer.transitions.filter(to_state=Answer.State.RETURNED).count()

    def text(_answer):
        reason = f"\n差戻しの理由:\n{answer.return_reason}\n" if answer.return_reason else ""
        return f"提出された回答が事務局から差し戻されました。内容を直して、もう一度提出してください。{reason}"

    return _queue(
        round_,
        Notification.Kind.RETURNED,
        [answer],
        f"回答が差し戻されました({answer.department})",
        text,
        f"returned:{returns}",
    )


def round_remind(round_: Round, on: date | None = None) -> int:
    """The secretariat's reminder to the departments that have not submitted: once a day at most."""
    on = on or clock.today()
    answers = round_.answers.filter(state__in=UNANSWERED_STATES).select_related("department")
    return _queue(
        round_,
        Notification.Kind.REMINDER,
        answers,
        f"回答のお願い(回答期限: {fiscal.wareki_date(round_.deadline)})",
        lambda answer: "まだ回答が提出されていません。回答期限までに入力して提出してください。",
        f"reminder:{on.isoformat()}",
    )


# Days before the deadline from which those who have not submitted are reminded, each once.
DEADLINE_REMINDERS = {7: Notification.Kind.DUE_7, 1: Notification.Kind.DUE_1}


def _days_left_text(days_left: int) -> str:
    """The reminder's words for the days really left (a round may open 3 days before its deadline,
    the command may first run on the deadline day)."""
    if days_left == 0:
        return "本日が回答期限です"
    if days_left == 1:
        return "回答期限は明日です"
    return f"回答期限まであと{days_left}日です"


def deadline_reminders_queue(on: date | None = None) -> int:
    """The reminders due on ``on`` for every open round: 7 days and 1 day before the deadline (sent
    from that day on, if the command did not run that day) and once the deadline has passed, each
    once per person. Returns the number of e-mails recorded."""
    on = on or clock.today()
    queued = 0
    for round_ in Round.objects.filter(state=Round.State.OPEN).select_related("plan"):
        answers = list(round_.answers.filter(state__in=UNANSWERED_STATES).select_related("department"))
        if not answers:
            continue
        days_left = (round_.deadline - on).days
        if days_left < 0:
            queued += _queue(
                round_,
                Notification.Kind.OVERDUE,
                answers,
                "回答期限を過ぎています",
                lambda answer: (
                    "回答期限を過ぎましたが、まだ提出されていません。入力して提出してください(期限後として受け付けます)。"
                ),
                f"overdue:{round_.deadline.isoformat()}",
            )
            continue
        # The nearest reminder whose day has come: 1 day before beats 7 days before.
        due = [days for days in sorted(DEADLINE_REMINDERS) if days_left <= days]
        if due:
            kind = DEADLINE_REMINDERS[due[0]]
            subject = _days_left_text(days_left)
            queued += _queue(
                round_,
                kind,
                answers,
                subject,
                lambda answer, t=f"{subject}。まだ提出されていません。": t,
                f"{kind}:{round_.deadline.isoformat()}",
            )
    return queued


def _claim(pk: int) -> Notification | None:
    """Take one unsent e-mail for this run, in a short transaction of its own: two runs at once never
    send the same e-mail twice, and a claim left by a run that died is taken again after CLAIM_EXPIRES."""
    now = clock.now()
    claimable = Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_EXPIRES)
    with transaction.atomic():
        claimed = Notification.objects.filter(
            claimable, pk=pk, sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS
        ).update(claimed_at=now)
    if not claimed:
        return None
    return Notification.objects.select_related("recipient").get(pk=pk)


def notifications_send(keys: Iterable[str] | None = None) -> tuple[int, int]:
    """Send the unsent e-mails (those named, or all): (sent, failed). Each is claimed in a short
    transaction, sent outside any transaction (the mail server may take EMAIL_TIMEOUT seconds, and no
    save waits for it), then marked sent, or failed, in another. A failure is logged and counted on
    the row, which stays unsent for the next run, up to MAX_ATTEMPTS tries; then it is given up and
    logged as an error. Nothing is raised."""
    pending = Notification.objects.filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS).order_by("pk")
    if keys is not None:
        pending = pending.filter(key__in=list(keys))
    sent = failed = 0
    for pk in list(pending.values_list("pk", flat=True)):
        try:
            note = _claim(pk)
            if note is None:
                continue
            try:
                send_mail(note.subject, note.body, settings.DEFAULT_FROM_EMAIL, [note.recipient.email])
            except Exception as error:  # noqa: BLE001 - any failure of the mail server is retried
                attempts = note.attempts + 1
                Notification.objects.filter(pk=pk).update(
                    attempts=attempts, last_error=f"{type(error).__name__}: {error}"[:1000], claimed_at=None
                )
                if attempts >= MAX_ATTEMPTS:
                    logger.error(
                        "notification %s to user %s given up after %d attempts: %s",
                        note.key,
                        note.recipient_id,
                        attempts,
                        error,
                    )
                else:
                    logger.warning(
                        "notification %s to user %s not sent: %s", note.key, note.recipient_id, error
                    )
                failed += 1
                continue
            Notification.objects.filter(pk=pk).update(
                sent_at=clock.now(), attempts=note.attempts + 1, last_error="", claimed_at=None
            )
            sent += 1
        except Exception:  # noqa: BLE001 - never let an e-mail break the run or the request that caused it
            logger.exception("notification %s: could not be sent", pk)
            failed += 1
    return sent, failed


@task()
def notifications_send_task(keys: list[str]) -> list[int]:
    """Send the e-mails a save has just recorded, in the background worker (manage.py db_worker):
    the request that recorded them never waits for the mail server."""
    return list(notifications_send(keys=keys))
