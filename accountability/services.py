"""Writes of accountable moderation: appeals and notices, filed and decided.

A decision on an appeal or a notice changes nothing itself: it calls the moderators' services
(moderation.services), which lock the comment, go through the one state machine
(comments.lifecycle) and write the audit row and the moderator's log. This module adds the
appeal's or notice's own record and the e-mail that tells the reader or the notifier.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from comments.errors import Conflict, Forbidden, InvalidInput, NotFound, ParleyError
from comments.lifecycle import Actor, record_event
from comments.locks import comments_locked
from comments.models import ActorKind, Comment, Commenter, CommentEvent, CommentStatus, Site
from comments.selectors import visible_q
from moderation.access import check_can_moderate, check_moderator
from moderation.models import SiteRole
from moderation.services import comment_approve, comment_reject, comment_remove, standing_set
from policy.models import Standing, StandingState

from .messages import queue_message
from .models import (
    Appeal,
    AppealKind,
    AppealState,
    MessageKind,
    Notice,
    NoticeOutcome,
)
from .statements import APPEAL_WINDOW, restricting_event, standing_decision

S = CommentStatus

# When a moderator should have answered an appeal (shown in the queue; overdue ones first).
APPEAL_REVIEW_TIME = timedelta(days=14)
# Notices one notifier (signed-in reader, e-mail address or network address) may file a day.
NOTICES_PER_DAY = 10
EXPLANATION_MAX = 2000


class NothingToAppeal(Conflict):
    code = "nothing_to_appeal"
    message = "There is no decision to appeal: the comment is not held, rejected or removed."


class AlreadyAppealed(Conflict):
    code = "already_appealed"
    message = "You have already appealed this decision."


class AppealWindowClosed(Conflict):
    code = "appeal_window_closed"
    message = "The time to appeal this decision has passed."


class AlreadyDecided(Conflict):
    code = "already_decided"
    message = "This has already been decided."


class DecisionSuperseded(Conflict):
    code = "decision_superseded"
    message = "The comment's status changed since the appeal; the appeal no longer applies."


class SameModerator(Forbidden):
    code = "same_moderator"
    message = "Another moderator of the site must review an appeal against your own decision."


class AlreadyNotified(Conflict):
    code = "already_notified"
    message = "You have already sent a notice about this comment; it is being reviewed."


class NoticeRateLimited(ParleyError):
    status_code = 429
    code = "notice_rate_limited"
    message = "Too many notices from you today; try again tomorrow."


# Appeals -------------------------------------------------------------------------------


@transaction.atomic
def appeal_create(
    *, appellant: Commenter, comment_id: int, explanation: str, language: str = ""
) -> Appeal:
    """The author appeals the decision that restricts their comment (held, rejected or
    removed), once per decision, within APPEAL_WINDOW of it.

    404 unless the comment is the appellant's; 409 `nothing_to_appeal`, `already_appealed`,
    `appeal_window_closed`."""
    comment = comments_locked("site").filter(pk=comment_id, author=appellant).first()
    if comment is None or comment.status == S.DELETED:
        raise NotFound("No such comment.", code="comment_not_found")
    event = restricting_event(comment)
    if event is None:
        raise NothingToAppeal(status=comment.status)
    now = timezone.now()
    if now > event.created_at + APPEAL_WINDOW:
        raise AppealWindowClosed(decided_at=event.created_at.isoformat())
    decider = event.actor_user_id if event.actor_kind == ActorKind.MODERATOR else None
    try:
        with transaction.atomic():
            return Appeal.objects.create(
                site=comment.site,
                appellant=appellant,
                kind=AppealKind.COMMENT,
                comment=comment,
                decision_event=event,
                decided_by_user_id=decider,
                contested_status=comment.status,
                contested_clause_id=event.clause_id,
                explanation=explanation[:EXPLANATION_MAX],
                language=language[:16],
                created_at=now,
                due_at=now + APPEAL_REVIEW_TIME,
            )
    except IntegrityError as exc:
        raise AlreadyAppealed() from exc


@transaction.atomic
def appeal_create_standing(
    *, appellant: Commenter, site: Site, explanation: str, language: str = ""
) -> Appeal:
    """A reader appeals the moderator's change that restricted their standing on `site`."""
    standing = Standing.objects.select_for_update().filter(site=site, commenter=appellant).first()
    if standing is None or standing.effective_state() == StandingState.ACTIVE:
        raise NothingToAppeal("Your standing on this site is not restricted.")
    action = standing_decision(site=site, standing=standing)
    if action is None:
        raise NothingToAppeal("No moderator's decision set this standing.")
    now = timezone.now()
    if now > action.created_at + APPEAL_WINDOW:
        raise AppealWindowClosed(decided_at=action.created_at.isoformat())
    try:
        with transaction.atomic():
            return Appeal.objects.create(
                site=site,
                appellant=appellant,
                kind=AppealKind.STANDING,
                standing_action=action,
                decided_by_user_id=action.actor_id,
                contested_status=standing.state,
                explanation=explanation[:EXPLANATION_MAX],
                language=language[:16],
                created_at=now,
                due_at=now + APPEAL_REVIEW_TIME,
            )
    except IntegrityError as exc:
        raise AlreadyAppealed() from exc


def _lock_for_review(model: type[Appeal] | type[Notice], *, by: User, pk: int):
    found = model.objects.select_for_update().select_related("site").filter(pk=pk).first()
    if found is None:
        check_moderator(by)
        raise NotFound(
            f"No such {model._meta.model_name}.", code=f"{model._meta.model_name}_not_found"
        )
    check_can_moderate(by, found.site)
    return found


def check_reviewer(*, by: User, appeal: Appeal) -> None:
    """403 `same_moderator` when `by` took the decision appealed and the site has another
    moderator who could review it instead."""
    if appeal.decided_by_user_id != by.pk:
        return
    if SiteRole.objects.filter(site_id=appeal.site_id).exclude(user_id=by.pk).exists():
        raise SameModerator()


@transaction.atomic
def appeal_decide(
    *, by: User, appeal_id: int, outcome: str, note: str = "", clause_id: str = ""
) -> Appeal:
    """Uphold or reverse an appeal; the decision is recorded in the comment's audit history
    (or the standing log) through the moderation services, and the reader is told by e-mail.

    Reversed: the comment is published again (moderation.services.comment_approve), or the
    standing set back to active. Upheld: a held comment is rejected citing `clause_id` (by
    default the clause it was held under); a rejected or removed comment keeps its status and
    gets a review row in its history."""
    if outcome not in (AppealState.UPHELD, AppealState.REVERSED):
        raise InvalidInput(
            f"Unknown outcome {outcome!r}.",
            code="invalid_outcome",
            allowed=[AppealState.UPHELD, AppealState.REVERSED],
        )
    appeal = _lock_for_review(Appeal, by=by, pk=appeal_id)
    if appeal.state != AppealState.OPEN:
        raise AlreadyDecided(state=appeal.state)
    check_reviewer(by=by, appeal=appeal)
    label = f"Appeal {appeal.pk} {outcome}"
    text = f"{label}: {note}" if note else f"{label}."
    if appeal.kind == AppealKind.COMMENT:
        _decide_comment_appeal(
            by=by, appeal=appeal, outcome=outcome, note=text, clause_id=clause_id
        )
    else:
        _check_standing_unchanged(appeal)
    if appeal.kind == AppealKind.STANDING and outcome == AppealState.REVERSED:
        standing_set(
            by=by,
            site=appeal.site,
            commenter=appeal.appellant,
            state=StandingState.ACTIVE,
            reason=text,
        )
    appeal.state = outcome
    appeal.reviewer = by
    appeal.outcome_note = note
    appeal.decided_at = timezone.now()
    appeal.save(update_fields=["state", "reviewer", "outcome_note", "decided_at"])
    queue_message(kind=MessageKind.APPEAL_OUTCOME, appeal=appeal)
    return appeal


def _check_standing_unchanged(appeal: Appeal) -> None:
    """409 `decision_superseded` when the reader's standing changed since the appeal."""
    standing = (
        Standing.objects.select_for_update()
        .filter(site_id=appeal.site_id, commenter_id=appeal.appellant_id)
        .first()
    )
    if standing is None or standing.state != appeal.contested_status:
        raise DecisionSuperseded(
            "The reader's standing changed since the appeal; the appeal no longer applies.",
            standing=standing.state if standing else None,
        )


def _decide_comment_appeal(
    *, by: User, appeal: Appeal, outcome: str, note: str, clause_id: str
) -> None:
    assert appeal.comment_id is not None  # a comment appeal names its comment (a constraint)
    comment = comments_locked("site").filter(pk=appeal.comment_id).first()
    if comment is None or comment.status != appeal.contested_status:
        raise DecisionSuperseded(status=comment.status if comment else None)
    if outcome == AppealState.REVERSED:
        comment_approve(by=by, comment_id=comment.pk, note=note)
    elif comment.status == S.HELD:
        comment_reject(
            by=by,
            comment_id=comment.pk,
            clause_id=clause_id or appeal.contested_clause_id,
            note=note,
        )
    else:
        record_event(comment, kind=CommentEvent.Kind.REVIEW, actor=Actor.moderator(by), note=note)


# Notices of illegal content -------------------------------------------------------------


def source_digest(address: str) -> str:
    """A keyed digest of a network address: enough to count, not to recover it."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, address.encode(), hashlib.sha256).hexdigest()


def check_notice_rate(*, notifier: Commenter | None, email: str, digest: str) -> None:
    since = timezone.now() - timedelta(days=1)
    recent = Notice.objects.filter(created_at__gte=since)
    by_sender = (
        recent.filter(notifier=notifier)
        if notifier is not None
        else recent.filter(notifier_email__iexact=email)
    )
    if by_sender.count() >= NOTICES_PER_DAY or (
        digest and recent.filter(source_digest=digest).count() >= NOTICES_PER_DAY
    ):
        raise NoticeRateLimited(limit=NOTICES_PER_DAY, period="day")


@transaction.atomic
def notice_create(
    *,
    comment_id: int,
    notifier: Commenter | None,
    email: str = "",
    name: str = "",
    legal_ground: str,
    explanation: str,
    good_faith: bool,
    source_address: str = "",
    language: str = "",
) -> Notice:
    """File a notice that a comment is illegal. Anyone may: a guest gives an e-mail address.

    400 `good_faith_required`, `email_required`; 404 for a comment the notifier cannot see;
    409 `already_notified` (an open notice of theirs on the comment); 429
    `notice_rate_limited` beyond NOTICES_PER_DAY per notifier or per network address."""
    if good_faith is not True:
        raise InvalidInput(
            "Confirm that the notice is accurate and sent in good faith.",
            code="good_faith_required",
        )
    if notifier is None and not email:
        raise InvalidInput(
            "Give an e-mail address so that we can tell you the outcome.", code="email_required"
        )
    comment = (
        Comment.objects.select_related("site").filter(visible_q(notifier), pk=comment_id).first()
    )
    if comment is None or comment.status == S.DELETED or (comment.is_tombstone):
        raise NotFound("No such comment.", code="comment_not_found")
    digest = source_digest(source_address) if source_address else ""
    check_notice_rate(notifier=notifier, email=email, digest=digest)
    mine = Notice.objects.filter(comment=comment, outcome=NoticeOutcome.OPEN)
    mine = mine.filter(notifier=notifier) if notifier else mine.filter(notifier_email__iexact=email)
    if mine.exists():
        raise AlreadyNotified()
    notice = Notice.objects.create(
        site=comment.site,
        comment=comment,
        notifier=notifier,
        notifier_email=email if notifier is None else "",
        notifier_name=name[:120],
        source_digest=digest,
        legal_ground=legal_ground[:200],
        explanation=explanation,
        good_faith=True,
        language=language[:16],
    )
    queue_message(kind=MessageKind.NOTICE_RECEIVED, notice=notice)
    return notice


NOTICE_DECISIONS = (NoticeOutcome.ILLEGAL, NoticeOutcome.NOT_ILLEGAL, NoticeOutcome.OUTSIDE_SCOPE)


@transaction.atomic
def notice_decide(
    *, by: User, notice_id: int, outcome: str, note: str = "", clause_id: str = ""
) -> Notice:
    """Decide a notice. `illegal` takes the comment down through the moderation services (a
    published comment removed, a pending or held one rejected, citing `clause_id` of the
    current policy); the other outcomes leave it as it is. The notifier is told by e-mail."""
    if outcome not in NOTICE_DECISIONS:
        raise InvalidInput(
            f"Unknown outcome {outcome!r}.", code="invalid_outcome", allowed=list(NOTICE_DECISIONS)
        )
    notice = _lock_for_review(Notice, by=by, pk=notice_id)
    if notice.outcome != NoticeOutcome.OPEN:
        raise AlreadyDecided(outcome=notice.outcome)
    if outcome == NoticeOutcome.ILLEGAL:
        text = f"Notice {notice.pk}: illegal ({notice.legal_ground})."
        if note:
            text = f"{text} {note}"
        status = (
            Comment.objects.filter(pk=notice.comment_id).values_list("status", flat=True).first()
        )
        if status == S.PUBLISHED:
            comment_remove(by=by, comment_id=notice.comment_id, clause_id=clause_id, note=text)
        elif status in (S.PENDING, S.HELD):
            comment_reject(by=by, comment_id=notice.comment_id, clause_id=clause_id, note=text)
        # Already rejected, removed or deleted: nothing more to take down.
    notice.outcome = outcome
    notice.reviewer = by
    notice.outcome_note = note
    notice.decided_at = timezone.now()
    notice.save(update_fields=["outcome", "reviewer", "outcome_note", "decided_at"])
    queue_message(kind=MessageKind.NOTICE_OUTCOME, notice=notice)
    return notice
