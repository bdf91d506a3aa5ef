"""Celery tasks: thin, primary keys only, safe to deliver twice (see accountability.messages)."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from .data_rights import erasure_sweep
from .messages import MessageRetryable, message_send, sweep_messages


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=3,
    autoretry_for=(OperationalError, InterfaceError, MessageRetryable),
    retry_backoff=10,
    retry_backoff_max=120,
    retry_jitter=True,
)
def send_outcome_message_task(self, message_id: int) -> str | None:
    return message_send(message_id)


@shared_task(
    acks_late=True,
    max_retries=3,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=10,
    retry_jitter=True,
)
def erasure_sweep_task(commenter_id: int) -> bool:
    """The second pass of an erasure (accountability.data_rights), after in-flight writes."""
    return erasure_sweep(commenter_id) is not None


@shared_task(acks_late=True)
def sweep_messages_task() -> int:
    """Periodic (Celery beat, like pipeline's sweeper): e-mails about appeals and notices
    whose task was lost. Waits as long as the pipeline's sweeper does."""
    return sweep_messages(older_than=timedelta(seconds=settings.PARLEY_SWEEP_PENDING_AFTER_SECONDS))
