"""Celery tasks: thin, primary keys only, safe to deliver twice (see accountability.messages)."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

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
