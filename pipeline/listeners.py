"""What the pipeline does when a comment's status changes: fill its outboxes.

Registered in comments.hooks by pipeline.apps, and called by the state machine
(comments.lifecycle) for every audit row it writes. Precondition for each: inside the
transaction that changed the comment. They write outbox rows and send their tasks after
commit (pipeline.enqueue), nothing else: the HTTP calls and the mail happen in the tasks.
"""

from __future__ import annotations

from comments import rows
from comments.models import Comment, CommentEvent, CommentStatus, Site
from comments.pagecache import PagesChanged

from .config import site_moderation
from .enqueue import send_on_commit
from .models import NotificationKind, NotificationLog, WebhookDelivery
from .notifications import waited
from .tasks import deliver_webhook_task, send_notification_task
from .webhooks import ARTICLE_CHANGED, article_changed_payload, event_name, payload_for

S = CommentStatus


def webhook_outbox(event: CommentEvent) -> None:
    """One WebhookDelivery per active endpoint of the site that wants the event
    (pipeline.webhooks)."""
    name = event_name(event)
    if name is None:
        return
    comment = event.comment
    # The site's active endpoints come from the per-process configuration cache: most sites
    # have none, and this runs for every created comment and every status change.
    endpoints = [e for e in site_moderation(site=comment.site).webhooks if e.wants(name)]
    if not endpoints:
        return
    payload = payload_for(name, event, comment)
    deliveries = WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(endpoint=e, event=name, payload=payload) for e in endpoints]
    )
    for delivery in deliveries:
        send_on_commit(deliver_webhook_task, delivery.pk)


def article_changed_outbox(change: PagesChanged) -> None:
    """One `article.changed` WebhookDelivery per active endpoint of the site that lists the
    event, after the commit that changed the pages (registered with
    comments.pagecache.register_pages_listener): a CDN's purge hook."""
    site = change.site or Site.objects.filter(pk=change.site_id).first()
    if site is None:
        return
    endpoints = [e for e in site_moderation(site=site).webhooks if ARTICLE_CHANGED in e.events]
    if not endpoints:
        return
    payload = article_changed_payload(change, site)
    deliveries = WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(endpoint=e, event=ARTICLE_CHANGED, payload=payload) for e in endpoints]
    )
    for delivery in deliveries:
        send_on_commit(deliver_webhook_task, delivery.pk)


def email_outbox(event: CommentEvent) -> None:
    """A NotificationLog for the author of a waiting comment now published or rejected, and
    for the author of the comment a published reply answers (pipeline.notifications)."""
    if event.kind != CommentEvent.Kind.STATUS:
        return
    comment = event.comment
    if event.to_status == S.PUBLISHED:
        if waited(event, comment):
            _queue_email(comment, NotificationKind.PUBLISHED, comment.author_id)
        if comment.parent_id is not None:
            parent_author = _parent_author_id(comment)
            if parent_author is not None and parent_author != comment.author_id:
                _queue_email(comment, NotificationKind.REPLY, parent_author)
    elif event.to_status == S.REJECTED and waited(event, comment):
        _queue_email(comment, NotificationKind.REJECTED, comment.author_id)


def _parent_author_id(comment: Comment) -> int | None:
    # The posting request already holds the parent; other callers look it up.
    if Comment._meta.get_field("parent").is_cached(comment) and comment.parent is not None:
        return comment.parent.author_id
    if comment.parent_id is None:
        return None
    return Comment.objects.filter(pk=comment.parent_id).values_list("author_id", flat=True).first()


def _queue_email(comment: Comment, kind: str, recipient_id: int) -> None:
    log = NotificationLog(comment=comment, kind=kind, recipient_id=recipient_id)
    if not rows.insert_unless_conflict(log, constraint="notification_once_per_event"):
        return  # this reader already had (or has coming) this e-mail about this comment
    send_on_commit(send_notification_task, log.pk)
