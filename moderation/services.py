"""Moderators' writes: decisions on comments, commenters' standing, roles.

Every decision locks the comment row, goes through the state machine (comments.lifecycle,
which writes the CommentEvent audit row) and adds a ModeratorAction row. A moderator's
decision overrides the system's. Repeating a decision that is already in force is a no-op.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from comments.errors import Conflict, InvalidInput, NotFound, UnknownClause
from comments.lifecycle import Actor, can_transition, record_event, transition
from comments.locks import comments_locked
from comments.models import Comment, Commenter, CommentEvent, CommentStatus, Site
from comments.pagecache import article_bump_version
from comments.selectors import reports_open
from policy.models import Standing, StandingState
from policy.services import breaks_clause

from .access import check_can_administer, check_can_moderate, check_moderator
from .models import ModeratorAction, Role, SiteRole
from .selectors import Clause, policy_clauses, standing_clause

S = CommentStatus
Kind = ModeratorAction.Kind

ACTIONS = ("approve", "reject", "remove", "feature", "unfeature")
# "Reject their recent comments" with a ban or suspension reaches back this far.
RECENT_COMMENTS_WINDOW = timedelta(days=7)


class IllegalDecision(Conflict):
    code = "illegal_transition"
    message = "That decision does not apply to a comment in this status."


@dataclass(frozen=True)
class Outcome:
    """A decision's result: the comment as it now stands, and whether anything changed."""

    comment: Comment
    changed: bool


@dataclass(frozen=True)
class StandingOutcome:
    standing: Standing
    changed: bool
    rejected_comment_ids: list[int] = field(default_factory=list)


def check_clause(*, site: Site, clause_id: str) -> Clause:
    """The clause `clause_id` of the site's policy in force, or UnknownClause."""
    clauses = policy_clauses(site=site)
    for clause in clauses:
        if clause.id == clause_id:
            return clause
    raise UnknownClause(
        "Cite a clause of the site's current policy.",
        clause=clause_id or None,
        allowed=[c.id for c in clauses],
    )


def _lock_comment(*, by: User, comment_id: int) -> Comment:
    """The comment, row-locked, if `by` moderates its site."""
    comment = comments_locked("site", "article", "author").filter(pk=comment_id).first()
    if comment is None:
        check_moderator(by)
        raise NotFound("No such comment.", code="comment_not_found")
    check_can_moderate(by, comment.site)
    return comment


def _has_open_reports(comment: Comment) -> bool:
    return reports_open(comment=comment).exists()


def _log(
    *,
    by: User,
    comment: Comment,
    kind: str,
    from_status: str,
    clause: Clause | None = None,
    note: str = "",
) -> ModeratorAction:
    return ModeratorAction.objects.create(
        site_id=comment.site_id,
        comment=comment,
        commenter_id=comment.author_id,
        kind=kind,
        actor=by,
        actor_label=by.get_username(),
        from_status=from_status,
        to_status=comment.status,
        clause_id=clause.id if clause else "",
        clause_title=clause.title if clause else "",
        note=note,
        policy_version=clause.policy_version if clause else None,
    )


def _illegal(comment: Comment, action: str, hint: str = "") -> IllegalDecision:
    return IllegalDecision(
        hint or f"A {comment.status} comment cannot be {action}d.",
        status=comment.status,
        action=action,
        allowed_actions=allowed_actions(comment),
    )


def allowed_actions(comment: Comment) -> list[str]:
    """The decisions a moderator can take on a comment in its current status."""
    actions = []
    if comment.status == S.PUBLISHED or can_transition(comment.status, S.PUBLISHED):
        actions.append("approve")
    if comment.status in (S.PENDING, S.HELD, S.REJECTED):
        actions.append("reject")
    if comment.status in (S.PUBLISHED, S.REMOVED):
        actions.append("remove")
    if comment.status == S.PUBLISHED:
        actions.append("feature")
    if comment.featured:
        actions.append("unfeature")
    return actions


def _default_reason(clause: Clause) -> str:
    return breaks_clause(clause.number, clause.title)


@transaction.atomic
def comment_approve(*, by: User, comment_id: int, note: str = "") -> Outcome:
    """Publish a pending, held, rejected or removed comment. On a published comment with
    open reports, dismiss the reports; on any other published comment, do nothing."""
    comment = _lock_comment(by=by, comment_id=comment_id)
    before = comment.status
    if before == S.PUBLISHED:
        if not _has_open_reports(comment):
            return Outcome(comment, changed=False)
        # The readers' reports were reviewed and the comment stays: say so in its own history
        # too, so the report threshold counts only reports filed after this review.
        record_event(
            comment,
            kind=CommentEvent.Kind.REVIEW,
            actor=Actor.moderator(by),
            note=note or "Reports reviewed; the comment stays published.",
        )
        _log(by=by, comment=comment, kind=Kind.APPROVE, from_status=before, note=note)
        return Outcome(comment, changed=True)
    if not can_transition(before, S.PUBLISHED):
        raise _illegal(comment, "approve")
    transition(comment, to=S.PUBLISHED, actor=Actor.moderator(by), note=note)
    _log(by=by, comment=comment, kind=Kind.APPROVE, from_status=before, note=note)
    return Outcome(comment, changed=True)


@transaction.atomic
def comment_reject(*, by: User, comment_id: int, clause_id: str, note: str = "") -> Outcome:
    """Reject a pending or held comment, citing a clause of the site's policy (its author
    sees the clause and the note). Published comments are removed, not rejected."""
    comment = _lock_comment(by=by, comment_id=comment_id)
    clause = check_clause(site=comment.site, clause_id=clause_id)
    before = comment.status
    if before == S.REJECTED:
        return Outcome(comment, changed=False)
    if before == S.PUBLISHED:
        raise _illegal(comment, "reject", "A published comment is removed, not rejected.")
    if not can_transition(before, S.REJECTED):
        raise _illegal(comment, "reject")
    _decide_against(by=by, comment=comment, to=S.REJECTED, clause=clause, note=note)
    return Outcome(comment, changed=True)


@transaction.atomic
def comment_remove(*, by: User, comment_id: int, clause_id: str, note: str = "") -> Outcome:
    """Take down a published comment, citing a clause. Held comments are rejected instead."""
    comment = _lock_comment(by=by, comment_id=comment_id)
    clause = check_clause(site=comment.site, clause_id=clause_id)
    before = comment.status
    if before == S.REMOVED:
        return Outcome(comment, changed=False)
    if before != S.PUBLISHED:
        raise _illegal(comment, "remove", "Only a published comment can be removed.")
    _decide_against(by=by, comment=comment, to=S.REMOVED, clause=clause, note=note)
    return Outcome(comment, changed=True)


def _decide_against(
    *, by: User, comment: Comment, to: str, clause: Clause | None, note: str
) -> None:
    """Reject or remove, citing `clause` (None only when the policy has no clause to cite),
    and take the comment off the featured list.

    Precondition: the caller holds the comment's row lock and checked the transition."""
    before = comment.status
    transition(
        comment,
        to=to,
        actor=Actor.moderator(by),
        clause_id=clause.id if clause else "",
        clause_title=clause.title if clause else "",
        note=note or (_default_reason(clause) if clause else ""),
        policy_version=clause.policy_version if clause else None,
    )
    if comment.featured:
        comment.featured = False
        Comment.objects.filter(pk=comment.pk).update(featured=False)
    _log(
        by=by,
        comment=comment,
        kind=Kind.REJECT if to == S.REJECTED else Kind.REMOVE,
        from_status=before,
        clause=clause,
        note=note,
    )


@transaction.atomic
def comment_feature(*, by: User, comment_id: int, featured: bool = True, note: str = "") -> Outcome:
    """Feature a published comment (or stop featuring any comment)."""
    comment = _lock_comment(by=by, comment_id=comment_id)
    if comment.featured == featured:
        return Outcome(comment, changed=False)
    if featured and comment.status != S.PUBLISHED:
        raise _illegal(comment, "feature", "Only a published comment can be featured.")
    comment.featured = featured
    Comment.objects.filter(pk=comment.pk).update(featured=featured)
    article_bump_version(article_id=comment.article_id, site_id=comment.site_id, site=comment.site)
    _log(
        by=by,
        comment=comment,
        kind=Kind.FEATURE if featured else Kind.UNFEATURE,
        from_status=comment.status,
        note=note,
    )
    return Outcome(comment, changed=True)


def comment_decide(
    *, by: User, comment_id: int, action: str, clause_id: str = "", note: str = ""
) -> Outcome:
    """Apply one of ACTIONS (the API's and the queue's single entry point)."""
    if action == "approve":
        return comment_approve(by=by, comment_id=comment_id, note=note)
    if action == "reject":
        return comment_reject(by=by, comment_id=comment_id, clause_id=clause_id, note=note)
    if action == "remove":
        return comment_remove(by=by, comment_id=comment_id, clause_id=clause_id, note=note)
    if action in ("feature", "unfeature"):
        return comment_feature(
            by=by, comment_id=comment_id, featured=action == "feature", note=note
        )
    raise InvalidInput(f"Unknown action {action!r}.", code="unknown_action", allowed=ACTIONS)


def check_standing(
    *,
    state: str,
    until: datetime | None,
    message: str,
    reject_recent: bool,
    now: datetime,
) -> None:
    """Validate a standing change before anything is locked or written."""
    if state not in StandingState.values:
        raise InvalidInput(
            f"Unknown standing {state!r}.", code="invalid_standing", allowed=StandingState.values
        )
    if state == StandingState.SUSPENDED:
        if until is None or until <= now:
            raise InvalidInput(
                "A suspension needs an end in the future (`until`).", code="invalid_until"
            )
    elif until is not None:
        raise InvalidInput("Only a suspension has an end (`until`).", code="invalid_until")
    if state == StandingState.WARNED and not message.strip():
        raise InvalidInput(
            "A warning needs the message the reader will see.", code="message_required"
        )
    if reject_recent and state not in (StandingState.SUSPENDED, StandingState.BANNED):
        raise InvalidInput(
            "Recent comments are rejected only with a suspension or a ban.",
            code="invalid_reject_recent",
        )


def _lock_standing(*, site: Site, commenter: Commenter) -> Standing:
    standing = Standing.objects.select_for_update().filter(site=site, commenter=commenter).first()
    if standing is not None:
        return standing
    try:
        with transaction.atomic():
            return Standing.objects.create(site=site, commenter=commenter)
    except IntegrityError:
        return Standing.objects.select_for_update().get(site=site, commenter=commenter)


@transaction.atomic
def standing_set(
    *,
    by: User,
    site: Site,
    commenter: Commenter,
    state: str,
    until: datetime | None = None,
    reason: str = "",
    message: str = "",
    reject_recent: bool = False,
) -> StandingOutcome:
    """Set a commenter's standing on one site (the policy engine's standing rule reads it).

    With `reject_recent`, their comments of the last RECENT_COMMENTS_WINDOW are taken down
    too: pending and held ones rejected, published ones removed.
    """
    check_can_moderate(by, site)
    now = timezone.now()
    check_standing(state=state, until=until, message=message, reject_recent=reject_recent, now=now)
    reason, message = reason[:500], message[:500]
    standing = _lock_standing(site=site, commenter=commenter)
    before = standing.state
    same = (standing.state, standing.until, standing.reason, standing.message) == (
        state,
        until,
        reason,
        message,
    )
    changed = False
    if not same:
        standing.state, standing.until = state, until
        standing.reason, standing.message = reason, message
        standing.set_by, standing.set_at = by, now
        standing.save()
        ModeratorAction.objects.create(
            site=site,
            commenter=commenter,
            kind=Kind.STANDING,
            actor=by,
            actor_label=by.get_username(),
            standing_from=before,
            standing_to=state,
            until=until,
            note=reason,
            message=message,
        )
        changed = True
    if reject_recent:
        taken_down = _take_down_recent(by=by, site=site, commenter=commenter, state=state, now=now)
    else:
        taken_down = []
    return StandingOutcome(standing, changed or bool(taken_down), taken_down)


def _take_down_recent(
    *, by: User, site: Site, commenter: Commenter, state: str, now: datetime
) -> list[int]:
    comments = list(
        comments_locked("site")
        .filter(
            site=site,
            author=commenter,
            created_at__gte=now - RECENT_COMMENTS_WINDOW,
            status__in=(S.PENDING, S.HELD, S.PUBLISHED),
        )
        .order_by("pk")  # one lock order everywhere, so two moderators cannot deadlock
    )
    note = f"Taken down when the author was {state} on this site."
    clause = standing_clause(site=site)  # the decision cites the standing clause, if any
    for comment in comments:
        to = S.REMOVED if comment.status == S.PUBLISHED else S.REJECTED
        _decide_against(by=by, comment=comment, to=to, clause=clause, note=note)
    return [c.pk for c in comments]


@transaction.atomic
def site_role_grant(*, by: User, user: User, site: Site, role: str = Role.MODERATOR) -> SiteRole:
    """Make `user` a moderator or administrator of `site` (and staff, to open the admin)."""
    check_can_administer(by, site)
    if role not in Role.values:
        raise InvalidInput(f"Unknown role {role!r}.", code="invalid_role", allowed=Role.values)
    site_role, _ = SiteRole.objects.select_for_update().update_or_create(
        user=user, site=site, defaults={"role": role, "granted_by": by}
    )
    if not user.is_staff:
        type(user).objects.filter(pk=user.pk).update(is_staff=True)
        user.is_staff = True
    user.__dict__.pop("_moderation_roles", None)
    return site_role


@transaction.atomic
def site_role_revoke(*, by: User, user: User, site: Site) -> bool:
    check_can_administer(by, site)
    deleted, _ = SiteRole.objects.filter(user=user, site=site).delete()
    user.__dict__.pop("_moderation_roles", None)
    return bool(deleted)
