"""Prometheus metrics (prometheus-client), exported at /metrics (ops.views.metrics).

Every label here has a bounded set of values: views are URL pattern names, never raw paths;
clauses are a site policy's clause ids; tasks are task names.

Gunicorn runs several worker processes, each with its own counters. With the environment
variable PROMETHEUS_MULTIPROC_DIR set (before the process starts), prometheus-client writes
every process's values to files in that directory and a scrape of any one process adds them
all up (prometheus-client's multiprocess mode; docs/operating.md, *Metrics*). Without it, a
scrape shows the one process that answered, which is right for the demo and for tests.
"""

import logging
import os
import threading
from collections.abc import Iterable, Iterator
from typing import Any
from wsgiref.simple_server import WSGIServer

from django.apps import apps
from django.db import DatabaseError
from django.db.models import Count
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

# Buckets for a request's wall time: a cached page answers in a millisecond or two, a post that
# is moderated in-process in tens of milliseconds, anything past a few seconds is a fault.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUEST_LATENCY = Histogram(
    "parley_http_request_duration_seconds",
    "Time from the request reaching Django to its response, by view (URL pattern name), "
    "method and status class.",
    ["view", "method", "status"],
    buckets=LATENCY_BUCKETS,
)
PAGE_CACHE = Counter(
    "parley_page_cache_requests_total",
    "Thread page cache lookups, by result (hit or miss).",
    ["result"],
)
DECISIONS = Counter(
    "parley_moderation_decisions_total",
    "Comment status decisions recorded in the audit trail, by clause applied (empty when "
    "none), action (the status decided) and who decided (rule, scorer, moderator, ...).",
    ["clause", "action", "actor"],
)
TASK_FAILURES = Counter(
    "parley_celery_task_failures_total",
    "Celery tasks that ended in an exception (after their retries), by task name.",
    ["task"],
)
TASK_RETRIES = Counter(
    "parley_celery_task_retries_total",
    "Celery task retries scheduled, by task name.",
    ["task"],
)

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


# The labelled children, kept: `labels()` validates and locks on every call, which the fast
# path paid twice per answer (it returns the same child for the same labels anyway).
_LATENCY_CHILDREN: dict[tuple[str, str, int], Any] = {}
_PAGE_CACHE_CHILDREN = {
    hit: PAGE_CACHE.labels(result="hit" if hit else "miss") for hit in (True, False)
}


def observe_request(*, view: str, method: str, status: int, seconds: float) -> None:
    """Record one request's latency (ops.middleware calls this for every request)."""
    # Keyed by the label values themselves, so the map is as bounded as the metric's series
    # (a made-up method is "other", not a key of its own).
    key = (view, method if method in _METHODS else "other", status // 100)
    child = _LATENCY_CHILDREN.get(key)
    if child is None:
        child = _LATENCY_CHILDREN[key] = REQUEST_LATENCY.labels(
            view=key[0], method=key[1], status=f"{key[2]}xx"
        )
    child.observe(seconds)


def record_page_cache(hit: bool) -> None:
    """Count one thread page cache lookup: `hit` when the page's bytes came from the cache."""
    _PAGE_CACHE_CHILDREN[bool(hit)].inc()


def record_decision(*, clause: str, action: str, actor: str) -> None:
    """Count one status decision: `action` is the status decided, `actor` the actor kind."""
    DECISIONS.labels(clause=clause, action=action, actor=actor).inc()


def record_decision_event(event: Any) -> None:
    """Count an audit row (a `comments.CommentEvent`) as a decision if it is one: a status
    change made by anyone but the comment's author (whose edits and deletions are not
    decisions). comments.events calls this for every audit row the state machine writes.

    Counted when the row is written, not after the commit: an after-commit callback per
    decision would be one more piece of after-commit work for every post, which the pipeline's
    tests rightly count as work. A decision whose transaction later rolls back (an error after
    the state machine ran) is therefore counted all the same; that is rare, and a counter's
    rate is what a dashboard reads."""
    if event.kind != "status" or event.actor_kind == "author":
        return
    record_decision(clause=event.clause_id or "", action=event.to_status, actor=event.actor_kind)


def _task_name(sender: object) -> str:
    return str(getattr(sender, "name", None) or "unknown")


def _on_task_failure(sender: object = None, **_: object) -> None:
    TASK_FAILURES.labels(task=_task_name(sender)).inc()


def _on_task_retry(sender: object = None, **_: object) -> None:
    TASK_RETRIES.labels(task=_task_name(sender)).inc()


def connect_task_signals() -> None:
    """Count task failures and retries in whichever process runs the task (a worker, or a web
    process running tasks eagerly), and serve a worker's metrics if asked. Called once from
    OpsConfig.ready()."""
    from celery.signals import task_failure, task_retry, worker_init

    task_failure.connect(_on_task_failure, weak=False, dispatch_uid="ops.task_failure")
    task_retry.connect(_on_task_retry, weak=False, dispatch_uid="ops.task_retry")
    worker_init.connect(_on_worker_init, weak=False, dispatch_uid="ops.worker_metrics")


def _on_worker_init(**_: object) -> None:
    from django.conf import settings

    if settings.PARLEY_WORKER_METRICS_BIND:
        serve_worker_metrics(settings.PARLEY_WORKER_METRICS_BIND)


def serve_worker_metrics(bind: str) -> tuple[WSGIServer, threading.Thread]:
    """Serve this Celery worker's metrics (its task failures and retries) on `bind`
    ("host:port", "[::1]:port"), for a worker on a host with no web process to scrape. With a
    prefork pool the tasks run in child processes: PROMETHEUS_MULTIPROC_DIR must be set for
    their counts to reach the parent that serves them. No authentication: bind a private
    address (docs/operating.md, *Metrics*)."""
    host, _, port = bind.rpartition(":")
    registry = CollectorRegistry()
    if multiprocess_dir():
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    return start_http_server(int(port), addr=host.strip("[]") or "127.0.0.1", registry=registry)


class WaitingCommentsCollector(Collector):
    """Comments waiting for a decision, counted by one query when Prometheus scrapes."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        comment = apps.get_model("comments", "Comment")
        statuses = ("pending", "held")
        counts = dict.fromkeys(statuses, 0)
        try:
            rows = (
                comment.objects.using("default")
                .filter(status__in=statuses)
                .values_list("status")
                .annotate(n=Count("pk"))
                .order_by()
            )
            counts.update(dict(rows))
        except DatabaseError as exc:
            # The database is down: the scrape still carries every other metric (the latency
            # and failures of the outage itself); the gauge is absent until it is back.
            logger.warning("parley_comments_waiting not collected: %r", exc)
            return
        family = GaugeMetricFamily(
            "parley_comments_waiting",
            "Comments waiting for a decision: pending (the pipeline's) and held (a "
            "moderator's), counted when scraped.",
            labels=["status"],
        )
        for status, n in counts.items():
            family.add_metric([status], n)
        yield family


class _ThisProcess(Collector):
    """The metrics this process recorded itself (when not in multiprocess mode)."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


def multiprocess_dir() -> str | None:
    """Where prometheus-client shares the processes' values, or None (one process only)."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def exposition() -> tuple[bytes, str]:
    """The scrape's body and content type: every process's metrics (or this one's) and the
    gauges counted now."""
    registry = CollectorRegistry()
    if multiprocess_dir():
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    registry.register(WaitingCommentsCollector())
    return generate_latest(registry), CONTENT_TYPE_LATEST
