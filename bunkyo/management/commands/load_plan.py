from io import StringIO
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from measures.models import AnnualTarget, Plan, ProgressReport

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
SEED = FIXTURES / "seed_plan.json"
DEMO = FIXTURES / "demo_progress.json"


class Command(BaseCommand):
    help = "文京区の計画と平成30年度の策定スケジュール(fixtures/seed_plan.json)を、データベースが空のときだけ読み込みます。--demo でデモ用の進捗も読み込みます。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--demo",
            action="store_true",
            help="デモ用の年度目標と進捗報告(架空の数値)も読み込む。報告が1件もないときだけ。",
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
            call_command("populate_history", auto=True, verbosity=0, stdout=StringIO())
            say(self.style.SUCCESS(f"計画と策定スケジュールを読み込みました({SEED.name})。"))
        if demo:
            if AnnualTarget.objects.exists() or ProgressReport.objects.exists():
                say("年度目標または進捗報告がすでにあります。デモデータは読み込みません。")
            else:
                call_command("loaddata", str(DEMO), verbosity=0)
                call_command("populate_history", auto=True, verbosity=0, stdout=StringIO())
                say(self.style.SUCCESS(f"デモ用の年度目標と進捗報告を読み込みました({DEMO.name})。"))
