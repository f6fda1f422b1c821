from django.core.management.base import BaseCommand

from rounds.notifications import deadline_reminders_queue, notifications_send


class Command(BaseCommand):
    help = (
        "進捗照会の通知メールを送ります: 回答期限の7日前・前日・期限経過の督促(未提出の所管課の担当者へ、"
        "各人に1度だけ)と、送れなかったメールの再送。何度実行しても同じメールを2度送りません。"
        "systemd のタイマーで1日に数回実行します(docs/operations.md)。"
    )

    def handle(self, *args, **options):
        queued = deadline_reminders_queue()
        sent, failed = notifications_send()
        self.stdout.write(f"督促 {queued}件を作成、送信 {sent}件、失敗 {failed}件(次の実行で再送します)")
        if failed:
            # A non-zero exit makes the systemd unit show the failure; the next run tries again.
            raise SystemExit(1)
