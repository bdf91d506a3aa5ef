"""The comment-status state machine. Every status change in Parley goes through `transition`.

pending   -> published | held | rejected
held      -> published | rejected | pending (edited by its author)
published -> held (reported, or edited and re-checked) | removed | pending (edited)
rejected  -> published (a moderator reverses the decision) | pending (edited)
removed   -> published (a moderator reverses the removal)
any       -> deleted (its author)
"""

from dataclasses import dataclass

from django.utils import timezone

from . import rows
from .events import comment_event_recorded
from .models import ActorKind, Comment, CommentEvent, CommentStatus
from .pagecache import article_bump_version, status_change_shows

S = CommentStatus

ALLOWED: dict[str, frozenset[str]] = {
    S.PENDING: frozenset({S.PUBLISHED, S.HELD, S.REJECTED, S.DELETED}),
    S.HELD: frozenset({S.PUBLISHED, S.REJECTED, S.PENDING, S.DELETED}),
    S.PUBLISHED: frozenset({S.HELD, S.REMOVED, S.PENDING, S.DELETED}),
    S.REJECTED: frozenset({S.PUBLISHED, S.PENDING, S.DELETED}),
    S.REMOVED: frozenset({S.PUBLISHED, S.DELETED}),
    S.DELETED: frozenset(),
}


class IllegalTransition(Exception):
    def __init__(self, from_status: str, to_status: str):
        self.from_status = from_status
        self.to_status = to_status
        super().__init__(f"A comment cannot go from {from_status} to {to_status}.")


@dataclass(frozen=True)
class Actor:
    """Who or what made a change: a rule, a scorer, a moderator, the author, ..."""

    kind: str
    label: str = ""
    user_id: int | None = None

    @classmethod
    def author(cls, comment: Comment) -> "Actor":
        return cls(ActorKind.AUTHOR, comment.author.display_name, comment.author.user_id)

    @classmethod
    def moderator(cls, user) -> "Actor":
        return cls(ActorKind.MODERATOR, user.get_username(), user.pk)


# What a status change writes on the comment's row.
_STATUS_FIELDS = (
    "status",
    "status_changed_at",
    "moderation_clause_id",
    "moderation_clause_title",
    "moderation_reason",
)


def can_transition(from_status: str, to_status: str) -> bool:
    return to_status in ALLOWED[from_status]


def transition(
    comment: Comment,
    *,
    to: str,
    actor: Actor,
    clause_id: str = "",
    clause_title: str = "",
    note: str = "",
    policy_version: int | None = None,
) -> CommentEvent:
    """Move `comment` to status `to` and write the audit row.

    Precondition: the caller runs inside a transaction and holds the comment's row lock
    (`select_for_update`), so two decisions cannot interleave. A change that shows or hides the
    comment on anonymous pages bumps its article's version in that transaction
    (comments.pagecache), so no cached page outlives it.
    """
    from_status = comment.status
    if not can_transition(from_status, to):
        raise IllegalTransition(from_status, to)
    now = timezone.now()
    comment.status = to
    comment.status_changed_at = now
    if to in (S.PUBLISHED, S.PENDING):
        reason_fields = ("", "", "")
    else:
        reason_fields = (clause_id, clause_title[:200], note[:500])
    (
        comment.moderation_clause_id,
        comment.moderation_clause_title,
        comment.moderation_reason,
    ) = reason_fields
    if to == S.DELETED:
        # The author's words go with the deletion; the row stays as a tombstone.
        comment.body = comment.html = ""
        rows.update(comment, (*_STATUS_FIELDS, "body", "html"))
    else:
        rows.update(comment, _STATUS_FIELDS)

    if comment.parent_id is not None and (from_status == S.PUBLISHED) != (to == S.PUBLISHED):
        rows.increment(Comment, comment.parent_id, "reply_count", 1 if to == S.PUBLISHED else -1)

    event = CommentEvent(
        comment=comment,
        kind=CommentEvent.Kind.STATUS,
        from_status=from_status,
        to_status=to,
        actor_kind=actor.kind,
        actor_user_id=actor.user_id,
        actor_label=actor.label[:120],
        clause_id=clause_id,
        clause_title=clause_title[:200],
        note=note,
        policy_version=policy_version,
        created_at=now,
    )
    rows.insert(event)
    comment_event_recorded(event)
    if status_change_shows(from_status, to):
        # Last, as the article's row lock it takes lasts to the commit.
        article_bump_version(
            article_id=comment.article_id,
            site_id=comment.site_id,
            site=comment.site if Comment.site.is_cached(comment) else None,
        )
    return event


def record_event(comment: Comment, *, kind: str, actor: Actor, note: str = "") -> CommentEvent:
    """An audit row that does not change the status (creation, an edit)."""
    event = CommentEvent(
        comment=comment,
        kind=kind,
        from_status=comment.status if kind != CommentEvent.Kind.CREATED else "",
        to_status=comment.status,
        actor_kind=actor.kind,
        actor_user_id=actor.user_id,
        actor_label=actor.label[:120],
        note=note,
    )
    rows.insert(event)
    comment_event_recorded(event)
    return event
