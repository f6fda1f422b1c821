from datetime import date
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from core import fiscal
from measures.models import AnnualTarget, Plan, ProgressReport
from measures.services import plan_adopt

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
SEED = FIXTURES / "seed_plan.json"
DEMO = FIXTURES / "demo_progress.json"
# The demo's plan has three years of reports, so it was adopted: made up, like the reports, but
# placed where the seed's FY2018 schedule puts it. The schedule's last steps are the reports of
# February 2019 to the 庁議 and the council (after the committee's January meeting and the public
# comment from December); 2019-03-29 is the last working day (a Friday) before FY2019 begins.
DEMO_ADOPTED_ON = date(2019, 3, 29)


class Command(BaseCommand):
    help = "文京区の計画と平成30年度の策定スケジュール(fixtures/seed_plan.json)を、データベースが空のときだけ読み込みます。--demo でデモ用の進捗も読み込みます。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--demo",
            action="store_true",
            help="デモ用の年度目標と進捗報告(架空の数値)も読み込み、策定中の計画を策定済にする。報告が1件もないときだけ。",
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
                self._adopt_demo_plans(say)

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
