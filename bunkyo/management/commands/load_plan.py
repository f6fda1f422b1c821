from datetime import date
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core import fiscal
from measures.models import AnnualTarget, Plan, ProgressReport
from measures.services import plan_adopt
from schedule.models import PublicCommentPeriod, ScheduledItem
from schedule.services import MarkHeldRefused, scheduled_items_mark_held

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
SEED = FIXTURES / "seed_plan.json"
DEMO = FIXTURES / "demo_progress.json"
# The demo's plan has three years of reports, so it was adopted: made up, like the reports, but
# placed where the seed's FY2018 schedule puts it. The schedule's last steps are the reports of
# February 2019 to the 庁議 and the council (after the committee's January meeting and the public
# comment from December); 2019-03-29 is the last working day (a Friday) before FY2019 begins.
DEMO_ADOPTED_ON = date(2019, 3, 29)

# An adopted plan was drafted: the demo holds the seed's FY2018 schedule. Made up like the reports:
# each meeting and report on a working day of its month (no weekend, holiday or closure day), in the
# document's order, which schedule/checks.py asks for: in each round the 部会 on or before the 委員会's
# day, then the report to the 庁議, then the council's. The first round is the document's own: the
# 委員会 of April starts the drafting before the 部会 of May studies the 骨子 (the one finding the
# checks make, tests/test_demo_data.py). The public comment, from December, ends before the
# January 委員会 that decides the final draft; its answers are published on the adoption day.
DEMO_DRAFTING_YEAR = 2018
DEMO_HELD_ON = {
    # (body, 予定月): 実施日
    ("IT・情報セキュリティ委員会", 4): date(2018, 4, 19),
    ("IT・情報セキュリティ部会", 5): date(2018, 5, 15),
    ("庁議", 5): date(2018, 5, 22),
    ("区議会", 6): date(2018, 6, 12),
    ("IT・情報セキュリティ部会", 7): date(2018, 7, 10),
    ("IT・情報セキュリティ委員会", 7): date(2018, 7, 24),
    ("IT・情報セキュリティ部会", 10): date(2018, 10, 11),
    ("IT・情報セキュリティ委員会", 10): date(2018, 10, 25),
    ("庁議", 11): date(2018, 11, 13),
    ("区議会", 12): date(2018, 12, 4),
    ("IT・情報セキュリティ部会", 1): date(2019, 1, 17),
    ("IT・情報セキュリティ委員会", 1): date(2019, 1, 24),
    ("庁議", 2): date(2019, 2, 5),
    ("区議会", 2): date(2019, 2, 19),
}
DEMO_PUBLIC_COMMENT = {
    "start_date": date(2018, 12, 10),
    "end_date": date(2019, 1, 11),  # 33 days, the day of publication being day 1
    "comments_received": 12,
    "answers_published_on": DEMO_ADOPTED_ON,
    # The seed's note says the dates are to be entered when decided; here they are.
    "notes": "策定スケジュールでは12月に開始。",
}
DEMO_HELD_REASON = "デモデータ: 平成30年度の策定スケジュールを実施済にしました(実施日は架空)。"
DEMO_PUBLIC_COMMENT_REASON = "デモデータ: 意見募集の期間と結果を入力しました(架空)。"


class Command(BaseCommand):
    help = "文京区の計画と平成30年度の策定スケジュール(fixtures/seed_plan.json)を、データベースが空のときだけ読み込みます。--demo でデモ用の進捗も読み込みます。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--demo",
            action="store_true",
            help="デモ用の年度目標と進捗報告(架空の数値)も読み込み、平成30年度の策定スケジュールを実施済に"
            "(実施日は架空)、策定中の計画を策定済にする。報告が1件もないときだけ。",
        )

    @transaction.atomic
    def handle(self, *args, demo=False, verbosity=1, **options):
        say = self.stdout.write if verbosity > 0 else (lambda *a, **k: None)
        # Loaded only into an empty database: running again must never overwrite what the
        # secretariat has since changed, nor duplicate anything.
        if Plan.objects.exists():
            say("計画はすでに登録されています。読み込みは行いません。")
        else:
            call_command("loaddata", str(SEED), verbosity=0)
            # Fixtures load without history; give every row its first 変更履歴 entry.
            call_command("populate_history", auto=True, verbosity=0, stdout=StringIO(), stderr=StringIO())
            say(self.style.SUCCESS(f"計画と策定スケジュールを読み込みました({SEED.name})。"))
        if demo:
            if AnnualTarget.objects.exists() or ProgressReport.objects.exists():
                say("年度目標または進捗報告がすでにあります。デモデータは読み込みません。")
            else:
                call_command("loaddata", str(DEMO), verbosity=0)
                call_command("populate_history", auto=True, verbosity=0, stdout=StringIO(), stderr=StringIO())
                say(self.style.SUCCESS(f"デモ用の年度目標と進捗報告を読み込みました({DEMO.name})。"))
                self._hold_demo_schedule(say)
                self._adopt_demo_plans(say)

    def _hold_demo_schedule(self, say) -> None:
        """The seed's FY2018 items still 予定 become 実施済 on their DEMO_HELD_ON days, through the
        service (validated, all or none, in their history); the public comment gets its dates and record."""
        items = ScheduledItem.objects.filter(
            fiscal_year=DEMO_DRAFTING_YEAR, status=ScheduledItem.Status.PLANNED
        ).select_related("body")
        dates = {
            item.pk: DEMO_HELD_ON[(item.body.name, item.planned_month)]
            for item in items
            if (item.body.name, item.planned_month) in DEMO_HELD_ON
        }
        try:
            marked = scheduled_items_mark_held(
                items=items.filter(pk__in=dates), dates=dates, reason=DEMO_HELD_REASON
            )
        except MarkHeldRefused as refused:
            reasons = " ".join(message for error in refused.refusals.values() for message in error.messages)
            raise CommandError(f"デモ用の策定スケジュールを実施済にできませんでした: {reasons}") from None
        # Only a period as the seed left it (never saved since): the secretariat's entries stay.
        for period in PublicCommentPeriod.objects.filter(fiscal_year=DEMO_DRAFTING_YEAR, version=1):
            for name, value in DEMO_PUBLIC_COMMENT.items():
                setattr(period, name, value)
            period.full_clean()
            # django-simple-history's history_change_reason
            period._change_reason = DEMO_PUBLIC_COMMENT_REASON
            period.save()
        if marked:
            say(
                self.style.SUCCESS(
                    f"デモ用に{fiscal.fiscal_year_label(DEMO_DRAFTING_YEAR)}の策定スケジュール"
                    f"{len(marked)}件を実施済にしました(実施日は架空)。"
                )
            )

    def _adopt_demo_plans(self, say) -> None:
        """The plans the demo reports are on, still 策定中, become 策定済 and 公開 (validated, in their history)."""
        drafting = Plan.objects.filter(
            status=Plan.Status.DRAFTING, measures__progress_reports__isnull=False
        ).distinct()
        label = fiscal.wareki_date(DEMO_ADOPTED_ON)
        for plan in drafting:
            # Published too, so that /opendata/ and the API answer without signing in after make run.
            plan.published = True
            plan_adopt(
                plan=plan,
                adopted_on=DEMO_ADOPTED_ON,
                reason=f"デモデータ: 策定済にし、オープンデータとして公開しました(策定日 {label})。",
            )
            say(
                self.style.SUCCESS(
                    f"デモ用に計画「{plan.name}」を策定済にし(策定日 {label})、オープンデータとして公開しました。"
                )
            )
