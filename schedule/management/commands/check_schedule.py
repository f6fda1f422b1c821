from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from core import fiscal
from core.fields import FiscalYearFormField

from ...checks import schedule_check


class Command(BaseCommand):
    help = (
        "策定スケジュールを確認し、エラーと注意を表示します(審議の順番、パブリック・コメント、"
        "休日・閉庁日、過ぎた予定)。エラーがあれば終了コード1で終わるので、cron で使えます。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--fiscal-year",
            help="確認する年度(例: 2018、平成30年度)。省略するとすべての年度を確認します。",
        )

    def handle(self, *args, fiscal_year=None, verbosity=1, **options):
        year = None
        if fiscal_year is not None:
            try:
                year = FiscalYearFormField(required=True).clean(fiscal_year)
            except ValidationError as error:
                raise CommandError(f"--fiscal-year: {' '.join(error.messages)}") from None
        result = schedule_check(fiscal_year=year)
        scope = fiscal.fiscal_year_label(year) if year else "すべての年度"
        # Errors first, to standard error, so that cron mails them even when the rest is discarded.
        for finding in result.errors:
            self.stderr.write(f"エラー: {finding.message}")
        if verbosity > 0:
            for finding in result.warnings:
                self.stdout.write(f"注意: {finding.message}")
            self.stdout.write(
                f"{scope}の策定スケジュール: エラー {len(result.errors)}件、注意 {len(result.warnings)}件。"
            )
        if result.errors:
            raise CommandError(f"エラーが{len(result.errors)}件あります。直してから再度確認してください。")
