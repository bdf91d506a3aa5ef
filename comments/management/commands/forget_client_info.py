"""Erase stored IP addresses and user agents of older comments (run it daily from cron)."""

from datetime import timedelta

from django.core.management.base import BaseCommand

from comments.services import forget_client_info


class Command(BaseCommand):
    help = "Erase the IP address and user agent of comments older than --days (default 30)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--days", type=int, default=30)

    def handle(self, *args, days: int, **options) -> None:
        erased = forget_client_info(older_than=timedelta(days=days))
        self.stdout.write(f"Erased the client information of {erased} comments.")
