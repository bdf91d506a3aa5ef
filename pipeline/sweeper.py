"""The sweeper: send again the work whose task was lost.

A comment stays `pending`, a webhook delivery and an e-mail stay `pending`, until their task
has run; a task whose enqueue failed (the broker was down) or whose worker died leaves them
so. Celery beat runs `sweep_pending_task` (settings.CELERY_BEAT_SCHEDULE, under the name it had
in the policy app); `manage.py sweep_pending` does the same for cron.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from celery import Task, shared_task
from django.conf import settings
from django.utils import timezone

from comments.models import Comment, CommentStatus

from .enqueue import send_task
from .entry import send_moderation_task
from .models import DeliveryStatus, NotificationLog, NotificationStatus, WebhookDelivery
from .tasks import deliver_webhook_task, send_notification_task

logger = logging.getLogger(__name__)

S = CommentStatus


def sweep_pending(*, older_than: timedelta | None = None, limit: int = 1000) -> int:
    """Re-enqueue comments pending for longer than `older_than`; returns how many were sent.

    A comment whose task is merely slow gets a second task; the second finds it decided (or
    decides it, and the first then finds nothing to do)."""
    if older_than is None:
        older_than = timedelta(seconds=settings.PARLEY_SWEEP_PENDING_AFTER_SECONDS)
    cutoff = timezone.now() - older_than
    ids = list(
        Comment.objects.filter(status=S.PENDING, status_changed_at__lt=cutoff)
        .order_by("status_changed_at")
        .values_list("pk", flat=True)[:limit]
    )
    sent = sum(send_moderation_task(pk) for pk in ids)
    if ids:
        logger.info("Sweeper re-enqueued %s of %s pending comments", sent, len(ids))
    return sent


def sweep_outbox(*, older_than: timedelta | None = None, limit: int = 1000) -> int:
    """Send again webhook deliveries and e-mails still waiting (their enqueue failed or their
    worker died) from the last day."""
    if older_than is None:
        older_than = timedelta(seconds=settings.PARLEY_SWEEP_PENDING_AFTER_SECONDS)
    now = timezone.now()
    window = {"created_at__lt": now - older_than, "created_at__gte": now - timedelta(days=1)}
    plan: list[tuple[Task, Callable]] = [
        (
            deliver_webhook_task,
            lambda: WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, **window),
        ),
        (
            send_notification_task,
            lambda: NotificationLog.objects.filter(status=NotificationStatus.PENDING, **window),
        ),
    ]
    sent = 0
    for task, waiting in plan:
        ids = list(waiting().order_by("created_at").values_list("pk", flat=True)[:limit])
        sent += sum(send_task(task, pk) for pk in ids)
    return sent


@shared_task(name="policy.tasks.sweep_pending_task", acks_late=True)
def sweep_pending_task() -> int:
    """The periodic sweeper (Celery beat): pending comments, then the outbox."""
    return sweep_pending() + sweep_outbox()
