"""E-mail to readers: a waiting comment published or rejected, a reply to their comment.

The status listener (pipeline.listeners.email_outbox, called by the state machine inside the
deciding transaction) writes a
NotificationLog row, unique per (comment, kind, recipient), and sends its task after commit.
The task claims the row before sending, so a task delivered twice sends one e-mail; mail is
never sent inside a transaction. A worker that dies between claim and send loses that one
e-mail (at most once, by design).
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from comments.models import Comment, Commenter, CommentEvent, CommentStatus

from .models import NotificationKind, NotificationLog, NotificationPreference, NotificationStatus

logger = logging.getLogger(__name__)

S = CommentStatus


class NotificationRetryable(Exception):
    """The mail server refused or was unreachable; the row is pending again."""


def waited(event: CommentEvent, comment: Comment) -> bool:
    """A decision the author has not already seen in the answer to their post: the comment
    was held (or rejected, or removed) before, or it stayed pending for a while."""
    if event.from_status != S.PENDING:
        return True
    since = comment.edited_at or comment.created_at
    wait = timedelta(seconds=settings.PARLEY_NOTIFY_AFTER_WAIT_SECONDS)
    return event.created_at - since >= wait


def preference_for(commenter: Commenter) -> NotificationPreference:
    """The reader's preferences, or the defaults (not stored) when they never chose."""
    pref = NotificationPreference.objects.filter(commenter=commenter).first()
    return pref or NotificationPreference(commenter=commenter)


@transaction.atomic
def preference_set(
    *, commenter: Commenter, reply_emails: bool | None = None, decision_emails: bool | None = None
) -> NotificationPreference:
    """Change the fields given; the others keep their value."""
    pref, _ = NotificationPreference.objects.select_for_update().get_or_create(commenter=commenter)
    if reply_emails is not None:
        pref.reply_emails = reply_emails
    if decision_emails is not None:
        pref.decision_emails = decision_emails
    pref.updated_at = timezone.now()
    pref.save()
    return pref


def _wanted(log: NotificationLog) -> bool:
    pref = NotificationPreference.objects.filter(commenter_id=log.recipient_id).first()
    if pref is None:
        return True
    return pref.reply_emails if log.kind == NotificationKind.REPLY else pref.decision_emails


def notification_send(notification_id: int) -> str | None:
    """Send one notification e-mail, at most once. Returns the row's final status, or None
    when another delivery of the task already claimed it (or the row is gone)."""
    claimed = NotificationLog.objects.filter(
        pk=notification_id, status=NotificationStatus.PENDING
    ).update(status=NotificationStatus.SENDING)
    if not claimed:
        return None
    log = (
        NotificationLog.objects.select_related(
            "comment__article", "comment__site", "comment__author", "recipient__user"
        )
        .filter(pk=notification_id)
        .first()
    )
    if log is None:
        return None
    address = log.recipient.user.email
    if not address or not _wanted(log):
        _finish(log, NotificationStatus.SKIPPED)
        return NotificationStatus.SKIPPED
    subject, body = render(log)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
    except (smtplib.SMTPException, OSError) as exc:
        NotificationLog.objects.filter(pk=log.pk).update(status=NotificationStatus.PENDING)
        raise NotificationRetryable(str(exc)) from exc
    _finish(log, NotificationStatus.SENT)
    return NotificationStatus.SENT


def _finish(log: NotificationLog, status: str) -> None:
    NotificationLog.objects.filter(pk=log.pk).update(status=status, sent_at=timezone.now())


# Apps above the pipeline may add a paragraph to the "not published" e-mail: accountability
# adds the statement of reasons and how to appeal (registered in its AppConfig.ready).
NotPublishedExtra = Callable[[NotificationLog], str]
_not_published_extras: list[NotPublishedExtra] = []


def register_not_published_extra(extra: NotPublishedExtra) -> None:
    if extra not in _not_published_extras:
        _not_published_extras.append(extra)


def render(log: NotificationLog) -> tuple[str, str]:
    """Subject and plain-text body of one notification."""
    comment = log.comment
    site = comment.site.name
    where = comment.article.title or comment.article.key
    link = comment.article.url
    excerpt = comment.body if len(comment.body) <= 300 else comment.body[:297] + "..."
    if log.kind == NotificationKind.REPLY:
        subject = f"{comment.author.display_name} replied to your comment on {site}"
        lead = f"{comment.author.display_name} replied to your comment on “{where}”:"
    elif log.kind == NotificationKind.PUBLISHED:
        subject = f"Your comment on {site} is published"
        lead = f"Your comment on “{where}” has been reviewed and is now published:"
    else:
        subject = f"Your comment on {site} was not published"
        reason = comment.moderation_reason or comment.moderation_clause_title
        lead = f"Your comment on “{where}” was not published. {reason}".strip()
    lines = [lead, "", excerpt, ""]
    if link:
        lines.append(link)
    if log.kind not in (NotificationKind.REPLY, NotificationKind.PUBLISHED):
        for extra in _not_published_extras:
            text = extra(log)
            if text:
                lines += ["", text]
    if log.kind == NotificationKind.REPLY:
        lines += ["", "You can turn off reply e-mails in your comment preferences."]
    return subject, "\n".join(lines)
