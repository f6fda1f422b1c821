"""The demo's collection rounds (make run): last year's, finished, and this year's, open, with a
department in every state. Made through the services, as people would, by the demo accounts."""

from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core import clock
from measures.models import Department, Measure, Plan, ProgressStatus
from rounds.models import Answer, AnswerRow, Round
from rounds.services import answer_rows_save, answer_transition, round_create, round_transition

PLAN_NAME = "文京区官民データ活用推進計画"
# 総務課 is the demo's fifth department (measure 5, with 情報政策課), so that the open round shows all
# five states.
EXTRA_DEPARTMENT = ("総務課", 5)


class Command(BaseCommand):
    help = "デモ用の進捗照会(完了した昨年度分と、各状態の所管課がある照会中のもの)を作成します。DEBUG=true のときだけ。"

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("デモの進捗照会は DEBUG=true の開発環境でのみ作成できます。")
        plan = Plan.objects.filter(name=PLAN_NAME).first()
        if plan is None:
            raise CommandError("計画がありません。先に manage.py load_plan --demo を実行してください。")
        if Round.objects.filter(plan=plan).exists():
            self.stdout.write("デモの進捗照会はすでにあります。")
            return
        users = {user.username: user for user in get_user_model().objects.all()}
        missing = {"jimukyoku", "joho", "koho", "kikaku", "koseki", "somu"} - set(users)
        if missing:
            raise CommandError("先に manage.py create_demo_users を実行してください。")
        with transaction.atomic():
            department, _ = Department.objects.get_or_create(name=EXTRA_DEPARTMENT[0], defaults={"order": 5})
            Measure.objects.get(plan=plan, number=EXTRA_DEPARTMENT[1]).departments.add(department)
            # A measure of several departments is asked of the first in the 所管課 order (docs/rounds.md):
            # 情報政策課, which shares 施策2, 4 and 5, goes last, so that each department leads one.
            Department.objects.filter(name="情報政策課").update(order=99)
            self._rounds(plan, users)
        self.stdout.write("デモの進捗照会を作成しました: 令和2年度分(完了)と令和3年度分(照会中)。")

    def _rounds(self, plan, users):
        boss = users["jimukyoku"]
        statuses = list(ProgressStatus.objects.order_by("order"))
        today = clock.today()
        last = round_create(
            plan=plan,
            fiscal_year=2020,
            as_of=date(2020, 12, 31),
            deadline=today,
            message="令和2年度第3四半期(12月末時点)の進捗をお知らせください。",
            by=boss,
        )
        last = round_transition(round_=last, action="open", by=boss, loaded_version=last.version)
        for answer in last.answers.select_related("department"):
            self._answer(answer, users, statuses, submit=True)
            answer_transition(answer=answer, action="accept", by=boss, loaded_version=self._version(answer))
        last = round_transition(round_=last, action="close", by=boss, loaded_version=last.version)
        round_transition(round_=last, action="complete", by=boss, loaded_version=last.version)

        current = round_create(
            plan=plan,
            fiscal_year=2021,
            as_of=date(2021, 12, 31),
            deadline=today + timedelta(days=10),
            message="令和3年度第3四半期(12月末時点)の進捗を、回答期限までに入力して提出してください。",
            by=boss,
        )
        current = round_transition(round_=current, action="open", by=boss, loaded_version=current.version)
        answers = {a.department.name: a for a in current.answers.select_related("department")}
        # 企画課: 承認済; 広報課: 提出済; 戸籍住民課: 差戻し; 情報政策課: 入力中; 総務課: 未着手.
        self._answer(answers["企画課"], users, statuses, submit=True)
        answer_transition(
            answer=answers["企画課"],
            action="accept",
            by=boss,
            loaded_version=self._version(answers["企画課"]),
        )
        self._answer(answers["広報課"], users, statuses, submit=True)
        self._answer(answers["戸籍住民課"], users, statuses, submit=True)
        answer_transition(
            answer=answers["戸籍住民課"],
            action="return",
            by=boss,
            loaded_version=self._version(answers["戸籍住民課"]),
            comment="交付率の実績値が前回の報告より下がっています。数値を確認してください。",
        )
        self._answer(answers["情報政策課"], users, statuses, submit=False)

    @staticmethod
    def _version(answer: Answer) -> int:
        return Answer.objects.get(pk=answer.pk).version

    @staticmethod
    def _answer(answer: Answer, users, statuses, *, submit: bool) -> None:
        member = {
            "情報政策課": "joho",
            "広報課": "koho",
            "企画課": "kikaku",
            "戸籍住民課": "koseki",
            "総務課": "somu",
        }[answer.department.name]
        user = users[member]
        rows = list(
            AnswerRow.objects.filter(answer=answer).select_related("measure").order_by("measure__number")
        )
        for index, row in enumerate(rows):
            row.status = statuses[1 % len(statuses)] if statuses else None
            row.progress_percent = 50 + 10 * (index % 4)
            row.narrative = f"{row.measure.title}について、計画どおり取組を進めました。"
            row.issues = "担当職員の負担が大きい。" if index % 2 else ""
            row.next_steps = "次年度も継続して実施します。"
        if not submit:
            rows = rows[:1]
        answer_rows_save(answer=answer, rows=rows, by=user)
        if submit:
            answer_transition(
                answer=answer,
                action="submit",
                by=user,
                loaded_version=Answer.objects.get(pk=answer.pk).version,
            )
