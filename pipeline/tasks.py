"""Celery tasks: thin, primary keys only, safe to deliver twice, retries bounded.

Each task's name is the one it had when the pipeline lived in the policy app (`name=`):
queued messages, the beat schedule and running workers find them under it. The periodic
sweeper's task is in pipeline.sweeper, which sends the tasks below again.

Retries are for transient errors only (a scorer or webhook receiver down or slow, a database
connection lost); everything else fails the task and is logged. Every backoff stays well under
the broker's visibility timeout, or Redis would redeliver a task that is merely waiting.
"""

import random

from celery import Task, shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from .notifications import NotificationRetryable, notification_send
from .remoderation import remoderation_execute
from .scorers import ScorerUnavailable
from .services import decide_pending
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
    name="policy.tasks.moderate_comment_task",
)
def moderate_comment_task(self: Task, comment_id: int) -> str | None:
    final = self.request.retries >= (self.max_retries or 0)
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
    name="policy.tasks.deliver_webhook_task",
)
def deliver_webhook_task(self: Task, delivery_id: int) -> str | None:
    final = self.request.retries >= (self.max_retries or 0)
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
    name="policy.tasks.send_notification_task",
)
def send_notification_task(self: Task, notification_id: int) -> str | None:
    try:
        return notification_send(notification_id)
    except NotificationRetryable as exc:
        raise self.retry(exc=exc, countdown=backoff(self, base=10, cap=120)) from exc


@shared_task(
    name="policy.tasks.remoderate_task", acks_late=False, soft_time_limit=3300, time_limit=3600
)
def remoderate_task(run_id: int) -> int:
    """A re-moderation run. It may outlast the visibility timeout, so it is acknowledged on
    receipt (no redelivery while it runs); a run whose worker died stays `running` and is
    started again by hand. Each comment commits alone, and an applied run skips comments it
    already decided."""
    return remoderation_execute(run_id)
