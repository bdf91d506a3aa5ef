"""Readers' data rights (GDPR Art. 15 and 17): a copy of everything Parley holds about a
reader, and the erasure of their account.

Erasure keeps every thread whole: a reader's comments are either removed through the state
machine (tombstones keep replies in place) or kept and signed "Deleted reader", as each
comment's site chooses (SiteDataPolicy). The profile and the account are emptied (a new public
id, no name, picture, e-mail or password, inactive) rather than deleted, so that nothing that
refers to them breaks. Everything else that names the reader goes: their votes (through the
vote service, so scores stay exact), reports, reactions, e-mail log and preferences, single
sign-on identities, tokens, standing, the author's name in audit rows and in the webhook
outbox, the client information kept for spam checks. The moderators' records about them (their
log, appeals, notices) stay, with the reader's own words in them blanked.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.db import OperationalError, transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from api.views import iso
from comments.lifecycle import Actor, transition
from comments.models import (
    ActorKind,
    Comment,
    Commenter,
    CommentEvent,
    CommentStatus,
    Report,
    Site,
    Vote,
    new_public_id,
)
from comments.pagecache import commenter_pages_changed
from comments.services import vote_clear
from embed.models import SiteToken, SSOIdentity
from pipeline.models import (
    NotificationLog,
    NotificationPreference,
    WebhookDelivery,
)
from policy.models import Standing
from reactions.models import Reaction

from .models import Appeal, Erasure, ErasureMode, Notice, SiteDataPolicy
from .statements import comment_statement

S = CommentStatus

ERASED_PREFIX = "parley-deleted-"
UNUSABLE = make_password(None)
# Seconds before the second pass: longer than any request that was in flight takes.
ERASURE_SWEEP_DELAY = 60
logger = logging.getLogger(__name__)
ERASED_NAME = "Deleted reader"


# The copy -------------------------------------------------------------------------------


def reader_data(commenter: Commenter) -> dict[str, Any]:
    """Everything Parley holds about one reader, as JSON-ready data (GDPR Art. 15)."""
    user = commenter.user
    comments = list(
        Comment.objects.filter(author=commenter)
        .select_related("site", "article")
        .order_by("created_at", "id")
    )
    restricted = (S.HELD, S.REJECTED, S.REMOVED)
    return {
        "generated_at": iso(timezone.now()),
        "profile": {
            "id": commenter.public_id,
            "display_name": commenter.display_name,
            "avatar_url": commenter.avatar_url,
            "username": user.get_username(),
            "email": user.email,
            "joined_at": iso(user.date_joined),
            "last_login": iso(user.last_login),
        },
        "comments": [
            {
                "id": c.pk,
                "site": c.site.slug,
                "article": {"key": c.article.key, "url": c.article.url, "title": c.article.title},
                "parent": c.parent_id,
                "body": c.body,
                "status": c.status,
                "created_at": iso(c.created_at),
                "edited_at": iso(c.edited_at),
                "moderation": {
                    "clause_id": c.moderation_clause_id,
                    "clause_title": c.moderation_clause_title,
                    "reason": c.moderation_reason,
                },
                "statement": _statement_text(c) if c.status in restricted else None,
                "client": {"ip": c.user_ip, "user_agent": c.user_agent},
            }
            for c in comments
        ],
        "votes": [
            {"comment": v.comment_id, "value": v.value, "created_at": iso(v.created_at)}
            for v in Vote.objects.filter(voter=commenter).order_by("created_at", "id")
        ],
        "reactions": [
            {"comment": r.comment_id, "kind": r.kind, "at": iso(r.created_at)}
            for r in Reaction.objects.filter(reactor=commenter).order_by("id")
        ],
        "reports": [
            {
                "comment": r.comment_id,
                "clause_id": r.clause_id,
                "note": r.note,
                "created_at": iso(r.created_at),
            }
            for r in Report.objects.filter(reporter=commenter).order_by("created_at", "id")
        ],
        "appeals": [
            {
                "id": a.pk,
                "site": a.site.slug,
                "kind": a.kind,
                "comment": a.comment_id,
                "explanation": a.explanation,
                "state": a.state,
                "outcome_note": a.outcome_note,
                "created_at": iso(a.created_at),
                "decided_at": iso(a.decided_at),
            }
            for a in Appeal.objects.filter(appellant=commenter).select_related("site")
        ],
        "notices": [
            {
                "id": n.pk,
                "comment": n.comment_id,
                "legal_ground": n.legal_ground,
                "explanation": n.explanation,
                "outcome": n.outcome,
                "created_at": iso(n.created_at),
            }
            for n in Notice.objects.filter(notifier=commenter)
        ],
        "standings": [
            {
                "site": s.site.slug,
                "state": s.effective_state(),
                "until": iso(s.until),
                "message": s.message,
                "set_at": iso(s.set_at),
            }
            for s in Standing.objects.filter(commenter=commenter).select_related("site")
        ],
        "notifications": [
            {
                "kind": n.kind,
                "comment": n.comment_id,
                "status": n.status,
                "created_at": iso(n.created_at),
                "sent_at": iso(n.sent_at),
            }
            for n in NotificationLog.objects.filter(recipient=commenter).order_by("created_at")
        ],
        "notification_preferences": _preferences(commenter),
        "single_sign_on": [
            {
                "site": i.site.slug,
                "external_id": i.external_id,
                "email": i.email,
                "avatar_url": i.avatar_url,
                "created_at": iso(i.created_at),
                "last_seen_at": iso(i.last_seen_at),
            }
            for i in SSOIdentity.objects.filter(commenter=commenter).select_related("site")
        ],
    }


def _statement_text(comment: Comment) -> str | None:
    statement = comment_statement(comment)
    return statement.text if statement else None


def _preferences(commenter: Commenter) -> dict[str, bool] | None:
    pref = NotificationPreference.objects.filter(commenter=commenter).first()
    if pref is None:
        return None
    return {"reply_emails": pref.reply_emails, "decision_emails": pref.decision_emails}


# Erasure --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ErasureResult:
    comments_removed: int
    comments_anonymised: int
    votes: int
    reports: int


def erasure_modes(site_ids: set[int]) -> dict[int, str]:
    chosen = dict(
        SiteDataPolicy.objects.filter(site_id__in=site_ids).values_list("site_id", "erasure")
    )
    return {pk: chosen.get(pk, ErasureMode.ANONYMISE) for pk in site_ids}


def is_erased(commenter: Commenter) -> bool:
    return commenter.display_name == ERASED_NAME and not commenter.user.is_active


def reader_erase(*, commenter: Commenter, via: str, site: Site | None = None) -> ErasureResult:
    """Erase a reader's account (see the module docstring); idempotent.

    The profile and account rows stay, emptied, so that whatever others are doing at that
    moment (a reply to the reader's comment, whose e-mail names its parent's author; a vote)
    still refers to a row: deleting them would fail those writes at commit. For the same
    reason the main pass locks and changes only columns no foreign key refers to, which leaves
    writers' key-share locks free; the two columns that are keys (the username, the public id)
    change afterwards, each in a statement of its own that holds no other lock, so no cycle of
    waits can form. A deadlock all the same (PostgreSQL aborts one party) is retried, up to
    three times, when this is the outermost transaction."""
    attempts = 1 if transaction.get_connection().in_atomic_block else 3
    for attempt in range(attempts):
        try:
            result = _erase(commenter=commenter, via=via, site=site)
            _rekey(commenter)
        except OperationalError:
            if attempt == attempts - 1:
                raise
            continue
        # Writes that were in flight when the erasure committed (a vote, a reply's e-mail, the
        # reader's own last comment) commit after it: a second pass, once they are surely done.
        transaction.on_commit(lambda: _sweep_later(commenter.pk))
        return result
    raise AssertionError("unreachable")


def _rekey(commenter: Commenter) -> None:
    """A new username and public id (the old ones, known to host sites and webhook
    receivers, no longer lead anywhere), and the webhook outbox rewritten to match."""
    old, new = commenter.public_id, new_public_id()
    User.objects.filter(pk=commenter.user_id).update(
        username=f"{ERASED_PREFIX}{secrets.token_hex(8)}"
    )
    Commenter.objects.filter(pk=commenter.pk).update(public_id=new)
    commenter.public_id = new
    _scrub_webhooks(old_ids={old, new}, commenter=commenter)


def _sweep_later(commenter_id: int) -> None:
    from .tasks import erasure_sweep_task

    try:
        erasure_sweep_task.apply_async((commenter_id,), countdown=ERASURE_SWEEP_DELAY, retry=False)
    except Exception:
        # As pipeline.enqueue: a broker that is down must not fail the request that erased.
        logger.warning("Could not enqueue the erasure sweep of %s", commenter_id, exc_info=True)


def erasure_sweep(commenter_id: int) -> ErasureResult | None:
    """The second pass of an erasure (the task's work); None when the profile is gone or was
    never erased."""
    commenter = Commenter.objects.select_related("user").filter(pk=commenter_id).first()
    if commenter is None or not is_erased(commenter):
        return None
    result = _erase(commenter=commenter, via="", site=None)
    _rekey(commenter)
    return result


@transaction.atomic
def _erase(*, commenter: Commenter, via: str, site: Site | None) -> ErasureResult:
    """One pass. Lock order: the reader's comments (by id, as every multi-comment change),
    then the profile, then each comment the reader voted on (through the vote service).

    Every lock here is FOR NO KEY UPDATE where comments_locked would take FOR UPDATE: the
    erasure deletes no comment or profile row and changes no key, so it must not block the
    key-share locks that a reply to the reader's comment, or the reader's own last comment,
    takes on them (with FOR UPDATE, such a writer holding a key share and this lock waiting on
    it deadlock)."""
    comments = list(
        Comment.objects.select_for_update(of=("self",), no_key=True)
        .select_related("site")
        .filter(author_id=commenter.pk)
        .order_by("pk")
    )
    locked = (
        Commenter.objects.select_for_update(of=("self",), no_key=True)
        .select_related("user")
        .get(pk=commenter.pk)
    )
    user = locked.user
    if not is_erased(locked):
        Commenter.objects.filter(pk=locked.pk).update(display_name=ERASED_NAME, avatar_url="")
        User.objects.filter(pk=user.pk).update(
            email="", first_name="", last_name="", is_active=False, password=UNUSABLE
        )
        locked.display_name, user.is_active = ERASED_NAME, False

    modes = erasure_modes({c.site_id for c in comments})
    removed = anonymised = 0
    for comment in comments:
        if modes[comment.site_id] == ErasureMode.REMOVE:
            if comment.status != S.DELETED:
                transition(comment, to=S.DELETED, actor=Actor(ActorKind.SYSTEM, "account erasure"))
            removed += 1
        else:
            anonymised += 1
    Comment.objects.filter(author=locked).exclude(user_ip=None, user_agent="").update(
        user_ip=None, user_agent=""
    )

    voted = list(
        Vote.objects.filter(voter=locked)
        .order_by("comment_id")
        .values_list("comment_id", flat=True)
    )
    for comment_id in voted:
        vote_clear(comment_id=comment_id, voter=locked)
    reports, _ = Report.objects.filter(reporter=locked).delete()
    Reaction.objects.filter(reactor=locked).delete()
    NotificationLog.objects.filter(recipient=locked).delete()
    NotificationPreference.objects.filter(commenter=locked).delete()
    SSOIdentity.objects.filter(commenter=locked).delete()
    SiteToken.objects.filter(user=user).delete()
    Token.objects.filter(user=user).delete()
    Standing.objects.filter(commenter=locked).delete()
    # Records kept for accountability, without the reader's own words.
    Appeal.objects.filter(appellant=locked).exclude(explanation="").update(
        explanation="", language=""
    )
    Notice.objects.filter(notifier=locked).exclude(explanation="").update(
        explanation="", notifier_name=""
    )
    CommentEvent.objects.filter(actor_user=user).update(actor_user=None, actor_label=ERASED_NAME)
    # Cached anonymous pages show the reader's name: every article they commented on is
    # stale from this commit on. Last, as it locks those articles to the end.
    commenter_pages_changed(commenter_id=locked.pk)

    if via:
        Erasure.objects.create(
            via=via,
            site=site,
            comments_removed=removed,
            comments_anonymised=anonymised,
            votes=len(voted),
            reports=reports,
        )
    return ErasureResult(removed, anonymised, len(voted), reports)


def _scrub_webhooks(*, old_ids: set[str], commenter: Commenter) -> None:
    """The webhook outbox and its log name comment authors: put the emptied profile in the
    reader's place and drop the body of their comments."""
    author = {"id": commenter.public_id, "display_name": ERASED_NAME}
    for public_id in old_ids:
        for delivery in WebhookDelivery.objects.filter(payload__comment__author__id=public_id):
            payload = dict(delivery.payload)
            payload["comment"] = {**payload["comment"], "author": author, "body": None}
            WebhookDelivery.objects.filter(pk=delivery.pk).update(payload=payload)
