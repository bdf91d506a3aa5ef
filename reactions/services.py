"""Writes: a reader reacts to a comment, or takes the reaction back."""

from django.db import transaction

from comments.errors import Forbidden, InvalidInput, NotFound
from comments.locks import comments_locked
from comments.models import Comment, Commenter, CommentStatus

from .models import Reaction
from .selectors import reactions_for, site_reaction_kinds


def _published_locked(comment_id: int) -> Comment:
    # The comment's row lock serialises reactions on one comment, as it does votes.
    comment = comments_locked("site").filter(pk=comment_id).first()
    if comment is None or comment.status != CommentStatus.PUBLISHED:
        raise NotFound("No such comment.", code="comment_not_found")
    return comment


@transaction.atomic
def reaction_set(*, comment_id: int, reactor: Commenter, kind: str) -> dict:
    """`reactor`'s one reaction to the comment becomes `kind` (replacing any other); returns
    the comment's counts and the reactor's reaction. Idempotent."""
    comment = _published_locked(comment_id)
    offered = [k.kind for k in site_reaction_kinds(comment.site)]
    if not offered:
        raise Forbidden("This site has not turned reactions on.", code="reactions_off")
    if kind not in offered:
        raise InvalidInput(
            f"This site's reactions are: {', '.join(offered)}.", code="invalid_reaction"
        )
    if comment.author_id == reactor.pk:
        raise Forbidden("You cannot react to your own comment.", code="own_comment")
    Reaction.objects.update_or_create(comment=comment, reactor=reactor, defaults={"kind": kind})
    return _state(comment, reactor)


@transaction.atomic
def reaction_clear(*, comment_id: int, reactor: Commenter) -> dict:
    comment = _published_locked(comment_id)
    Reaction.objects.filter(comment=comment, reactor=reactor).delete()
    return _state(comment, reactor)


def _state(comment: Comment, reactor: Commenter) -> dict:
    found = reactions_for(site=comment.site, comment_ids=[comment.pk], viewer=reactor)
    return found.get(comment.pk, {"counts": {}, "yours": None})
