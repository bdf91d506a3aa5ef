"""Celery tasks: thin, primary keys only, safe to deliver twice (see accountability.messages)."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from .data_rights import erasure_sweep
from .messages import MessageRetryable, message_send


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
