"""Readers' data rights (GDPR Art. 15 and 17): a copy of everything Parley holds about a
reader, and the erasure of their account.

Erasure keeps every thread whole: a reader's comments are either removed through the state
machine (tombstones keep replies in place) or kept and signed by one shared "deleted reader"
profile, as each comment's site chooses (SiteDataPolicy). Everything else that names the
reader goes: their votes (through the vote service, so scores stay exact), reports, reactions,
e-mail log and preferences, single sign-on identities, tokens, standing, the author's name in
audit rows and in the webhook outbox, the client information kept for spam checks. The
moderators' records about them (their log, appeals, notices) stay, re-attributed to the
deleted-reader profile, with the reader's own words in them blanked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from api.views import iso
from comments.lifecycle import Actor, transition
from comments.locks import comments_locked
from comments.models import (
    ActorKind,
    Comment,
    Commenter,
    CommentEvent,
    CommentStatus,
    Report,
    Site,
    Vote,
)
from comments.services import vote_clear
from embed.models import SSOIdentity
from moderation.models import ModeratorAction
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

ERASED_USERNAME = "parley-deleted-reader"
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


def erased_commenter() -> Commenter:
    """The one profile that signs every erased reader's kept comments and records."""
    found = Commenter.objects.filter(user__username=ERASED_USERNAME).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            user = User.objects.create(username=ERASED_USERNAME, is_active=False)
            user.set_unusable_password()
            user.save(update_fields=["password"])
            return Commenter.objects.create(user=user, display_name=ERASED_NAME)
    except IntegrityError:
        return Commenter.objects.get(user__username=ERASED_USERNAME)


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


@transaction.atomic
def reader_erase(*, commenter: Commenter, via: str, site: Site | None = None) -> ErasureResult:
    """Erase a reader's account (see the module docstring). Refuses the shared profile.

    Locks the reader's profile first, so two erasures of one reader run one after the other
    (the second finds nothing). Comments are locked in id order, as every other multi-comment
    change locks them, and votes are cleared through the vote service, which locks each voted
    comment: scores stay exact while others vote."""
    locked = Commenter.objects.select_for_update().filter(pk=commenter.pk).first()
    if locked is None:
        return ErasureResult(0, 0, 0, 0)
    if locked.user.get_username() == ERASED_USERNAME:
        raise ValueError("The deleted-reader profile cannot be erased.")
    placeholder = erased_commenter()
    user = locked.user

    comments = list(comments_locked("site").filter(author=locked).order_by("pk"))
    modes = erasure_modes({c.site_id for c in comments})
    removed = anonymised = 0
    for comment in comments:
        if modes[comment.site_id] == ErasureMode.REMOVE:
            if comment.status != S.DELETED:
                transition(comment, to=S.DELETED, actor=Actor(ActorKind.SYSTEM, "account erasure"))
            removed += 1
        else:
            anonymised += 1
    Comment.objects.filter(author=locked).update(author=placeholder, user_ip=None, user_agent="")

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
    Standing.objects.filter(commenter=locked).delete()

    # Records kept for accountability, re-attributed and without the reader's own words.
    ModeratorAction.objects.filter(commenter=locked).update(commenter=placeholder)
    Appeal.objects.filter(appellant=locked).update(
        appellant=placeholder, explanation="", language=""
    )
    Notice.objects.filter(notifier=locked).update(notifier=placeholder, notifier_name="")
    CommentEvent.objects.filter(actor_user=user).update(actor_user=None, actor_label=ERASED_NAME)
    _scrub_webhooks(locked, placeholder)

    user.delete()  # the token and the profile go with the account
    Erasure.objects.create(
        via=via,
        site=site,
        comments_removed=removed,
        comments_anonymised=anonymised,
        votes=len(voted),
        reports=reports,
    )
    return ErasureResult(removed, anonymised, len(voted), reports)


def _scrub_webhooks(commenter: Commenter, placeholder: Commenter) -> None:
    """The webhook outbox and its log name comment authors: put the deleted-reader profile in
    the reader's place (and drop the body of their comments)."""
    author = {"id": placeholder.public_id, "display_name": placeholder.display_name}
    for delivery in WebhookDelivery.objects.filter(
        payload__comment__author__id=commenter.public_id
    ):
        payload = dict(delivery.payload)
        payload["comment"] = {**payload["comment"], "author": author, "body": None}
        WebhookDelivery.objects.filter(pk=delivery.pk).update(payload=payload)
