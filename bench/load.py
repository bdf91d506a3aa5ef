"""Load benchmark: the production path (nginx → gunicorn → PostgreSQL + Redis) under wrk.

    .venv/bin/python bench/load.py                      # 3 runs of 10 s per scenario
    .venv/bin/python bench/load.py --duration 5 --runs 1  # a quick look, under 2 minutes
    .venv/bin/python bench/load.py --worker-class sync --threads 1 --workers 4
    .venv/bin/python bench/load.py --micro-cache 1      # nginx's micro-cache on

It starts everything itself and leaves nothing behind: a throwaway PostgreSQL database
(parley_load_<pid>, or --db-name, created and dropped on --db-url's server), its own
redis-server on a spare port (or --redis-url, whose database it flushes), `collectstatic` into
a temporary folder, gunicorn with deploy/gunicorn.conf.py and the production settings, and
nginx rendered from deploy/nginx.conf.template, as the user running it. It seeds one article
of --comments published comments in bulk (bench/thread_read.py's tree: 30 % top level, replies
to depth 4) and --readers signed-in readers with API tokens, then drives it with Debian's wrk
at --connections over loopback, one scenario after another:

- ceiling: the same nginx and gunicorn (same config, same worker settings) answering the same
  bytes as the anonymous first page from a ten-line WSGI app: what the server itself carries
  (never through the micro-cache, so that with --micro-cache the ratio shows what it adds);
- healthz: Parley's cheapest answer (/healthz: no database, no cache), through every
  middleware: what a request costs before any of Parley's own work;
- anon warm: the anonymous first page (about 100 KB of JSON for 10,000 comments), which the
  fast path (comments/fastpath.py) answers from Redis without the rest of the middleware;
- anon origin: the same with the `Origin` header of a host page the site allows, as the embed
  sends it (the CORS decision is the fast path's too);
- anon cold: the same, with the Redis database emptied every --cold-flush-ms (default 5 ms),
  so that nearly every request renders the page (the hit ratio column says how nearly);
- signed in: the first page, each request with the next reader's token (the fast path
  answers a reader with no comment of theirs on the page or hidden from others after one
  statement that checks the token and reads their votes; the others take the normal path);
- counts: the counts endpoint for the article;
- mixed: --post-share (5 %) of requests post a comment as the next reader, the rest read the
  anonymous first page; posts are moderated in the request (the site has no external scorer).
  Beside wrk, a probe posts a comment every 0.2 s and reads the newest-first page at once: a
  published comment missing from it is counted as a stale page, unless the page is full of
  comments newer than it (pushed off by other posts while the read waited: counted apart).

Printed per scenario, as ranges over --runs: requests/s, p50 and p99 latency, the ratio of
requests/s to the ceiling's in the same run, answers that were not 2xx and those that were 5xx,
socket errors, and the page cache hit ratio (Parley's own counter from /metrics when it has one,
the fast path's hits included; and Redis's keyspace hits/misses beside it, where the fast
path's look-ups of keys that are normally absent, its dirty marks, count as misses). The per-IP
write limit is lifted (every reader comes from 127.0.0.1 here); the per-reader limit is
Parley's default.

The machine is shared and noisy: compare figures measured in the same run (the ratio column),
never a figure with one from another day. Never part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

SITE, ARTICLE = "bench", "hot-article"
THREAD = f"/api/v1/sites/{SITE}/articles/{ARTICLE}/comments/"
COUNTS = f"/api/v1/sites/{SITE}/counts/?article={ARTICLE}"
METRICS_TOKEN = "bench-load-metrics-" + "t" * 20
QUIET_LOG_LINES = ("Unprocessable Entity:", "Bad Request:", "Not Found:", "Forbidden:")
FIVES = ("500", "502", "503", "504")
SCENARIOS = (
    "ceiling",
    "healthz",
    "anon-warm",
    "anon-origin",
    "anon-cold",
    "signed-in",
    "counts",
    "mixed",
)
# The host page of the bench site, allowed by its CORS settings (the anon-origin scenario).
ORIGIN = "https://news.bench.example"


def ceiling_app(environ: dict, start_response: Callable) -> Iterable[bytes]:
    """The ceiling: the same bytes as Parley's answer, from a file read once per process."""
    global _CEILING_BODY
    if _CEILING_BODY is None:
        _CEILING_BODY = Path(os.environ["PARLEY_CEILING_BODY"]).read_bytes()
    start_response(
        "200 OK",
        [("Content-Type", "application/json"), ("Content-Length", str(len(_CEILING_BODY)))],
    )
    return [_CEILING_BODY]


_CEILING_BODY: bytes | None = None


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per scenario and run")
    parser.add_argument("--connections", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3, help="runs of every scenario (ranges)")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma-separated")
    parser.add_argument("--comments", type=int, default=10_000)
    parser.add_argument("--readers", type=int, default=2_000, help="signed-in readers (tokens)")
    parser.add_argument("--post-share", type=float, default=0.05)
    parser.add_argument("--cold-flush-ms", type=float, default=5.0)
    parser.add_argument("--worker-class", help="gunicorn worker class (default: the config's)")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: the config's)")
    parser.add_argument("--threads", type=int, help="gunicorn threads (default: the config's)")
    parser.add_argument("--micro-cache", type=int, default=0, help="nginx micro-cache seconds")
    parser.add_argument(
        "--db-url",
        default="postgres://postgres@127.0.0.1:5432/postgres",
        help="a PostgreSQL server to create the throwaway database on",
    )
    parser.add_argument(
        "--db-name",
        help="the throwaway database's name (default parley_load_<pid>); it is DROPPED first",
    )
    parser.add_argument(
        "--redis-url", help="use this Redis database (it is FLUSHED) instead of starting one"
    )
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args()


# ---- the services ----


def need(binary: str, hint: str) -> str:
    found = shutil.which(binary) or next(
        (p for p in (f"/usr/sbin/{binary}", f"/usr/bin/{binary}") if os.access(p, os.X_OK)), None
    )
    if not found:
        sys.exit(f"bench/load.py needs {binary}: {hint}")
    return found


class OwnRedis:
    def __init__(self, folder: Path):
        from deploy.stack import free_port, wait_for_port

        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        log = folder / "redis.log"
        self.process = subprocess.Popen(  # noqa: S603 - our own fixed argv
            [
                need("redis-server", "apt-get install redis-server"),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(folder),
                "--logfile",
                str(log),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_for_port(self.port, self.process, log)

    def stop(self) -> None:
        from deploy.stack import stop_group

        stop_group(self.process)


class ThrowawayDatabase:
    def __init__(self, admin_url: str, name: str | None = None):
        import psycopg

        self.admin_url = admin_url
        self.name = name or f"parley_load_{os.getpid()}"
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{self.name}"')
        base, _, _ = admin_url.rpartition("/")
        self.url = f"{base}/{self.name}"

    def drop(self) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def production_env(db_url: str, redis_url: str, metrics_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "bench-load-" + "k" * 50,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "PARLEY_NUM_PROXIES": "1",
        "DATABASE_URL": db_url,
        "DATABASE_CONN_MAX_AGE": "600",
        "REDIS_URL": redis_url,
        "LOG_LEVEL": "WARNING",
        # Every reader of the bench comes from 127.0.0.1: the per-address write limit would
        # refuse them all after 120 posts a minute. The per-reader limit stays Parley's own.
        "PARLEY_THROTTLE_WRITE_IP": "100000000/min",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "PARLEY_METRICS_TOKEN": METRICS_TOKEN,
    }


# ---- seeding ----


def seed(comments: int, readers: int, rng: random.Random) -> list[str]:
    """Migrate the throwaway database, write the site, the article and the readers; returns the
    readers' API tokens."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from rest_framework.authtoken.models import Token
    from thread_read import seed_article

    from comments.models import Commenter, Site
    from policy.services import policy_current

    call_command("migrate", verbosity=0, interactive=False)
    site = Site.objects.create(slug=SITE, name="Bench", allowed_origins=[ORIGIN])
    # A live site has its policy in force already; without it the first posts of the run
    # would race to save the default version (and lock the site row to do it).
    policy_current(site=site)
    User = get_user_model()
    User.objects.bulk_create([User(username=f"reader{i}") for i in range(readers)], batch_size=2000)
    users = list(User.objects.filter(username__startswith="reader").order_by("id"))
    Commenter.objects.bulk_create(
        [Commenter(user=u, display_name=f"Reader {i}") for i, u in enumerate(users)],
        batch_size=2000,
    )
    authors = list(Commenter.objects.order_by("id")[:50])
    seed_article(site, ARTICLE, comments, authors, rng, "recent")
    tokens = [Token(key=Token.generate_key(), user=u) for u in users]
    Token.objects.bulk_create(tokens, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    connection.close()
    return [t.key for t in tokens]


# ---- measuring ----


def wrk(url: str, script: str, args: argparse.Namespace, *script_args: str) -> dict:
    command = [
        need("wrk", "apt-get install wrk (bash .ci/stack-setup)"),
        "--threads",
        str(args.wrk_threads),
        "--connections",
        str(args.connections),
        "--duration",
        f"{args.duration}s",
        "--timeout",
        "10s",
        "--script",
        str(BENCH / script),
        url,
    ]
    if script_args:
        command += ["--", *script_args]
    done = subprocess.run(  # noqa: S603 - our own fixed argv
        command,
        capture_output=True,
        text=True,
        timeout=args.duration + 60,
        env={**os.environ, "PARLEY_BENCH_DIR": str(BENCH)},
    )
    samples = {}
    for line in done.stdout.splitlines():
        if line.startswith("PARLEY_SAMPLE "):
            _, status, body = line.split(" ", 2)
            samples[status] = body
        if line.startswith("PARLEY_RESULT "):
            result = json.loads(line.removeprefix("PARLEY_RESULT "))
            result["rps"] = result["requests"] / result["seconds"]
            result["samples"] = samples
            return result
    raise RuntimeError(f"wrk printed no result:\n{done.stdout}\n{done.stderr}")


def get(url: str, headers: dict | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def page_cache_counts(base: str) -> dict[str, float] | None:
    """Parley's own page cache counter from /metrics (None when this build has none)."""
    status, body = get(base + "/metrics", {"Authorization": f"Bearer {METRICS_TOKEN}"})
    if status != 200:
        return None
    counts: dict[str, float] = {}
    for line in body.decode().splitlines():
        if line.startswith("parley_page_cache_requests_total{"):
            name, value = line.rsplit(" ", 1)
            result = name.split('result="', 1)[1].split('"', 1)[0]
            counts[result] = counts.get(result, 0) + float(value)
    return counts or None


def redis_counts(client) -> tuple[int, int]:
    info = client.info("stats")
    return int(info["keyspace_hits"]), int(info["keyspace_misses"])


def ratio(hits: float, misses: float) -> float | None:
    return hits / (hits + misses) if hits + misses else None


class Flusher:
    """Empties the Redis database every `interval` seconds while a cold scenario runs."""

    def __init__(self, client, interval: float):
        self.client, self.interval = client, interval
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        while not self.stop_event.wait(self.interval):
            self.client.flushdb()

    def __enter__(self) -> Flusher:
        self.client.flushdb()
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_event.set()
        self.thread.join()


# The probe reads this many newest comments after each of its posts.
PROBE_LIMIT = 100


def _newer(shown: dict, posted: dict) -> bool:
    """Whether the comment `shown` sorts before `posted` on a newest-first page (later
    `created_at`, then higher id, as comments.selectors orders it)."""

    def key(comment: dict) -> tuple:
        return (datetime.fromisoformat(comment["created_at"]), comment["id"])

    return key(shown) > key(posted)


class FreshnessProbe:
    """While the mixed load runs: post a comment as a reader, then read the anonymous newest-
    first page at once; a published comment missing from it is a stale page (issue 16: none
    from Parley's own cache; nginx's micro-cache may be up to its TTL behind by design)."""

    def __init__(self, base: str, tokens: list[str], seed: int):
        from thread_read import body_text

        self.base, self.tokens = base, tokens
        self.rng = random.Random(seed)
        self.body_text = body_text
        self.fresh = self.stale = self.unpublished = self.pushed_off = 0
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        while not self.stop_event.wait(0.2):
            token = self.rng.choice(self.tokens)
            data = json.dumps({"body": self.body_text(self.rng)}).encode()
            request = urllib.request.Request(  # noqa: S310 - loopback
                self.base + THREAD,
                data=data,
                headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
            )
            try:
                with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
                    status, posted = answer.status, json.loads(answer.read())
            except (urllib.error.URLError, TimeoutError, ValueError):
                self.unpublished += 1
                continue
            if status != 201:
                self.unpublished += 1
                continue
            # 100 comments: under load 20 newer posts may arrive between the answer and the
            # read (30 posts/s, a second's wait), which would push it off a page of 20.
            code, body = get(self.base + THREAD + f"?sort=newest&limit={PROBE_LIMIT}")
            shown = json.loads(body)["results"] if code == 200 else []
            if posted["id"] in {c["id"] for c in shown}:
                self.fresh += 1
            elif len(shown) == PROBE_LIMIT and _newer(shown[-1], posted):
                # Every comment on the page came after it: other posts pushed it off while the
                # read waited (a posting-only load: over 100 posts/s, reads waiting a second).
                self.pushed_off += 1
            else:
                self.stale += 1

    def __enter__(self) -> FreshnessProbe:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_event.set()
        self.thread.join(60)


def measure(
    scenario: str, args: argparse.Namespace, parley: str, ceiling: str, tokens: Path, redis_client
) -> dict:
    before_page = page_cache_counts(parley) if scenario != "ceiling" else None
    before_redis = redis_counts(redis_client)
    if scenario == "ceiling":
        result = wrk(ceiling + THREAD, "load_plain.lua", args)
    elif scenario == "healthz":
        result = wrk(parley + "/healthz", "load_plain.lua", args)
    elif scenario == "anon-warm":
        result = wrk(parley + THREAD, "load_plain.lua", args)
    elif scenario == "anon-origin":
        result = wrk(parley + THREAD, "load_origin.lua", args, ORIGIN)
    elif scenario == "anon-cold":
        with Flusher(redis_client, args.cold_flush_ms / 1000):
            result = wrk(parley + THREAD, "load_plain.lua", args)
    elif scenario == "signed-in":
        result = wrk(parley + THREAD, "load_signed_in.lua", args, str(tokens))
    elif scenario == "counts":
        result = wrk(parley + COUNTS, "load_plain.lua", args)
    elif scenario == "mixed":
        readers = tokens.read_text().split()
        with FreshnessProbe(parley, readers[-100:], random.randrange(1_000_000)) as probe:
            result = wrk(
                parley + THREAD,
                "load_mixed.lua",
                args,
                str(tokens),
                THREAD,
                str(args.post_share),
                str(random.randrange(1_000_000)),
            )
        result["fresh"], result["stale"] = probe.fresh, probe.stale
        result["pushed_off"] = probe.pushed_off
    else:
        raise ValueError(scenario)
    after_redis = redis_counts(redis_client)
    result["redis_hit"] = (
        ratio(after_redis[0] - before_redis[0], after_redis[1] - before_redis[1])
        if scenario != "ceiling"  # the ceiling reads no Redis; what moved was something else
        else None
    )
    after_page = page_cache_counts(parley) if before_page is not None else None
    result["page_hit"] = (
        ratio(
            after_page.get("hit", 0) - before_page.get("hit", 0),
            after_page.get("miss", 0) - before_page.get("miss", 0),
        )
        if before_page is not None and after_page is not None
        else None
    )
    return result


# ---- reporting ----


def span(values: list[float], fmt: str) -> str:
    low, high = min(values), max(values)
    if f"{low:{fmt}}" == f"{high:{fmt}}":
        return f"{low:{fmt}}"
    return f"{low:{fmt}}-{high:{fmt}}"


def percent(values: list[float | None]) -> str:
    known = [v * 100 for v in values if v is not None]
    return span(known, ".0f") + " %" if known else "n/a"


def report(results: dict[str, list[dict]], ceiling_rps: list[float], micro_cache: int = 0) -> None:
    header = (
        f"{'scenario':<10} {'requests/s':>12} {'vs ceiling':>11} {'p50 ms':>12} {'p99 ms':>12} "
        f"{'non-2xx':>8} {'5xx':>6} {'sock err':>8} {'page hit':>10} {'redis hit':>10}"
    )
    print(header)
    print("-" * len(header))
    for scenario, runs in results.items():
        statuses: dict[str, int] = {}
        for r in runs:
            for code, n in r["statuses"].items():
                statuses[code] = statuses.get(code, 0) + n
        non2xx = sum(n for code, n in statuses.items() if not code.startswith("2"))
        five = sum(n for code, n in statuses.items() if code.startswith("5"))
        vs = (
            span([r["rps"] / c * 100 for r, c in zip(runs, ceiling_rps, strict=False)], ".0f")
            + " %"
            if ceiling_rps and scenario != "ceiling"
            else ""
        )
        print(
            f"{scenario:<10} {span([r['rps'] for r in runs], ',.0f'):>12} {vs:>11} "
            f"{span([r['p50_ms'] for r in runs], '.1f'):>12} "
            f"{span([r['p99_ms'] for r in runs], '.1f'):>12} {non2xx:>8} {five:>6} "
            f"{sum(r['socket_errors'] + r['timeouts'] for r in runs):>8} "
            f"{percent([r['page_hit'] for r in runs]):>10} "
            f"{percent([r['redis_hit'] for r in runs]):>10}"
        )
    if "mixed" in results:
        runs = results["mixed"]
        posts = [r["posts"] / r["seconds"] for r in runs]
        statuses = {}
        for r in runs:
            for code, n in r["statuses"].items():
                statuses[code] = statuses.get(code, 0) + n
        print()
        print(
            f"mixed: {span(posts, ',.0f')} posts/s sent; answers over all runs by status: "
            + ", ".join(f"{code}: {n}" for code, n in sorted(statuses.items()))
            + " (200 reads; 201 published, 202 held, 4xx refused posts)"
        )
        fresh = sum(r["fresh"] for r in runs)
        stale = sum(r["stale"] for r in runs)
        pushed_off = sum(r.get("pushed_off", 0) for r in runs)
        print(
            f"mixed: freshness probe (post, then read the newest-first page at once): {stale} "
            f"stale of {fresh + stale} published"
            + (f" ({pushed_off} more pushed off the page by newer posts)" if pushed_off else "")
            + (" (the micro-cache may serve pages up to its TTL old)" if micro_cache else "")
        )


# ---- the run ----


def main() -> None:
    args = parse_args()
    scenarios = [s for s in args.scenarios.split(",") if s]
    unknown = set(scenarios) - set(SCENARIOS)
    if unknown:
        sys.exit(f"unknown scenarios: {', '.join(sorted(unknown))}")
    need("wrk", "apt-get install wrk (bash .ci/stack-setup)")

    from deploy.stack import Gunicorn, Nginx, collect_static, find_nginx

    nginx_binary = find_nginx() or sys.exit("bench/load.py needs nginx (bash .ci/stack-setup)")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    stack: list = []
    folder = Path(tempfile.mkdtemp(prefix="parley-load-"))
    database = redis_server = None
    try:
        if args.redis_url:
            redis_url = args.redis_url
        else:
            redis_server = OwnRedis(folder)
            stack.append(redis_server)
            redis_url = redis_server.url
        import redis

        redis_client = redis.Redis.from_url(redis_url)
        redis_client.flushdb()
        database = ThrowawayDatabase(args.db_url, args.db_name)
        metrics_dir = folder / "metrics"
        metrics_dir.mkdir()
        env = production_env(database.url, redis_url, metrics_dir)
        os.environ.update(env)

        started = time.perf_counter()
        tokens = seed(args.comments, args.readers, random.Random(args.seed))
        tokens_file = folder / "tokens.txt"
        tokens_file.write_text("\n".join(tokens) + "\n")
        static_root = folder / "static"
        collect_static(static_root, env)
        seeded = time.perf_counter() - started

        gunicorn_args: list[str] = []
        if args.worker_class:
            gunicorn_args += ["--worker-class", args.worker_class]
        if args.workers:
            gunicorn_args += ["--workers", str(args.workers)]
        if args.threads:
            gunicorn_args += ["--threads", str(args.threads)]
        nginx_settings = {"static_root": str(static_root), "micro_cache_seconds": args.micro_cache}

        web = Gunicorn("config.wsgi", env, folder / "gunicorn.log", extra_args=gunicorn_args)
        stack.append(web)
        proxy = Nginx(
            nginx_binary, folder / "nginx", {"upstream": f"127.0.0.1:{web.port}"} | nginx_settings
        )
        stack.append(proxy)

        status, body = get(proxy.url + THREAD)
        if status != 200:
            raise RuntimeError(f"the first page answered {status}: {body[:300]!r}")
        body_file = folder / "page.json"
        body_file.write_bytes(body)
        ceiling_web = Gunicorn(
            "load:ceiling_app",
            {**env, "PARLEY_CEILING_BODY": str(body_file)},
            folder / "ceiling.log",
            extra_args=[*gunicorn_args, "--pythonpath", str(BENCH)],
        )
        stack.append(ceiling_web)
        # The ceiling never uses the micro-cache: it is what gunicorn itself carries.
        ceiling = Nginx(
            nginx_binary,
            folder / "nginx-ceiling",
            {
                **nginx_settings,
                "upstream": f"127.0.0.1:{ceiling_web.port}",
                "micro_cache_seconds": 0,
            },
        )
        stack.append(ceiling)

        # The host page's origin is answered with CORS headers (the anon-origin scenario).
        request = urllib.request.Request(proxy.url + THREAD, headers={"Origin": ORIGIN})  # noqa: S310
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - loopback
            if answer.headers.get("Access-Control-Allow-Origin") != ORIGIN:
                raise RuntimeError(f"{ORIGIN} is not allowed: {dict(answer.headers)}")
        # Warm both: each worker's first requests load code and open connections.
        for _ in range(20):
            get(proxy.url + THREAD)
            get(proxy.url + COUNTS)
            get(ceiling.url + THREAD)

        describe(args, web, proxy, len(body), seeded)
        results: dict[str, list[dict]] = {s: [] for s in scenarios}
        for run in range(args.runs):
            for scenario in scenarios:
                results[scenario].append(
                    measure(scenario, args, proxy.url, ceiling.url, tokens_file, redis_client)
                )
                r = results[scenario][-1]
                print(
                    f"  run {run + 1} {scenario:<10} {r['rps']:>8,.0f}/s "
                    f"p50 {r['p50_ms']:.1f} ms p99 {r['p99_ms']:.1f} ms",
                    flush=True,
                )
        print()
        report(results, [r["rps"] for r in results.get("ceiling", [])], args.micro_cache)
        samples: dict[str, str] = {}
        for runs in results.values():
            for r in runs:
                samples.update(r["samples"])
        if samples:
            print("\nA body of each status other than 2xx:")
            for status, body in sorted(samples.items()):
                print(f"  {status}: {body[:200]}")
        if any(status in FIVES for status in samples):
            # Django logs a warning line for every 4xx; the 5xx tracebacks are the rest.
            lines = [
                line
                for line in web.log.read_text(errors="replace").splitlines()
                if line and not line.startswith(QUIET_LOG_LINES)
            ]
            print("\n5xx answers: the end of gunicorn's log:\n" + "\n".join(lines[-30:]))
    finally:
        for process in reversed(stack):
            process.stop()
        if database is not None:
            from django.db import connections

            connections.close_all()
            database.drop()
        shutil.rmtree(folder, ignore_errors=True)


def describe(args: argparse.Namespace, web, proxy, page_bytes: int, seeded: float) -> None:
    conf = {}
    exec(  # noqa: S102 - our own config file, read for its values
        (ROOT / "deploy" / "gunicorn.conf.py").read_text(), {}, conf
    )
    worker_class = args.worker_class or conf["worker_class"]
    workers = args.workers or conf["workers"]
    threads = args.threads or conf["threads"]
    print(
        f"Parley load bench: nginx {nginx_version()} → gunicorn {worker_class} x {workers} "
        f"workers x {threads} threads → PostgreSQL + Redis; {os.cpu_count()} cores (shared)"
    )
    print(
        f"{args.comments:,} comments, first page {page_bytes:,} bytes; {args.readers:,} readers; "
        f"seeded in {seeded:.1f} s; wrk {args.connections} connections, {args.wrk_threads} "
        f"threads, {args.duration} s x {args.runs} runs; micro-cache "
        f"{f'{args.micro_cache} s' if args.micro_cache else 'off'}"
    )
    print()


def nginx_version() -> str:
    from deploy.stack import find_nginx

    done = subprocess.run(  # noqa: S603 - our own fixed argv
        [find_nginx() or "nginx", "-v"], capture_output=True, text=True, timeout=10
    )
    return done.stderr.strip().rsplit("/", 1)[-1]


if __name__ == "__main__":
    main()
