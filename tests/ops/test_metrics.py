"""Prometheus metrics: what is exported, with bounded labels, to whom, and across processes."""

import os
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import override_settings
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from comments.lifecycle import Actor, transition
from comments.models import ActorKind, CommentStatus
from ops import metrics
from tests.factories import CommentFactory

ROOT = Path(__file__).resolve().parents[2]


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def scrape(client, **extra) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", **extra)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.content.decode())
        for s in family.samples
    }


def test_request_latency_is_labelled_by_route_name_not_path(client, db):
    labels = {"view": "ops:readyz", "method": "GET", "status": "2xx"}
    before = sample("parley_http_request_duration_seconds_count", **labels)

    for _ in range(3):
        assert client.get("/readyz").status_code == 200
    client.get("/no/such/page/at/all")
    client.get("/api/v1/no/such/endpoint/")

    assert sample("parley_http_request_duration_seconds_count", **labels) == before + 3
    assert sample("parley_http_request_duration_seconds_bucket", le="10.0", **labels) == before + 3
    views = {
        dict(key[1]).get("view")
        for key in scrape(client)
        if key[0] == "parley_http_request_duration_seconds_count"
    }
    assert {"ops:readyz", "<unmatched>"} <= views
    assert not any("/" in view for view in views if view)  # no raw path ever becomes a label


def test_page_cache_hits_and_misses_are_counted():
    hits, misses = (sample("parley_page_cache_requests_total", result=r) for r in ("hit", "miss"))

    metrics.record_page_cache(hit=True)
    metrics.record_page_cache(hit=True)
    metrics.record_page_cache(hit=False)

    assert sample("parley_page_cache_requests_total", result="hit") == hits + 2
    assert sample("parley_page_cache_requests_total", result="miss") == misses + 1


def test_waiting_comments_are_counted_at_scrape_time(client, db):
    CommentFactory.create_batch(2, status=CommentStatus.PENDING)
    CommentFactory(status=CommentStatus.HELD)
    CommentFactory(status=CommentStatus.PUBLISHED)

    values = scrape(client)

    assert values[("parley_comments_waiting", (("status", "pending"),))] == 2
    assert values[("parley_comments_waiting", (("status", "held"),))] == 1

    CommentFactory(status=CommentStatus.PENDING)
    assert scrape(client)[("parley_comments_waiting", (("status", "pending"),))] == 3


def decided(**labels: str) -> float:
    return sample("parley_moderation_decisions_total", **labels)


def test_decisions_are_counted_per_clause_and_action(db):
    comment = CommentFactory(status=CommentStatus.PENDING)
    labels = {"clause": "spam-ops-test", "action": "rejected", "actor": "rule"}
    before = decided(**labels)

    with transaction.atomic():
        transition(
            comment,
            to=CommentStatus.REJECTED,
            actor=Actor(ActorKind.RULE, "test"),
            clause_id="spam-ops-test",
            clause_title="No advertising",
        )

    assert decided(**labels) == before + 1


def test_a_moderators_decision_is_counted_with_its_clause(db):
    comment = CommentFactory(status=CommentStatus.HELD)
    moderator = get_user_model().objects.create_user("mo-ops-test")
    labels = {"clause": "civility", "action": "published", "actor": "moderator"}
    before = decided(**labels)

    with transaction.atomic():
        transition(
            comment,
            to=CommentStatus.PUBLISHED,
            actor=Actor.moderator(moderator),
            clause_id="civility",
        )

    assert decided(**labels) == before + 1


def test_an_authors_own_deletion_is_not_a_decision(db):
    comment = CommentFactory(status=CommentStatus.PUBLISHED)
    labels = {"clause": "", "action": "deleted", "actor": "author"}

    with transaction.atomic():
        transition(comment, to=CommentStatus.DELETED, actor=Actor.author(comment))

    assert decided(**labels) == 0


def test_task_failures_and_retries_are_counted(db):
    from config.celery_app import app

    @app.task(name="ops_test.flaky", bind=True, max_retries=1)
    def flaky(self):
        if self.request.retries == 0:
            raise self.retry(countdown=0)
        raise ValueError("still broken")

    failures = sample("parley_celery_task_failures_total", task="ops_test.flaky")
    retries = sample("parley_celery_task_retries_total", task="ops_test.flaky")

    result = flaky.apply()

    assert isinstance(result.result, ValueError)
    assert sample("parley_celery_task_retries_total", task="ops_test.flaky") == retries + 1
    assert sample("parley_celery_task_failures_total", task="ops_test.flaky") == failures + 1


# Who may scrape.


def test_metrics_are_served_to_loopback_by_default(client, db):
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="::1").status_code == 200


@pytest.mark.parametrize(
    "extra",
    [
        {"REMOTE_ADDR": "203.0.113.7"},
        # Through a proxy on the same host the socket address is loopback: refused all the same.
        {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.7"},
        {"REMOTE_ADDR": "203.0.113.7", "HTTP_AUTHORIZATION": "Bearer guessed"},
    ],
)
def test_metrics_are_refused_to_others(client, db, extra):
    response = client.get("/metrics", **extra)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert b"parley_" not in response.content


@override_settings(PARLEY_METRICS_TOKEN="s3cret-scrape-token")
def test_metrics_with_the_bearer_token_from_anywhere(client, db):
    response = client.get(
        "/metrics",
        REMOTE_ADDR="203.0.113.7",
        HTTP_X_FORWARDED_FOR="198.51.100.1",
        HTTP_AUTHORIZATION="Bearer s3cret-scrape-token",
    )

    assert response.status_code == 200
    assert b"parley_comments_waiting" in response.content


@override_settings(PARLEY_METRICS_ALLOWED_IPS=["10.20.0.0/16"])
def test_metrics_allowlist_takes_networks(client, db):
    assert client.get("/metrics", REMOTE_ADDR="10.20.3.4").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403


# Several processes (gunicorn's workers).

RECORD_IN_A_PROCESS = """
import django
django.setup()
from ops import metrics
metrics.observe_request(view="thread", method="GET", status=200, seconds=0.003)
metrics.record_page_cache(hit=True)
"""


def test_multiprocess_mode_adds_up_every_process(db, tmp_path, monkeypatch):
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
    }
    for _ in range(2):
        subprocess.run(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", RECORD_IN_A_PROCESS],
            cwd=ROOT,
            env=environment,
            check=True,
            timeout=60,
        )
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))

    body, _ = metrics.exposition()

    values = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body.decode())
        for s in family.samples
    }
    thread = (("method", "GET"), ("status", "2xx"), ("view", "thread"))
    assert values[("parley_http_request_duration_seconds_count", thread)] == 2
    assert values[("parley_page_cache_requests_total", (("result", "hit"),))] == 2
    # The gauge counted at scrape time is there too, once.
    assert ("parley_comments_waiting", (("status", "pending"),)) in values


def test_a_worker_serves_its_own_task_counts(db):
    from config.celery_app import app

    @app.task(name="ops_test.broken_on_a_worker")
    def broken():
        raise ValueError("broken")

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server, _ = metrics.serve_worker_metrics(f"127.0.0.1:{port}")
    try:
        broken.apply()
        broken.apply()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
            body = answer.read().decode()
    finally:
        server.shutdown()
        server.server_close()

    assert 'parley_celery_task_failures_total{task="ops_test.broken_on_a_worker"} 2.0' in body


def test_metrics_still_scrape_while_the_database_is_down():
    # A fresh process whose DATABASE_URL points at a port where no PostgreSQL listens.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    script = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "c = Client()\n"
        "c.get('/healthz')\n"
        "r = c.get('/metrics')\n"
        "print(r.status_code)\n"
        "print(r.content.decode())\n"
    )
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://parley@127.0.0.1:{port}/parley",
    }
    environment.pop("REDIS_URL", None)
    environment.pop("PROMETHEUS_MULTIPROC_DIR", None)
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    status, _, body = result.stdout.partition("\n")
    assert status == "200"
    healthz = 'method="GET",status="2xx",view="ops:healthz"'
    assert f"parley_http_request_duration_seconds_count{{{healthz}}} 1.0" in body
    assert "parley_comments_waiting" not in body
    assert "parley_comments_waiting not collected" in result.stderr
