"""Signed webhooks: comment.created, comment.published, comment.rejected, comment.removed, and
article.changed (opt-in: for a CDN's purge; see `article_changed_payload`).

The status listener (pipeline.listeners.webhook_outbox) writes one WebhookDelivery per
subscribed endpoint in the transaction that changed the comment (an outbox: the event exists
if and only if the change committed) and sends each delivery's task after commit. Deliveries
are at least once: a task delivered twice may POST twice, so receivers dedupe on the
`X-Parley-Delivery` header (the delivery id).
"""

from __future__ import annotations

import json
import logging

import requests
from django.db.models import F
from django.utils import timezone

from comments.models import Article, Comment, CommentEvent, CommentStatus, Site
from comments.pagecache import PagesChanged

from . import http
from .models import DeliveryStatus, WebhookDelivery
from .signing import signed_headers

logger = logging.getLogger(__name__)

S = CommentStatus
DELIVERY_HEADER = "X-Parley-Delivery"
EVENT_HEADER = "X-Parley-Event"
TIMEOUT_SECONDS = 5.0

_STATUS_EVENTS = {
    S.PUBLISHED: "comment.published",
    S.REJECTED: "comment.rejected",
    S.REMOVED: "comment.removed",
}

USER_AGENT = "Parley-Webhooks/1.0"


class DeliveryRetryable(Exception):
    """The receiver was unreachable, slow, or answered 5xx/429/408: try again later."""


def event_name(event: CommentEvent) -> str | None:
    if event.kind == CommentEvent.Kind.CREATED:
        return "comment.created"
    if event.kind == CommentEvent.Kind.STATUS:
        return _STATUS_EVENTS.get(event.to_status or "")
    return None


def payload_for(name: str, event: CommentEvent, comment: Comment) -> dict:
    """What the receiver gets. Body text only for events whose comment is visible to readers
    or was just created (the host's own reader wrote it); rejected and removed carry the
    clause instead."""
    article = comment.article
    body = comment.body if name in ("comment.created", "comment.published") else None
    return {
        "event": name,
        "occurred_at": event.created_at.isoformat(),
        "site": comment.site.slug,
        "comment": {
            "id": comment.pk,
            "article": {"key": article.key, "url": article.url},
            "parent": comment.parent_id,
            "author": {
                "id": comment.author.public_id,
                "display_name": comment.author.display_name,
            },
            "status": comment.status,
            "body": body,
            "created_at": comment.created_at.isoformat(),
        },
        "change": {
            "from": event.from_status or None,
            "to": event.to_status,
            "actor": event.actor_kind,
            "clause_id": event.clause_id or None,
            "clause_title": event.clause_title or None,
            "reason": event.note or None,
            "policy_version": event.policy_version,
        },
    }


# Sent after the commit of every change to an article's pages (comments.pagecache), only to
# endpoints that list it: those with no events listed keep getting the comment events alone.
ARTICLE_CHANGED = "article.changed"


def article_changed_payload(change: PagesChanged, site: Site) -> dict:
    """The pages to purge: the articles (null: every page of the site) and the cache tags
    Parley's responses carry (`Surrogate-Key`, `Cache-Tag`)."""
    articles = (
        list(Article.objects.filter(pk__in=change.article_ids).order_by("pk").values("key", "url"))
        if change.article_ids
        else None
    )
    return {
        "event": ARTICLE_CHANGED,
        "occurred_at": timezone.now().isoformat(),
        "site": site.slug,
        "articles": articles,
        "surrogate_keys": change.surrogate_keys,
    }


def webhook_deliver(delivery_id: int, *, final_attempt: bool = True) -> str | None:
    """POST one delivery. Returns its status, or None when it is gone or already finished.

    Raises DeliveryRetryable for a transient failure unless this is the final attempt, when
    the delivery is marked failed. Not inside a transaction: the HTTP call holds no lock."""
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return None
    endpoint = delivery.endpoint
    if not endpoint.active:
        _record(delivery, DeliveryStatus.FAILED, error="The endpoint was deactivated.")
        return DeliveryStatus.FAILED
    body = json.dumps(
        {"id": delivery.pk, **delivery.payload}, separators=(",", ":"), ensure_ascii=False
    ).encode()
    headers = {
        **signed_headers(endpoint.secret, body),
        DELIVERY_HEADER: str(delivery.pk),
        EVENT_HEADER: delivery.event,
    }
    try:
        response = http.post(
            USER_AGENT,
            endpoint.url,
            data=body,
            headers=headers,
            timeout=TIMEOUT_SECONDS,
            allow_redirects=False,
        )
    except (requests.ConnectionError, requests.Timeout) as exc:
        return _retry_or_fail(delivery, final_attempt, code=None, error=type(exc).__name__)
    except requests.RequestException as exc:
        _record(delivery, DeliveryStatus.FAILED, error=str(exc))
        return DeliveryStatus.FAILED
    code = response.status_code
    if 200 <= code < 300:
        _record(delivery, DeliveryStatus.DELIVERED, code=code)
        return DeliveryStatus.DELIVERED
    if code >= 500 or code in (408, 429):
        return _retry_or_fail(delivery, final_attempt, code=code, error=f"HTTP {code}")
    _record(delivery, DeliveryStatus.FAILED, code=code, error=f"HTTP {code}")
    return DeliveryStatus.FAILED


def _retry_or_fail(
    delivery: WebhookDelivery, final_attempt: bool, *, code: int | None, error: str
) -> str:
    if final_attempt:
        _record(delivery, DeliveryStatus.FAILED, code=code, error=f"{error} (gave up)")
        return DeliveryStatus.FAILED
    _record(delivery, DeliveryStatus.PENDING, code=code, error=error)
    raise DeliveryRetryable(error)


def _record(
    delivery: WebhookDelivery, status: str, *, code: int | None = None, error: str = ""
) -> None:
    now = timezone.now()
    fields = {
        "status": status,
        "attempts": F("attempts") + 1,
        "response_code": code,
        "error": error[:500],
        "last_attempt_at": now,
    }
    if status == DeliveryStatus.DELIVERED:
        fields["delivered_at"] = now
    WebhookDelivery.objects.filter(pk=delivery.pk).update(**fields)
