"""Sending Celery tasks from a request or a task: after commit, and never failing the caller.

Every task takes one primary key. The row that needs the work is committed first, so a task
never looks for a row that is not there yet; a broker that is down costs a log line, and the
sweeper (pipeline.sweeper) sends the task again later.
"""

from __future__ import annotations

import logging

from celery import Task
from django.db import transaction

logger = logging.getLogger(__name__)


def send_task(task: Task, object_id: int) -> bool:
    """Send `task(object_id)` now. A broker failure is logged, never raised: the row that
    needs the work is already committed, and the sweeper sends it again later.

    Precondition: not inside a transaction (call it from `transaction.on_commit`)."""
    try:
        task.apply_async((object_id,), retry=False)
    except Exception:
        # Any broker error (connection refused, timeout, auth, a full memory): the request
        # that stored the row must still succeed. Deliberately broad, and never retried here.
        logger.warning("Could not enqueue %s(%s)", task.name, object_id, exc_info=True)
        return False
    return True


def send_on_commit(task: Task, object_id: int) -> None:
    """Send `task(object_id)` once the current transaction commits (not at all if it rolls
    back)."""
    transaction.on_commit(lambda: send_task(task, object_id))
