"""Celery tasks: thin, primary keys only, safe to deliver twice, retries bounded.

Retries are for transient errors only (a scorer or webhook receiver down or slow, a database
connection lost); everything else fails the task and is logged. Every backoff stays well under
the broker's visibility timeout, or Redis would redeliver a task that is merely waiting.
"""

import random

from celery import Task, shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from .notifications import NotificationRetryable, notification_send
from .pipeline import decide_pending, sweep_outbox, sweep_pending
from .remoderation import remoderation_execute
from .scorers import ScorerUnavailable
from .webhooks import DeliveryRetryable, webhook_deliver

DATABASE_ERRORS = (OperationalError, InterfaceError)


def backoff(task: Task, *, base: float, cap: float) -> float:
    """Exponential backoff with full jitter for the task's next retry, in seconds."""
    return random.uniform(base, min(cap, base * 2**task.request.retries))  # noqa: S311


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=settings.PARLEY_SCORER_MAX_RETRIES,
    autoretry_for=DATABASE_ERRORS,
    retry_backoff=True,
    retry_backoff_max=60,
)
def moderate_comment_task(self: Task, comment_id: int) -> str | None:
    final = self.request.retries >= self.max_retries
    try:
        return decide_pending(comment_id, final_attempt=final)
    except ScorerUnavailable as exc:
        countdown = backoff(self, base=settings.PARLEY_SCORER_RETRY_BACKOFF_SECONDS, cap=60)
        raise self.retry(exc=exc, countdown=countdown) from exc


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=settings.PARLEY_WEBHOOK_MAX_RETRIES,
    autoretry_for=DATABASE_ERRORS,
    retry_backoff=True,
    retry_backoff_max=60,
)
def deliver_webhook_task(self: Task, delivery_id: int) -> str | None:
    final = self.request.retries >= self.max_retries
    try:
        return webhook_deliver(delivery_id, final_attempt=final)
    except DeliveryRetryable as exc:
        countdown = backoff(self, base=settings.PARLEY_WEBHOOK_RETRY_BACKOFF_SECONDS, cap=240)
        raise self.retry(exc=exc, countdown=countdown) from exc


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=3,
    autoretry_for=DATABASE_ERRORS,
    retry_backoff=True,
    retry_backoff_max=60,
)
def send_notification_task(self: Task, notification_id: int) -> str | None:
    try:
        return notification_send(notification_id)
    except NotificationRetryable as exc:
        raise self.retry(exc=exc, countdown=backoff(self, base=10, cap=120)) from exc


@shared_task(acks_late=True)
def sweep_pending_task() -> int:
    """The periodic sweeper (Celery beat): pending comments, then the outbox."""
    return sweep_pending() + sweep_outbox()


@shared_task(acks_late=False, soft_time_limit=3300, time_limit=3600)
def remoderate_task(run_id: int) -> int:
    """A re-moderation run. It may outlast the visibility timeout, so it is acknowledged on
    receipt (no redelivery while it runs); a run whose worker died stays `running` and is
    started again by hand. Each comment commits alone, and an applied run skips comments it
    already decided."""
    return remoderation_execute(run_id)
