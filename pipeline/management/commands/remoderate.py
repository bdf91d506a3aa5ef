"""Run a site's policy in force over its recent published comments.

manage.py remoderate --site demo --since 7d            # dry run: what would change
manage.py remoderate --site demo --since 7d --apply    # hold / remove them
"""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from comments.errors import ParleyError
from comments.models import Site
from pipeline.entry import remoderation_start
from pipeline.models import RemoderationRun
from pipeline.remoderation import parse_since, remoderation_execute


class Command(BaseCommand):
    help = "Re-moderate recent published comments under the site's current policy."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--site", required=True, help="site slug")
        parser.add_argument("--since", default="7d", help="how far back: 30m, 12h, 7d")
        parser.add_argument(
            "--apply", action="store_true", help="apply the decisions (default: dry run)"
        )
        parser.add_argument(
            "--queue", action="store_true", help="run it on a worker instead of here"
        )

    def handle(self, *args, site: str, since: str, apply: bool, queue: bool, **options) -> None:
        site_obj = Site.objects.filter(slug=site).first()
        if site_obj is None:
            raise CommandError(f"No site {site!r}.")
        try:
            run = remoderation_start(
                site=site_obj, since=parse_since(since), apply=apply, run_now=not queue
            )
        except ParleyError as exc:
            raise CommandError(exc.message) from exc
        if queue:
            self.stdout.write(f"Queued re-moderation run {run.pk}.")
            return
        remoderation_execute(run.pk)
        run = RemoderationRun.objects.get(pk=run.pk)
        verb = "changed" if apply else "would change"
        self.stdout.write(
            f"Policy v{run.policy_version.version}: checked {run.checked} published comments "
            f"since {run.since:%Y-%m-%d %H:%M} UTC; {len(run.changes)} {verb}."
        )
        for change in run.changes:
            self.stdout.write(
                f"  #{change['comment']}: {change['action']} -> {change['to_status']} "
                f"[{change['clause_id']}] {change['excerpt']!r}"
            )
        if not apply and run.changes:
            self.stdout.write("Run again with --apply to apply these decisions.")
