"""Import a site's comments from another system's export (docs/migrating.md).

manage.py import_comments --format disqus export.xml --site daily --dry-run
manage.py import_comments --format disqus export.xml --site daily
manage.py import_comments --format disqus export.xml --site daily --remoderate
"""

import hashlib
import math
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from comments.errors import ParleyError
from comments.models import Site
from pipeline.entry import remoderation_start
from pipeline.models import RemoderationRun
from pipeline.remoderation import remoderation_execute
from portability.formats import FORMATS, reader_for
from portability.progress import Bar, command_stream
from portability.records import UnreadableFile
from portability.services import ImportSummary, comments_import


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Command(BaseCommand):
    help = "Import comments from a Parley, Disqus, WordPress, Remark42 or Isso export."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the export file (Isso: its database)")
        parser.add_argument("--format", required=True, choices=FORMATS)
        parser.add_argument("--site", required=True, help="slug of the site to import into")
        parser.add_argument(
            "--dry-run", action="store_true", help="do it all, then roll it back: what would be"
        )
        parser.add_argument(
            "--match-email",
            action="store_true",
            help="an author whose e-mail address is an existing user's comments as that user",
        )
        parser.add_argument(
            "--base-url", default="", help="Isso: the site's address, to make page URLs whole"
        )
        parser.add_argument(
            "--timezone",
            default="UTC",
            help="WordPress: the blog's time zone, for comments without a UTC date",
        )
        parser.add_argument(
            "--remoderate",
            action="store_true",
            help="then run a re-moderation dry run over the imported comments",
        )
        parser.add_argument("--batch-size", type=int, default=2000)
        parser.add_argument(
            "--progress",
            choices=("auto", "always", "never"),
            default="auto",
            help="the progress bar (auto: only on a terminal)",
        )

    def handle(self, *args, **options) -> None:
        site = Site.objects.filter(slug=options["site"]).first()
        if site is None:
            raise CommandError(f"No site {options['site']!r}.")
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No file {str(path)!r}.")
        try:
            local_tz = ZoneInfo(options["timezone"])
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise CommandError(f"Unknown time zone {options['timezone']!r}.") from exc
        reader = reader_for(
            options["format"], path, base_url=options["base_url"], local_tz=local_tz
        )
        enabled = {"auto": None, "always": True, "never": False}[options["progress"]]
        try:
            with Bar(command_stream(self.stderr), enabled=enabled) as bar:
                summary = comments_import(
                    site=site,
                    reader=reader,
                    file_name=path.name,
                    file_sha256=file_sha256(path),
                    match_email=options["match_email"],
                    dry_run=options["dry_run"],
                    progress=bar,
                    batch_size=max(1, options["batch_size"]),
                )
        except UnreadableFile as exc:
            raise CommandError(f"Nothing imported: {exc}") from exc
        self._report(site, path, options["format"], summary)
        if options["remoderate"]:
            if options["dry_run"]:
                self.stdout.write("No re-moderation in a dry run (nothing was imported).")
            else:
                self._remoderate(site, summary)

    def _report(self, site: Site, path: Path, fmt: str, summary: ImportSummary) -> None:
        c = summary.counts
        head = "Dry run, nothing written" if summary.dry_run else f"Import run {summary.run_id}"
        statuses = ", ".join(f"{n} {s}" for s, n in sorted(summary.statuses.items()))
        self.stdout.write(
            f"{head}: {path.name} ({fmt}, source {summary.source!r}) into site {site.slug!r}\n"
            f"  articles:   {c['articles_created']} new, {c['articles_matched']} matched by key "
            f"or URL, {c['articles_already_imported']} already imported\n"
            f"  commenters: {c['commenters_created']} new, {c['commenters_matched_by_email']} "
            f"matched by e-mail, {c['commenters_already_imported']} already imported\n"
            f"  comments:   {c['comments_created']} new"
            + (f" ({statuses})" if statuses else "")
            + f", {c['comments_already_imported']} already imported\n"
            f"  problems:   {c['skipped']} skipped, {c['repaired']} imported with a repair"
        )
        if c["left_out"]:
            self.stdout.write(f"  left out:   {c['left_out']} pingbacks and trackbacks")
        if c["pages_without_comments"]:
            self.stdout.write(f"  left out:   {c['pages_without_comments']} pages without comments")
        for problem in summary.problems:
            kind = "repaired" if problem.repaired else "skipped"
            self.stdout.write(f"    [{kind}] {problem}")
        more = c["skipped"] + c["repaired"] - len(summary.problems)
        if more > 0:
            self.stdout.write(f"    ... and {more} more")

    def _remoderate(self, site: Site, summary: ImportSummary) -> None:
        """A dry run of pipeline.remoderation over the site's published comments since the
        oldest imported one: what the policy in force would hold or remove."""
        if summary.earliest is None:
            self.stdout.write("No new comments: nothing to re-moderate.")
            return
        try:
            run = remoderation_start(site=site, since=summary.earliest, run_now=True)
        except ParleyError as exc:
            raise CommandError(exc.message) from exc
        remoderation_execute(run.pk)
        run = RemoderationRun.objects.get(pk=run.pk)
        days = math.ceil((timezone.now() - run.since).total_seconds() / 86400)
        self.stdout.write(
            f"Re-moderation dry run {run.pk} under policy v{run.policy_version.version}: "
            f"checked {run.checked} published comments since {run.since:%Y-%m-%d %H:%M} UTC; "
            f"{len(run.changes)} would change."
        )
        for change in run.changes[:50]:
            self.stdout.write(
                f"  #{change['comment']}: {change['action']} -> {change['to_status']} "
                f"[{change['clause_id']}] {change['excerpt']!r}"
            )
        if run.changes:
            self.stdout.write(
                "Apply it from the admin (Re-moderation runs > Apply the selected finished dry "
                f"run), or: manage.py remoderate --site {site.slug} --since {days}d --apply"
            )
