"""Export a site's articles, commenters and comments as Parley's JSON lines (docs/migrating.md).

manage.py export_comments --site daily > daily.jsonl
manage.py export_comments --site daily --output daily.jsonl.gz
"""

import gzip
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import IO

from django.core.management.base import BaseCommand, CommandError, CommandParser

from comments.models import Article, Comment, Site
from portability.progress import Bar, command_stream
from portability.selectors import export_lines


class Command(BaseCommand):
    help = "Write a site's comments, articles and commenters as Parley's export (JSON lines)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--site", required=True, help="site slug")
        parser.add_argument(
            "--output", type=Path, help="a file (gzipped if it ends in .gz); default stdout"
        )
        parser.add_argument("--progress", choices=("auto", "always", "never"), default="auto")

    def handle(self, *args, site: str, output: Path | None, progress: str, **options) -> None:
        site_obj = Site.objects.filter(slug=site).first()
        if site_obj is None:
            raise CommandError(f"No site {site!r}.")
        # The bar would mix with the export on a terminal's stdout.
        enabled = {"auto": None, "always": True, "never": False}[progress]
        if output is None and enabled is None:
            enabled = False
        total = (
            Article.objects.filter(site=site_obj).count()
            + Comment.objects.filter(site=site_obj).count()
        )
        lines = 0
        with ExitStack() as files:
            stream: IO[str]
            if output is None:
                stream = getattr(self.stdout, "_out", sys.stdout)
            elif output.suffix == ".gz":
                stream = files.enter_context(gzip.open(output, "wt", encoding="utf-8"))
            else:
                stream = files.enter_context(output.open("w", encoding="utf-8"))
            with Bar(command_stream(self.stderr), enabled=enabled) as bar:
                bar.start("Exporting", total)
                for line in export_lines(site=site_obj):
                    stream.write(line)
                    lines += 1
                    if lines % 1000 == 0:
                        bar.update(lines)
                bar.update(lines)
        if output is not None:
            self.stderr.write(f"Exported {lines} lines of site {site!r} to {output}.")
