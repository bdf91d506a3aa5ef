"""How fast the moderation pipeline decides, with Redis and one real Celery worker process.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench REDIS_URL=redis://127.0.0.1:6379/13 \\
        .venv/bin/python bench/moderation_latency.py [--latency 200] [--burst 1000]

It creates a throwaway database (Django's test-database creation: `test_<name>`, dropped at
the end; never the developer's), a site with the default policy and an HTTP scorer (a local
classifier answering at once, so every comment goes through the pipeline), and starts its own
worker (`celery worker -P solo -c 1`). Then:

1. latency: posts one comment at a time and measures from the POST's answer to the decision
   (the worker's status event time; one clock, one machine): median and p95;
2. throughput: stops the worker, posts a burst, starts the worker and measures decisions per
   second from its first decision to its last.

The Redis database in REDIS_URL is flushed: give it one of its own.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("PARLEY_TASKS_EAGER", "false")


class Classifier(BaseHTTPRequestHandler):
    # Headers and body go out as separate writes; without TCP_NODELAY each answer waits
    # for the client's delayed ACK (~40 ms), which would measure the bench, not Parley.
    disable_nagle_algorithm = True
    # Keep-alive, as any production classifier behind a web server: the worker's requests
    # session reuses one connection instead of opening one per decision.
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        body = b'{"scores": {"toxic": 0.01}}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency", type=int, default=200, help="posts, one at a time")
    parser.add_argument("--burst", type=int, default=1000, help="posts in the burst")
    parser.add_argument("--pool", default="solo", help="the worker's pool: solo, threads, ...")
    parser.add_argument("--concurrency", type=int, default=1, help="the worker's -c")
    args = parser.parse_args()
    if not os.environ.get("REDIS_URL") or not os.environ.get("DATABASE_URL", "").startswith(
        "postgres"
    ):
        sys.exit("Set REDIS_URL and DATABASE_URL (PostgreSQL): the worker shares the database.")

    import django

    django.setup()
    import redis
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    from config.celery_app import app as celery_app

    redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()
    celery_app.conf.task_always_eager = False
    old_config = setup_databases(verbosity=0, interactive=False)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Classifier)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    worker = None
    log = open(os.environ.get("BENCH_WORKER_LOG", os.devnull), "wb")  # noqa: SIM115
    try:
        s = connection.settings_dict
        db_url = (
            f"postgres://{s['USER']}{':' + s['PASSWORD'] if s['PASSWORD'] else ''}"
            f"@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
        )
        env = {**os.environ, "DATABASE_URL": db_url, "PARLEY_TASKS_EAGER": "false"}

        def start_worker() -> subprocess.Popen:
            process = subprocess.Popen(  # noqa: S603 - our own fixed argv
                [
                    str(Path(sys.executable).with_name("celery")),
                    "-A",
                    "config",
                    "worker",
                    "-P",
                    args.pool,
                    "-c",
                    str(args.concurrency),
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "--loglevel",
                    os.environ.get("BENCH_WORKER_LOGLEVEL", "WARNING"),
                    "-n",
                    f"bench-{time.time_ns()}@%h",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            time.sleep(0.5)
            return process

        def stop_worker(process: subprocess.Popen) -> None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(30)

        readers, site = prepare(server.server_port)
        worker = start_worker()
        warm(readers[0], 20)

        # 1. latency, one post at a time
        answers = post_many(readers, args.latency, gap=0.02)
        decided = wait_decided(answers)
        latencies = [(decided[pk] - answered) * 1000 for pk, answered in answers.items()]

        # 2. throughput: a burst queued while no worker runs, then one worker drains it
        def drain_rate(burst: dict[int, float]) -> float:
            times = sorted(wait_decided(burst, timeout=300).values())
            return (len(times) - 1) / (times[-1] - times[0])

        stop_worker(worker)
        worker = None
        burst = post_many(readers, args.burst, gap=0)
        worker = start_worker()
        rate = drain_rate(burst)

        # 3. the same with the default policy alone: a burst waits for the scorer, then the
        # site turns its scorer off before a worker starts (the engine decides, no HTTP call)
        stop_worker(worker)
        worker = None
        burst = post_many(readers, args.burst, gap=0)
        from pipeline.models import ScorerConfig

        ScorerConfig.objects.filter(site=site).update(enabled=False)
        worker = start_worker()
        rate_local = drain_rate(burst)

        report = {
            "latency_posts": len(latencies),
            "latency_median_ms": round(statistics.median(latencies), 1),
            "latency_p95_ms": round(percentile(latencies, 95), 1),
            "latency_max_ms": round(max(latencies), 1),
            "burst_posts": len(burst),
            "decisions_per_second": round(rate, 1),
            "decisions_per_second_default_policy_only": round(rate_local, 1),
            "policy": f"default v1 + HTTP scorer on site {site.slug}",
        }
        print(json.dumps(report, indent=2))
    finally:
        if worker is not None:
            stop_worker(worker)
        log.close()
        server.shutdown()
        connection.close()
        teardown_databases(old_config, verbosity=0)
        redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()


def prepare(scorer_port: int):
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from comments.models import Article, Site
    from comments.services import commenter_for_user
    from pipeline.models import ScorerConfig
    from policy.services import policy_current

    site = Site.objects.create(slug="bench", name="Bench")
    Article.objects.create(site=site, key="a1", url="https://news.example/a1", title="A1")
    policy_current(site=site)
    ScorerConfig.objects.create(
        site=site,
        name="house",
        kind="http",
        endpoint=f"http://127.0.0.1:{scorer_port}/score",
        key="bench-secret",
    )
    readers = []
    for n in range(40):
        user = get_user_model().objects.create_user(f"reader{n}", email=f"r{n}@example.org")
        commenter_for_user(user)
        client = APIClient(REMOTE_ADDR=f"10.0.0.{n + 1}")
        token = Token.objects.create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        readers.append(client)
    return readers, site


WORDS = [
    "council",
    "budget",
    "vote",
    "report",
    "deficit",
    "county",
    "school",
    "road",
    "housing",
    "transport",
    "tax",
    "hospital",
    "library",
    "park",
    "bridge",
    "water",
    "energy",
    "plan",
    "costing",
    "scenario",
    "baseline",
    "figure",
    "chart",
    "question",
    "neighbour",
    "study",
    "reform",
    "pension",
    "rent",
    "wage",
    "price",
    "station",
    "market",
    "harbour",
    "river",
    "forest",
    "farm",
    "museum",
    "court",
    "police",
    "clinic",
    "nurse",
    "teacher",
    "student",
    "driver",
    "worker",
    "owner",
    "tenant",
    "builder",
    "mayor",
    "minister",
    "committee",
    "survey",
    "review",
    "audit",
    "grant",
    "loan",
    "fund",
    "scheme",
    "project",
]
STARTS = ("I think the", "Surely the", "Has anyone checked the", "The article says the")


def body_for(i: int) -> str:
    rng = random.Random(i)
    words = " ".join(rng.sample(WORDS, 9))
    return f"{STARTS[i % len(STARTS)]} {words} matters here, number {i}."


def post_many(readers, n: int, *, gap: float) -> dict[int, float]:
    answered: dict[int, float] = {}
    for i in range(n):
        client = readers[i % len(readers)]
        body = body_for(i + int(time.time() * 1000) % 100000)
        response = client.post(
            "/api/v1/sites/bench/articles/a1/comments/", {"body": body}, format="json"
        )
        now = time.time()
        if response.status_code != 202:
            raise SystemExit(f"post {i}: {response.status_code} {response.content[:300]!r}")
        answered[response.json()["id"]] = now
        if gap:
            time.sleep(gap)
    return answered


def warm(client, n: int) -> None:
    from comments.models import Comment

    ids = post_many([client], n, gap=0.01)
    wait_decided(ids)
    Comment.objects.filter(pk__in=ids).delete()


def wait_decided(answered: dict[int, float], timeout: float = 60) -> dict[int, float]:
    """Comment id -> when the worker decided it (its status event), epoch seconds.

    Polls with a cheap count over the id range (the bench shares the machine's two cores with
    the worker it measures), then reads the times once."""
    from comments.models import CommentEvent

    decided = CommentEvent.objects.filter(
        comment_id__gte=min(answered),
        comment_id__lte=max(answered),
        kind="status",
        from_status="pending",
    )
    deadline = time.monotonic() + timeout
    while decided.count() < len(answered):
        if time.monotonic() > deadline:
            raise SystemExit(f"only {decided.count()} of {len(answered)} decided in {timeout}s")
        time.sleep(0.25)
    rows = dict(decided.values_list("comment_id", "created_at"))
    return {pk: rows[pk].timestamp() for pk in answered}


if __name__ == "__main__":
    main()
