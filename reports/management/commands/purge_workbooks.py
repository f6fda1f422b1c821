"""Delete the workbooks built in the background whose time is up (REPORTS_WORKBOOK_KEEP_HOURS).

The worker does this after each workbook it builds; run this from a timer as well (docs/operations.md)
so that files go on time even when nobody asks for a new one.
"""

from django.core.management.base import BaseCommand

from reports.workbook_jobs import workbook_jobs_expire


class Command(BaseCommand):
    help = "期限を過ぎたExcelファイル(バックグラウンドで作成したもの)を削除します。"

    def handle(self, *args, **options):
        count = workbook_jobs_expire()
        self.stdout.write(f"期限切れのファイルを{count}件削除しました。")
