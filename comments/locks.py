"""Row locks on comments, the one way to take them.

A comment's status changes only under its row lock (comments.lifecycle.transition's
precondition), so two decisions, a moderator and the pipeline, or a report and an edit cannot
interleave. Only the comment rows are locked (`of=("self",)`), never the site, article or author
rows joined to them: those are read by every post and must not serialize. The lock is
PostgreSQL's FOR NO KEY UPDATE (the key columns never change): a row that refers to the comment
(a notice, an audit row, a delivery) takes a key-share lock on it through its foreign key, which
this lock does not block, so writing one neither waits for a decision nor deadlocks with it.

Precondition for both: inside a transaction on the database the router writes comments to.
"""

from django.db.models import QuerySet

from . import rows
from .models import Comment


def comments_locked(*related: str) -> QuerySet[Comment]:
    """Comments whose rows the query locks, with `related` joined (not locked), as
    `select_related` joins them: filter it and read it inside the transaction."""
    return Comment.objects.select_for_update(of=("self",), no_key=True).select_related(*related)


_STATUS_LOCKED = rows.Select(Comment, where=("pk",), only=("status", "edited_at"), for_update=True)


def comment_status_locked(comment: Comment) -> bool:
    """Lock the row of a comment read earlier without a lock, and refresh what may have
    changed since (its status and revision); False when the row is gone. One statement with
    no query compilation, for the pipeline's decision of every scored comment."""
    locked = _STATUS_LOCKED.get(comment.pk)
    if locked is None:
        return False
    comment.status, comment.edited_at = locked.status, locked.edited_at
    return True
