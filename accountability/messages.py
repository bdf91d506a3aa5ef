"""E-mails about appeals and notices: the outcome of an appeal to its reader; receipt and
outcome of a notice to its notifier.

The same outbox pattern as the pipeline's reader e-mails (pipeline.notifications): the deciding
transaction writes an OutcomeMessage row (unique per kind and appeal or notice) and sends its
task after commit; the task claims the row before sending, so a task delivered twice sends one
e-mail, and mail is never sent inside a transaction. The pipeline's NotificationLog is about a
comment's status, one e-mail per status kind, so an appeal's outcome (which may change no
status) and a guest's notice (who is not a reader) have rows of their own here.
"""

from __future__ import annotations

import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from pipeline.enqueue import send_on_commit, send_task

from .models import Appeal, MessageKind, MessageStatus, Notice, OutcomeMessage


class MessageRetryable(Exception):
    """The mail server refused or was unreachable; the row is pending again."""


def queue_message(*, kind: str, appeal: Appeal | None = None, notice: Notice | None = None) -> None:
    """Write the outbox row and send its task after commit (once per kind and subject).

    Precondition: inside the transaction that decided or filed the appeal or notice."""
    from .tasks import send_outcome_message_task

    try:
        with transaction.atomic():
            message = OutcomeMessage.objects.create(kind=kind, appeal=appeal, notice=notice)
    except IntegrityError:
        return
    send_on_commit(send_outcome_message_task, message.pk)


def recipient_of(message: OutcomeMessage) -> str:
    if message.appeal is not None:
        return message.appeal.appellant.user.email
    notice = message.notice
    if notice is None:
        return ""
    if notice.notifier is not None:
        return notice.notifier.user.email
    return notice.notifier_email


def render(message: OutcomeMessage) -> tuple[str, str]:
    """Subject and plain-text body, from accountability/messages/<kind>.txt."""
    subject_of: dict[str, str] = {
        MessageKind.APPEAL_OUTCOME: gettext_noop("The outcome of your appeal"),
        MessageKind.NOTICE_RECEIVED: gettext_noop("We received your notice"),
        MessageKind.NOTICE_OUTCOME: gettext_noop("The outcome of your notice"),
    }
    about = message.appeal or message.notice
    assert about is not None  # a check constraint: every message is about one or the other
    subject_site = about.site.name
    context = {"appeal": message.appeal, "notice": message.notice, "site": subject_site}
    with translation.override(about.language or None):
        body = render_to_string(f"accountability/messages/{message.kind}.txt", context)
        subject = f"{translation.gettext(subject_of[message.kind])} ({subject_site})"
    return subject, body.strip() + "\n"


def message_send(message_id: int) -> str | None:
    """Send one message at most once; its final status, or None when already claimed."""
    claimed = OutcomeMessage.objects.filter(pk=message_id, status=MessageStatus.PENDING).update(
        status=MessageStatus.SENDING
    )
    if not claimed:
        return None
    message = (
        OutcomeMessage.objects.select_related(
            "appeal__site",
            "appeal__appellant__user",
            "appeal__comment__article",
            "notice__site",
            "notice__notifier__user",
            "notice__comment__article",
        )
        .filter(pk=message_id)
        .first()
    )
    if message is None:
        return None
    address = recipient_of(message)
    if not address:
        _finish(message, MessageStatus.SKIPPED)
        return MessageStatus.SKIPPED
    subject, body = render(message)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
    except (smtplib.SMTPException, OSError) as exc:
        OutcomeMessage.objects.filter(pk=message.pk).update(status=MessageStatus.PENDING)
        raise MessageRetryable(str(exc)) from exc
    _finish(message, MessageStatus.SENT)
    return MessageStatus.SENT


def _finish(message: OutcomeMessage, status: str) -> None:
    OutcomeMessage.objects.filter(pk=message.pk).update(status=status, sent_at=timezone.now())


def sweep_messages(*, older_than: timedelta, limit: int = 1000) -> int:
    """Send again the e-mails still waiting after `older_than` (their enqueue failed while the
    broker was down, or their worker died) from the last day; how many tasks were sent. A
    message whose task is merely slow gets a second task, which finds it claimed."""
    from .tasks import send_outcome_message_task

    now = timezone.now()
    ids = list(
        OutcomeMessage.objects.filter(
            status=MessageStatus.PENDING,
            created_at__lt=now - older_than,
            created_at__gte=now - timedelta(days=1),
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(send_task(send_outcome_message_task, pk) for pk in ids)
