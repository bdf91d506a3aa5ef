"""Benchmark: reading a thread page and posting comments through the reader API.

    DJANGO_SETTINGS_MODULE=config.settings.local .venv/bin/python bench/thread_read.py
    ... bench/thread_read.py --comments 100000
    ... bench/thread_read.py --sizes 1000,10000,100000
    ... bench/thread_read.py --db-url postgres://postgres@127.0.0.1:5432/test

It never touches the developer's database: SQLite runs on a temporary file that is deleted
afterwards; PostgreSQL gets a throwaway database created and destroyed the way Django's test
runner does it (named parley_bench_<pid>, so it cannot collide with a test run's database).

For each article size it seeds one article with that many published comments (about 30 %
top-level, replies up to depth 4, ~265 characters each, written with bulk_create with
reply_count, root and depth consistent), then measures through Django's test client:

- the first page (20 top-level comments with their replies), anonymous and signed in, each
  rendered (the page cache emptied before every request: "cold") and from the page cache
  (comments.pagecache: "cached"), with the speed-up of the cached read; signed in both as
  one of the article's authors (their comments are on the page) and as a reader who only
  voted (the shared page with their votes filled in);
- a deep page, reached by following the cursors to the last full page (rendered);
- posting: 1,000 comments (after 20 untimed) from 5 token-authenticated readers, through the
  API, with the synchronous part of moderation (the entry registered in comments.hooks); the
  tasks it enqueues go to an in-memory queue nobody consumes, as they would leave for a worker.

Times are medians of repeated requests, with DEBUG off; query counts are taken separately.
Each time is shown as wall clock and, in brackets, this process's CPU time.
"""

import argparse
import logging
import os
import random
import signal
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGE = 20
DEPTH = 4
TOP_LEVEL_SHARE = 0.3
RECENT = 200
WARM_POSTS = 20
WORDS = (  # noqa: SIM905 - reads as the sentence it is
    "the minister said that verification teams would rotate every six months while funding "
    "remains unclear until annex b is published and parliament may still have a say if the "
    "treaty changes which several readers doubt given how vague the communique was on costs "
    "and oversight of the joint border commission"
).split()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--comments", type=int, default=10_000, help="comments in the article")
    parser.add_argument(
        "--sizes", help="comma-separated article sizes, e.g. 1000,10000,100000 (overrides)"
    )
    parser.add_argument("--db-url", help="a PostgreSQL URL to create a throwaway database on")
    parser.add_argument("--repeat", type=int, default=50, help="timed requests per measure")
    parser.add_argument("--posts", type=int, default=1000, help="comments posted for the rate")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--shape",
        choices=("recent", "uniform"),
        default="recent",
        help="recent: a reply answers one of the 200 latest comments (a live conversation); "
        "uniform: any earlier comment, so the oldest comments gather huge subtrees",
    )
    return parser.parse_args()


def setup_django(db_url: str | None) -> tuple[str, callable]:
    """Point Django at a throwaway database; returns (a label, a cleanup function)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ["REDIS_URL"] = ""  # the local cache; nothing shared with a running server
    if db_url and not db_url.startswith("sqlite"):
        os.environ["DATABASE_URL"] = db_url
        tmp_path = None
    else:
        handle, tmp_name = tempfile.mkstemp(prefix="parley-bench-", suffix=".sqlite3")
        os.close(handle)
        tmp_path = Path(tmp_name)
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp_path}"

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    settings.DEBUG = False
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]

    if tmp_path is not None:
        call_command("migrate", verbosity=0, interactive=False)
        label = f"SQLite {connection.Database.sqlite_version} (temporary file)"

        def cleanup() -> None:
            connection.close()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{tmp_path}{suffix}").unlink(missing_ok=True)

        return label, cleanup

    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"parley_bench_{os.getpid()}"
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0].split()[0]
    label = f"PostgreSQL {version} (throwaway database {connection.settings_dict['NAME']})"

    def cleanup() -> None:
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=False)

    return label, cleanup


def body_text(rng: random.Random) -> str:
    words, length = [], 0
    while length < 265:
        word = rng.choice(WORDS)
        words.append(word)
        length += len(word) + 1
    text = " ".join(words)[:265]
    return text[0].upper() + text[1:-1] + "."


def seed_article(site, key: str, size: int, authors: list, rng: random.Random, shape: str):
    """One article of `size` published comments, written in bulk with a consistent tree."""
    from django.db import connection, transaction
    from django.db.models import Max
    from django.utils import timezone

    from comments.models import Article, Comment, CommentStatus
    from comments.rendering import render_body

    bodies = [body_text(rng) for _ in range(50)]
    rendered = [render_body(b) for b in bodies]
    article = Article.objects.create(site=site, key=key, title=f"Bench article of {size}")
    first_id = (Comment.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    start = timezone.now() - timedelta(days=30)
    n_top = max(1, round(size * TOP_LEVEL_SHARE))

    # Decide the tree in memory: parents always precede their children.
    parent_of: list[int | None] = []
    depth_of: list[int] = []
    root_of: list[int | None] = []
    can_parent: list[int] = []  # indexes with depth < DEPTH
    tops_left = n_top
    for i in range(size):
        left = size - i
        if i == 0 or (tops_left and rng.random() < tops_left / left):
            tops_left -= 1
            parent_of.append(None)
            depth_of.append(0)
            root_of.append(None)
        else:
            low = max(0, len(can_parent) - RECENT) if shape == "recent" else 0
            p = can_parent[rng.randrange(low, len(can_parent))]
            parent_of.append(p)
            depth_of.append(depth_of[p] + 1)
            root_of.append(p if root_of[p] is None else root_of[p])
        if depth_of[i] < DEPTH:
            can_parent.append(i)
    reply_count = [0] * size
    for p in parent_of:
        if p is not None:
            reply_count[p] += 1

    site_id, article_id = site.pk, article.pk
    author_ids = [a.pk for a in authors]

    def row(i: int) -> Comment:
        b = i % len(bodies)
        return Comment(
            id=first_id + i,
            site_id=site_id,
            article_id=article_id,
            parent_id=None if parent_of[i] is None else first_id + parent_of[i],
            root_id=None if root_of[i] is None else first_id + root_of[i],
            depth=depth_of[i],
            author_id=author_ids[i % len(author_ids)],
            body=bodies[b],
            html=rendered[b],
            status=CommentStatus.PUBLISHED,
            created_at=start + timedelta(seconds=i * 10),
            status_changed_at=start + timedelta(seconds=i * 10),
            score=rng.randrange(0, 40),
            reply_count=reply_count[i],
        )

    with transaction.atomic():
        for offset in range(0, size, 2000):
            Comment.objects.bulk_create(
                [row(i) for i in range(offset, min(size, offset + 2000))], batch_size=2000
            )
        # Explicit ids leave PostgreSQL's sequence behind; the posting test needs it ahead.
        statements = connection.ops.sequence_reset_sql(no_style(), [Comment])
        if statements:
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE comments_comment")
    return article


def no_style():
    from django.core.management.color import no_style as _no_style

    return _no_style()


def timed(client, url: str, params: dict, repeat: int, cold: bool) -> tuple[float, float]:
    """Median wall-clock and CPU milliseconds of `repeat` GETs, after a warm-up; `cold`: the
    page cache emptied (untimed) before each, so every page is rendered.

    CPU time is this process's own: on a shared machine it stays honest when wall time does not.
    """
    from django.core.cache import cache

    for _ in range(3):
        assert client.get(url, params).status_code == 200
    wall, cpu = [], []
    for _ in range(repeat):
        if cold:
            cache.clear()
        t0, c0 = time.perf_counter(), time.process_time()
        response = client.get(url, params)
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        assert response.status_code == 200, response.content[:200]
    return statistics.median(wall), statistics.median(cpu)


def queries(client, url: str, params: dict, cold: bool) -> int:
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if cold:
        cache.clear()
    else:
        assert client.get(url, params).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 200
    return len(captured)


def last_full_page_cursor(client, url: str) -> tuple[str | None, int]:
    """Follow the cursors to the end; the cursor of the last full page and pages walked."""
    cursor, previous, pages = None, None, 0
    while True:
        body = client.get(url, {"limit": PAGE, **({"cursor": cursor} if cursor else {})}).json()
        pages += 1
        if body["next_cursor"] is None:
            return previous if len(body["results"]) < PAGE else cursor, pages
        previous, cursor = cursor, body["next_cursor"]


def measure_voter(article, voter_client, repeat: int) -> dict:
    """A signed-in reader who wrote nothing on the first page and voted on some of it: the
    shared page with their votes filled in (comments.pagecache's common case)."""
    url = f"/api/v1/sites/{article.site.slug}/articles/{article.key}/comments/"
    page = voter_client.get(url, {"limit": PAGE}).json()
    for comment in page["results"][::3]:
        voter_client.put(f"/api/v1/comments/{comment['id']}/vote/", {"value": 1}, format="json")
    out = {}
    for cold in (True, False):
        label = "cold" if cold else "cached"
        out[f"{label}_ms"] = timed(voter_client, url, {"limit": PAGE}, repeat, cold)
        out[f"{label}_queries"] = queries(voter_client, url, {"limit": PAGE}, cold)
    return out


def measure_reads(article, size: int, reader_client, repeat: int) -> dict:
    from rest_framework.test import APIClient

    anon = APIClient()
    url = f"/api/v1/sites/{article.site.slug}/articles/{article.key}/comments/"
    first = {"limit": PAGE}
    page = anon.get(url, first).json()
    shown = sum(1 + count_nested(c["replies"]) for c in page["results"])
    deep_cursor, pages = last_full_page_cursor(anon, url)
    deep = {"limit": PAGE, "cursor": deep_cursor} if deep_cursor else first
    out: dict = {"size": size, "first_shown": shown, "pages": pages}
    for name, client, params in (
        ("first", anon, first),
        ("signed_in", reader_client, first),
        ("deep", anon, deep),
    ):
        for cold in (True, False):
            if name == "deep" and not cold:
                continue
            label = f"{name}_{'cold' if cold else 'cached'}"
            out[f"{label}_ms"] = timed(client, url, params, repeat, cold)
            out[f"{label}_queries"] = queries(client, url, params, cold)
    return out


def count_nested(replies: list) -> int:
    return sum(1 + count_nested(r["replies"]) for r in replies)


def measure_posting(article, clients: list, n_posts: int, rng: random.Random) -> dict:
    from comments.models import Comment

    url = f"/api/v1/sites/{article.site.slug}/articles/{article.key}/comments/"
    parents = list(
        Comment.objects.filter(article=article, depth__lt=DEPTH)
        .order_by("-id")
        .values_list("id", flat=True)[:200]
    )
    # Every post different: the policy's history rules refuse repeated text.
    bodies = [body_text(rng) for _ in range(n_posts + WARM_POSTS)]
    # The first posts of a process fill its caches (the compiled policy, the statements' SQL);
    # the rate is the steady state after them.
    for i in range(WARM_POSTS):
        clients[i % len(clients)].post(url, {"body": bodies[n_posts + i]}, format="json")
    statuses: dict[int, int] = {}
    t0, c0 = time.perf_counter(), time.process_time()
    for i in range(n_posts):
        payload = {"body": bodies[i]}
        if i % 2 and parents:
            payload["parent"] = parents[i % len(parents)]
        response = clients[i % len(clients)].post(url, payload, format="json")
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {
        "posts": n_posts,
        "seconds": elapsed,
        "rate": n_posts / elapsed,
        "cpu_rate": n_posts / cpu,
        "statuses": statuses,
    }


def ms(pair: tuple[float, float]) -> str:
    return f"{pair[0]:>6.2f} ms ({pair[1]:>5.2f})"


def main() -> None:
    args = parse_args()
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else [args.comments]
    label, cleanup = setup_django(args.db_url)
    # A terminated run still drops its throwaway database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        run(args, sizes, label)
    finally:
        cleanup()


def run(args: argparse.Namespace, sizes: list[int], label: str) -> None:
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from comments import hooks
    from comments.models import Commenter, Site
    from comments.throttles import WriteIPThrottle, WriteReaderThrottle

    # Quiet: rejected posts and task results would log a line each.
    logging.disable(logging.WARNING)
    # Posting measures the request and moderation's synchronous part. Without Redis the
    # pipeline's tasks would run inside the request (eager); queue them in memory instead,
    # where nothing consumes them, as a worker would take them off the request's path.
    from config.celery_app import app as celery_app

    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = "memory://"

    # The bench measures throughput, not the rate limits: lift them for this process.
    lifted = {"write_reader": "1000000/min", "write_ip": "1000000/min"}
    WriteReaderThrottle.THROTTLE_RATES = WriteIPThrottle.THROTTLE_RATES = lifted

    rng = random.Random(args.seed)
    site = Site.objects.create(slug="bench", name="Bench")
    users = [get_user_model().objects.create(username=f"bench{i}") for i in range(50)]
    authors = [
        Commenter.objects.create(user=u, display_name=f"Reader {i}") for i, u in enumerate(users)
    ]
    clients = []
    for user in users[:5]:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
        clients.append(client)

    voter_user = get_user_model().objects.create(username="bench-voter")
    Commenter.objects.create(user=voter_user, display_name="Voter")
    voter = APIClient()
    voter.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=voter_user).key}")

    print(f"Parley thread-read bench on {label}")
    entry = hooks.moderation_entry()
    print(f"moderation entry: {entry.__module__}.{entry.__qualname__}")
    print(
        f"page size {PAGE}, median of {args.repeat} requests, tree shape {args.shape}, "
        f"Python {sys.version.split()[0]}"
    )
    print()
    header = (
        f"{'comments':>9} {'seed s':>7} "
        f"{'first, cold (cpu)':>18} {'q':>2} {'first, cached':>18} {'q':>2} "
        f"{'signed in, cold':>18} {'q':>2} {'signed in, cached':>18} {'q':>2} "
        f"{'deep, cold (cpu)':>18} {'q':>2} {'pages':>6} {'shown':>6}"
    )
    print(header)
    print("-" * len(header))
    last_article = None
    speedups: list[tuple[int, float, float]] = []
    for size in sizes:
        t0 = time.perf_counter()
        article = seed_article(site, f"bench-{size}", size, authors, rng, args.shape)
        seeded = time.perf_counter() - t0
        r = measure_reads(article, size, clients[0], args.repeat)
        cells = " ".join(
            f"{ms(r[f'{label}_ms'])} {r[f'{label}_queries']:>2}"
            for label in ("first_cold", "first_cached", "signed_in_cold", "signed_in_cached")
        )
        print(
            f"{size:>9,} {seeded:>7.1f} {cells} "
            f"{ms(r['deep_cold_ms'])} {r['deep_cold_queries']:>2} "
            f"{r['pages']:>6} {r['first_shown']:>6}",
            flush=True,
        )
        v = measure_voter(article, voter, args.repeat)
        print(
            f"{'':>17} a reader who only voted: {ms(v['cold_ms'])} {v['cold_queries']:>2} "
            f"rendered, {ms(v['cached_ms'])} {v['cached_queries']:>2} cached",
            flush=True,
        )
        speedups.append(
            (
                size,
                r["first_cold_ms"][0] / r["first_cached_ms"][0],
                r["signed_in_cold_ms"][0] / r["signed_in_cached_ms"][0],
            )
        )
        last_article = article
    print()
    for size, anonymous, signed_in in speedups:
        print(
            f"{size:,} comments: a cached first page is {anonymous:.1f}x as fast as a rendered "
            f"one anonymous, {signed_in:.1f}x signed in (wall clock, same run)"
        )
    print()
    if args.posts and last_article is not None:
        p = measure_posting(last_article, clients, args.posts, rng)
        print(
            f"posting: {p['posts']} comments by {len(clients)} readers in {p['seconds']:.2f} s "
            f"= {p['rate']:.0f} comments/s ({p['cpu_rate']:.0f}/s of this process's CPU time; "
            f"answers: {p['statuses']})"
        )


if __name__ == "__main__":
    main()
