"""Celery tasks: thin, primary keys only, safe to deliver twice, retries bounded.

Each task's name is the one it had when the pipeline lived in the policy app (`name=`):
queued messages, the beat schedule and running workers find them under it. The periodic
sweeper's task is in pipeline.sweeper, which sends the tasks below again.

Retries are for transient errors only (a scorer or webhook receiver down or slow, a database
connection lost); everything else fails the task and is logged. They are Celery's own
(`autoretry_for` with `retry_backoff` and full `retry_jitter`): exponential from each task's
first delay, capped well under the broker's visibility timeout, or Redis would redeliver a task
that is merely waiting. The last attempt does not raise: the service is told it is final and
settles the row (holds the comment, marks the delivery failed).
"""

from celery import Task, shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from .notifications import NotificationRetryable, notification_send
from .remoderation import remoderation_execute
from .scorers import ScorerUnavailable
from .services import decide_pending
from .webhooks import DeliveryRetryable, webhook_deliver

DATABASE_ERRORS = (OperationalError, InterfaceError)


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=settings.PARLEY_SCORER_MAX_RETRIES,
    autoretry_for=(*DATABASE_ERRORS, ScorerUnavailable),
    retry_backoff=settings.PARLEY_SCORER_RETRY_BACKOFF_SECONDS,
    retry_backoff_max=60,
    retry_jitter=True,
    name="policy.tasks.moderate_comment_task",
)
def moderate_comment_task(self: Task, comment_id: int) -> str | None:
    final = self.request.retries >= (self.max_retries or 0)
    return decide_pending(comment_id, final_attempt=final)


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=settings.PARLEY_WEBHOOK_MAX_RETRIES,
    autoretry_for=(*DATABASE_ERRORS, DeliveryRetryable),
    retry_backoff=settings.PARLEY_WEBHOOK_RETRY_BACKOFF_SECONDS,
    retry_backoff_max=240,
    retry_jitter=True,
    name="policy.tasks.deliver_webhook_task",
)
def deliver_webhook_task(self: Task, delivery_id: int) -> str | None:
    final = self.request.retries >= (self.max_retries or 0)
    return webhook_deliver(delivery_id, final_attempt=final)


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=3,
    autoretry_for=(*DATABASE_ERRORS, NotificationRetryable),
    retry_backoff=10,
    retry_backoff_max=120,
    retry_jitter=True,
    name="policy.tasks.send_notification_task",
)
def send_notification_task(self: Task, notification_id: int) -> str | None:
    return notification_send(notification_id)


@shared_task(
    name="policy.tasks.remoderate_task", acks_late=False, soft_time_limit=3300, time_limit=3600
)
def remoderate_task(run_id: int) -> int:
    """A re-moderation run. It may outlast the visibility timeout, so it is acknowledged on
    receipt (no redelivery while it runs); a run whose worker died stays `running` and is
    started again by hand. Each comment commits alone, and an applied run skips comments it
    already decided."""
    return remoderation_execute(run_id)
