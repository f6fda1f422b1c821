from django.core.management.base import BaseCommand, CommandError

from bunkyo.synthetic import (
    MAX_MEASURES_PER_PLAN,
    SYNTHETIC_PREFIX,
    SyntheticDataRefused,
    build_synthetic_plans,
)
from core import fiscal


class Command(BaseCommand):
    help = (
        "性能試験用の合成データ(計画・目的・施策・年度目標・進捗報告・策定スケジュール)を一括で作ります。"
        f"計画名は「{SYNTHETIC_PREFIX}」で始まります。合成データではない計画があるときは --force が必要です。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--plans", type=int, default=1, help="作る計画の数(3年度ずつ、期間は重なりません)。"
        )
        parser.add_argument(
            "--measures-per-plan",
            type=int,
            default=100,
            help=f"計画ごとの施策の数(1〜{MAX_MEASURES_PER_PLAN})。",
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="乱数のシード。同じシードなら同じデータになります。"
        )
        parser.add_argument(
            "--force", action="store_true", help="合成データではない計画があるデータベースにも加えます。"
        )
        parser.add_argument(
            "--no-history",
            action="store_true",
            help="変更履歴(django-simple-history)を作りません(速くなります)。",
        )

    def handle(self, *args, plans, measures_per_plan, seed, force, no_history, **options):
        if plans < 1:
            raise CommandError("--plans は1以上にしてください。")
        if not 1 <= measures_per_plan <= MAX_MEASURES_PER_PLAN:
            raise CommandError(f"--measures-per-plan は1から{MAX_MEASURES_PER_PLAN}までにしてください。")
        try:
            summary = build_synthetic_plans(
                plans=plans,
                measures_per_plan=measures_per_plan,
                seed=seed,
                force=force,
                history=not no_history,
            )
        except SyntheticDataRefused as refusal:
            raise CommandError(str(refusal)) from refusal
        periods = "、".join(fiscal.fiscal_period_label(a, b) for a, b in summary.periods)
        self.stdout.write(
            self.style.SUCCESS(
                f"合成データを作りました: 計画{len(summary.plans)}件({periods})、施策{summary.measures}件、"
                f"年度目標{summary.targets}件、進捗報告{summary.reports}件(うち取り下げ{summary.withdrawn}件)、"
                f"会議・報告の予定{summary.scheduled_items}件。{summary.seconds}秒。"
            )
        )
