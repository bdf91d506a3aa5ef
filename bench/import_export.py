"""Benchmark: importing a Disqus export into PostgreSQL, and exporting it again.

    .venv/bin/python bench/import_export.py                          # 100,000 comments, 3 runs
    .venv/bin/python bench/import_export.py --comments 10000 --runs 1  # a quick look
    .venv/bin/python bench/import_export.py --db-url postgres://postgres@127.0.0.1:5432/postgres

It never touches the developer's database: it creates a throwaway database on --db-url's
server (parley_bench_<pid>, made and dropped the way Django's test runner does it) and a
temporary file for the export it generates, and removes both afterwards.

The export is generated in the shape of a real Disqus XML export (portability.formats.disqus):
one `<thread>` per 40 comments with a skewed size, its link and, for half, an identifier;
posts in time order over three years, about 35 % top level and the rest replies to a recent
comment of the same thread (chains run deeper than the site's 4 levels, so the clamp works);
authors from a pool of one per four comments, a few prolific, 30 % guests with only a name and
an e-mail address; HTML messages of one to three paragraphs with the odd link, emphasis and
entity; 2 % deleted, 1 % spam; IP addresses in the file, as Disqus writes them.

Each run imports the file into a new site (`comments_import`, what `manage.py import_comments`
calls, with its default batch size), imports it a second time (nothing to write: the re-run
cost), and exports the site (`export_lines`, what the command and the endpoint stream; then
once more, untimed, under tracemalloc for its peak of Python memory). Beside them, in the
same run, two references: reading the file through the Disqus reader alone (what parsing the
XML and turning its HTML into text cost before any write), and reading every comment row of
the site through the same kind of server-side cursor without writing JSON. Printed as ranges
over --runs: seconds, comments per second, and ratios to the references. Never part of the tests.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORDS = (  # noqa: SIM905 - reads as the sentence it is
    "the council said the new bridge would open next spring although the budget is still "
    "under review and several residents doubt the traffic figures given how often the "
    "timetable has slipped since the first plans were shown to the public in the town hall"
).split()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--db-url",
        default=os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres",
        help="a PostgreSQL server to create the throwaway database on",
    )
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args()


def setup_django(db_url: str):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ["REDIS_URL"] = ""
    os.environ["DATABASE_URL"] = db_url
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    settings.DEBUG = False
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"parley_bench_{os.getpid()}"
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0].split()[0]

    def cleanup() -> None:
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=False)

    return f"PostgreSQL {version} (throwaway database {connection.settings_dict['NAME']})", cleanup


def message(rng: random.Random) -> str:
    paragraphs = []
    for _ in range(rng.choice((1, 1, 2, 3))):
        words = [rng.choice(WORDS) for _ in range(rng.randint(12, 45))]
        if rng.random() < 0.2:
            at = rng.randrange(len(words))
            words[at] = f"<b>{words[at]}</b>"
        if rng.random() < 0.1:
            words.append('see <a href="https://example.org/report?id=7&amp;p=2">the report</a>')
        if rng.random() < 0.1:
            words.append("&amp; more")
        text = " ".join(words)
        paragraphs.append(f"<p>{text[0].upper()}{text[1:]}.</p>")
    return "".join(paragraphs)


def generate(path: Path, comments: int, rng: random.Random) -> dict:
    """Write a Disqus export of `comments` posts to `path`; returns its shape."""
    threads = max(1, comments // 40)
    weights = [1 / (n + 1) ** 0.8 for n in range(threads)]
    thread_of = rng.choices(range(threads), weights=weights, k=comments)
    authors = max(1, comments // 4)
    author_weights = [1 / (n + 1) ** 0.6 for n in range(authors)]
    author_of = rng.choices(range(authors), weights=author_weights, k=comments)
    start = datetime(2021, 1, 1, tzinfo=UTC)
    step = timedelta(days=3 * 365) / comments
    recent: dict[int, list[int]] = {}
    replies = 0
    with path.open("w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0" encoding="utf-8"?>\n<disqus xmlns="http://disqus.com" '
            'xmlns:dsq="http://disqus.com/disqus-internals">\n'
            '  <category dsq:id="1"><forum>bench</forum><title>General</title>'
            "<isDefault>true</isDefault></category>\n"
        )
        for t in range(threads):
            identifier = f"story-{t}" if t % 2 else ""
            out.write(
                f'  <thread dsq:id="{100000 + t}"><id>{identifier}</id><forum>bench</forum>'
                f'<category dsq:id="1"/><link>https://news.example/{2021 + t % 3}/story-{t}/'
                f"</link><title>Story number {t}</title><message/>"
                f"<createdAt>{(start + timedelta(hours=t)).isoformat()[:19]}Z</createdAt>"
                "<isClosed>false</isClosed><isDeleted>false</isDeleted></thread>\n"
            )
        for n in range(comments):
            thread = thread_of[n]
            earlier = recent.setdefault(thread, [])
            parent = ""
            if earlier and rng.random() < 0.65:
                parent = f'<parent dsq:id="{rng.choice(earlier[-30:])}"/>'
                replies += 1
            post_id = 5_000_000 + n
            earlier.append(post_id)
            a = author_of[n]
            if a % 10 < 3:
                author = (
                    f"<email>guest{a}@mail.example</email><name>Guest {a}</name>"
                    "<isAnonymous>true</isAnonymous>"
                )
            else:
                author = (
                    f"<email>reader{a}@mail.example</email><name>Reader {escape(str(a))}</name>"
                    f"<isAnonymous>false</isAnonymous><username>reader_{a}</username>"
                )
            roll = rng.random()
            created = (start + step * n).isoformat()[:19]
            out.write(
                f'  <post dsq:id="{post_id}"><id/><message><![CDATA[{message(rng)}]]></message>'
                f"<createdAt>{created}Z</createdAt>"
                f"<isDeleted>{'true' if roll < 0.02 else 'false'}</isDeleted>"
                f"<isSpam>{'true' if 0.02 <= roll < 0.03 else 'false'}</isSpam>"
                f"<author>{author}</author><ipAddress>192.0.2.{n % 250}</ipAddress>"
                f'<thread dsq:id="{100000 + thread}"/>{parent}</post>\n'
            )
        out.write("</disqus>\n")
    return {"threads": threads, "authors": authors, "replies": replies}


def timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def span(values: list[float], fmt: str = "{:.1f}") -> str:
    low, high = min(values), max(values)
    if len(values) == 1 or low == high:
        return fmt.format(low)
    return f"{fmt.format(low)}-{fmt.format(high)}"


def main() -> None:
    args = parse_args()
    label, cleanup = setup_django(args.db_url)
    from comments.models import Comment
    from portability.formats.disqus import DisqusReader
    from portability.selectors import export_lines
    from portability.services import comments_import
    from tests.factories import SiteFactory

    rng = random.Random(args.seed)
    handle, name = tempfile.mkstemp(prefix="parley-disqus-", suffix=".xml")
    os.close(handle)
    path = Path(name)
    try:
        gen_wall, _, shape = timed(lambda: generate(path, args.comments, rng))
        size = path.stat().st_size / 1e6
        print(f"{label}; Python {sys.version.split()[0]}; {os.cpu_count()} CPUs")
        print(
            f"Generated a Disqus export: {args.comments:,} posts ({shape['replies']:,} replies) "
            f"in {shape['threads']:,} threads by {shape['authors']:,} authors, {size:.1f} MB, "
            f"in {gen_wall:.1f} s\n"
        )
        rows: dict[str, list[float]] = {}

        def add(name: str, value: float) -> None:
            rows.setdefault(name, []).append(value)

        for run in range(args.runs):
            site = SiteFactory(slug=f"bench-{run}", max_depth=4)

            def read_only():
                return sum(1 for _ in DisqusReader(path).read())

            parse_wall, _, _ = timed(read_only)

            def do_import(site=site):
                return comments_import(
                    site=site, reader=DisqusReader(path), file_name=path.name, file_sha256=""
                )

            imp_wall, imp_cpu, summary = timed(do_import)
            created = summary.counts["comments_created"]
            again_wall, _, again = timed(do_import)
            assert again.counts["comments_created"] == 0

            def raw_rows(site=site):
                rows = Comment.objects.filter(site=site).order_by("id").values_list(
                    "id", "article_id", "parent_id", "author__public_id", "body", "html",
                    "status", "created_at", "edited_at", "status_changed_at", "upvotes",
                    "downvotes", "featured", "moderation_clause_id",
                    "moderation_clause_title", "moderation_reason",
                )  # fmt: skip
                return sum(1 for _ in rows.iterator(chunk_size=2000))

            raw_wall, _, _ = timed(raw_rows)

            def do_export(site=site):
                return sum(len(line) for line in export_lines(site=site))

            exp_wall, exp_cpu, exported = timed(do_export)
            # Untimed: the export's own peak of Python memory, which must not grow with the
            # site (rows are streamed a chunk at a time).
            tracemalloc.start()
            do_export()
            add("export_peak", tracemalloc.get_traced_memory()[1] / 1e6)
            tracemalloc.stop()
            add("parse", parse_wall)
            add("import", imp_wall)
            add("import_cpu", imp_cpu)
            add("import_rate", created / imp_wall)
            add("import_vs_parse", imp_wall / parse_wall)
            add("again", again_wall)
            add("raw", raw_wall)
            add("export", exp_wall)
            add("export_cpu", exp_cpu)
            add("export_rate", created / exp_wall)
            add("export_vs_raw", exp_wall / raw_wall)
            print(
                f"run {run + 1}: imported {created:,} comments in {imp_wall:.1f} s, "
                f"exported {exported / 1e6:.1f} MB in {exp_wall:.1f} s"
            )
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        export_peak = span(rows["export_peak"])
        print(f"\nRanges over {args.runs} run(s), {args.comments:,} comments:")
        print(f"  reference: read the file alone (XML, HTML)  {span(rows['parse'])} s")
        print(
            f"  import into PostgreSQL                       {span(rows['import'])} s "
            f"(CPU {span(rows['import_cpu'])} s), {span(rows['import_rate'], '{:,.0f}')} "
            f"comments/s, x{span(rows['import_vs_parse'], '{:.2f}')} the reading alone"
        )
        print(f"  the same import again (nothing to write)     {span(rows['again'])} s")
        print(f"  reference: all comment rows, same cursor     {span(rows['raw'])} s")
        print(
            f"  export                                       {span(rows['export'])} s "
            f"(CPU {span(rows['export_cpu'])} s), {span(rows['export_rate'], '{:,.0f}')} "
            f"comments/s, x{span(rows['export_vs_raw'], '{:.2f}')} the rows alone"
        )
        print(f"  the export's peak of Python memory           {export_peak} MB")
        print(f"  peak memory of this process                  {peak:,.0f} MB")
    finally:
        path.unlink(missing_ok=True)
        cleanup()


if __name__ == "__main__":
    main()
