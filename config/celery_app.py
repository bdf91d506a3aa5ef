import os
import time

from celery import Celery, signals, states

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("parley")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# Database connections in the worker. Celery's Django fixup closes every connection after
# every task unless CELERY_DB_REUSE_MAX is set: a new PostgreSQL connection per decision
# (~3 ms of the worker's CPU, and a backend start-up on the server), which capped one worker at
# a few dozen decisions a second. We keep them as a web process does, with two differences:
# - before a task, a connection older than DATABASE_CONN_MAX_AGE is closed, but an open one is
#   not pinged (Django's health check would add a query to every decision);
# - after any task that did not succeed, every connection is closed. A dead connection (the
#   server restarted) therefore costs one failed attempt, retried with backoff by the task,
#   and a query interrupted by a time limit, which can leave a connection Django still
#   believes usable (celery/celery#9824), always ends its task in an exception.
def _in_process(task: object) -> bool:
    """An eager task runs inside the caller (a request, a test): its connections are the
    caller's business."""
    return bool(getattr(getattr(task, "request", None), "is_eager", False))


@signals.task_prerun.connect
def _close_aged_connections(task: object = None, **_: object) -> None:
    if _in_process(task):
        return
    from django.db import connections

    now = time.monotonic()
    for conn in connections.all(initialized_only=True):
        if conn.connection is not None and conn.close_at is not None and now >= conn.close_at:
            conn.close()


@signals.task_postrun.connect
def _drop_connections_after_failure(
    task: object = None, state: str | None = None, **_: object
) -> None:
    if state != states.SUCCESS and not _in_process(task):
        from django.db import connections

        connections.close_all()


# A worker settles before it takes tasks (config/warmup.py): the classifier is loaded and the
# garbage collector's full collections skip everything loaded so far. `worker_init` runs in the
# main process (solo and threads pools, and the prefork parent, whose children inherit it);
# `worker_process_init` in each prefork child.
@signals.worker_init.connect
@signals.worker_process_init.connect
def _settle(**_: object) -> None:
    from config.warmup import settle

    settle()
