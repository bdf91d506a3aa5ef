"""Re-enqueue comments left pending (and webhooks and e-mails left waiting): for cron when
Celery beat is not run. Safe to run at any time and as often as you like."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandParser

from pipeline.sweeper import sweep_outbox, sweep_pending


class Command(BaseCommand):
    help = "Re-enqueue moderation of comments pending for longer than --older-than seconds."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than", type=int, default=None, help="seconds (default: setting)"
        )
        parser.add_argument("--limit", type=int, default=1000)

    def handle(self, *args, older_than: int | None, limit: int, **options) -> None:
        age = timedelta(seconds=older_than) if older_than is not None else None
        comments = sweep_pending(older_than=age, limit=limit)
        outbox = sweep_outbox(older_than=age, limit=limit)
        self.stdout.write(f"Re-enqueued {comments} pending comments and {outbox} outbox items.")
