"""Synthetic plans at scale for the benchmarks and scale tests, from the command line.

    .venv/bin/python -m benchmarks.generate_synthetic_plans --plans 2 --measures-per-plan 5000 --seed 1

Django is set up on ``DJANGO_SETTINGS_MODULE`` (default ``bunkyo.settings``) and the database of
``DATABASE_URL``, as manage.py does. What it builds is ``benchmarks.synthetic``'s; this is not a
management command, so production's ``manage.py`` has no way to add synthetic plans to the ward's
database (issue 23, item 7).
"""

from __future__ import annotations

import argparse
import os
import sys


def _parser(max_measures: int, prefix: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.generate_synthetic_plans",
        description=(
            "性能試験用の合成データ(計画・目的・施策・年度目標・進捗報告・策定スケジュール)を一括で作ります。"
            f"計画名は「{prefix}」で始まります。合成データではない計画があるときは --force が必要です。"
        ),
    )
    parser.add_argument("--plans", type=int, default=1, help="作る計画の数(3年度ずつ、期間は重なりません)。")
    parser.add_argument(
        "--measures-per-plan", type=int, default=100, help=f"計画ごとの施策の数(1〜{max_measures})。"
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
    return parser


def main(argv: list[str] | None = None) -> None:
    """Parse ``argv``, build the plans and print the summary; a refusal exits with status 2 and
    its Japanese message on stderr."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bunkyo.settings")
    import django

    django.setup()

    from core import fiscal

    from .synthetic import (
        MAX_MEASURES_PER_PLAN,
        SYNTHETIC_PREFIX,
        SyntheticDataRefused,
        build_synthetic_plans,
    )

    parser = _parser(MAX_MEASURES_PER_PLAN, SYNTHETIC_PREFIX)
    options = parser.parse_args(argv)
    if options.plans < 1:
        parser.error("--plans は1以上にしてください。")
    if not 1 <= options.measures_per_plan <= MAX_MEASURES_PER_PLAN:
        parser.error(f"--measures-per-plan は1から{MAX_MEASURES_PER_PLAN}までにしてください。")
    try:
        summary = build_synthetic_plans(
            plans=options.plans,
            measures_per_plan=options.measures_per_plan,
            seed=options.seed,
            force=options.force,
            history=not options.no_history,
        )
    except SyntheticDataRefused as refusal:
        parser.error(str(refusal))
    periods = "、".join(fiscal.fiscal_period_label(a, b) for a, b in summary.periods)
    print(
        f"合成データを作りました: 計画{len(summary.plans)}件({periods})、施策{summary.measures}件、"
        f"年度目標{summary.targets}件、進捗報告{summary.reports}件(うち取り下げ{summary.withdrawn}件)、"
        f"会議・報告の予定{summary.scheduled_items}件。{summary.seconds}秒。"
    )


if __name__ == "__main__":
    sys.exit(main())
