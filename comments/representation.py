"""A comment and a page of comments as the reader API writes them: plain dicts built by hand
on the hot path (the documented shapes are the serializers in comments.apis), and the JSON
bytes they are sent as (the same bytes DRF's JSONRenderer writes)."""

from typing import Any

from rest_framework.renderers import JSONRenderer

from api.views import iso

from .models import Comment, CommentStatus
from .selectors import Page, ThreadComment

_renderer = JSONRenderer()


def represent(comment: Comment | ThreadComment, viewer_id: int | None) -> dict:
    # A removed comment is a tombstone to others; its author still sees it, with the reason.
    own = (
        viewer_id is not None
        and comment.author_id == viewer_id
        and comment.status != CommentStatus.DELETED
    )
    tombstone = not own and comment.status in (CommentStatus.DELETED, CommentStatus.REMOVED)
    data: dict[str, Any] = {
        "id": comment.pk,
        "parent": comment.parent_id,
        "author": None
        if tombstone
        else {
            "id": comment.author.public_id,
            "display_name": comment.author.display_name,
            "avatar_url": comment.author.avatar_url,
        },
        "html": "" if tombstone else comment.html,
        "deleted": tombstone,
        "created_at": iso(comment.created_at),
        "edited_at": iso(comment.edited_at),
        "score": comment.score,
        "reply_count": comment.reply_count,
        "featured": comment.featured,
        "replies": [represent(r, viewer_id) for r in getattr(comment, "shown_replies", ())],
    }
    if viewer_id is not None:
        data["your_vote"] = getattr(comment, "your_vote", 0) or 0
    if own:
        data.update(author_fields(comment))
    return data


def author_fields(comment: Comment | ThreadComment) -> dict[str, Any]:
    """What a comment's author sees of it besides what everyone sees (after `your_vote`)."""
    return {
        "body": comment.own_body if hasattr(comment, "own_body") else comment.body,
        "status": comment.status,
        "moderation": (
            {
                "clause_id": comment.moderation_clause_id,
                "clause_title": comment.moderation_clause_title,
                "reason": comment.moderation_reason,
            }
            if comment.moderation_clause_id or comment.moderation_reason
            else None
        ),
    }


def represent_page(page: Page, viewer_id: int | None) -> dict:
    return {
        "results": [represent(c, viewer_id) for c in page.items],
        "next_cursor": page.next_cursor,
    }


def render_json(data: Any) -> bytes:
    """The response body DRF would send for `data` (compact UTF-8 JSON)."""
    return _renderer.render(data)
