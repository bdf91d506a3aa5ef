"""The pipeline's hand-written statements, all of them.

Built with comments.rows (model metadata, quoted identifiers, the router's database, rows
read back into model instances by column name), not with SQL strings: the decision of every
scored comment runs them, and the ORM's query compilation cost more CPU than the statement
(docs/performance.md). The pipeline's other writes that skip the ORM are the
`rows.insert_unless_conflict` calls of pipeline.services and pipeline.listeners, each naming
the unique constraint it is `ON CONFLICT (...) DO NOTHING` for; the models they write have no
signal receivers (tests/comments/test_rows.py).
"""

from __future__ import annotations

from functools import cache

from django.contrib.auth import get_user_model

from comments import rows
from comments.models import Comment

# What a decision reads of the comment's relations: the engine (article state), the site's
# cached configuration (its stamp), the scorers' payloads (Akismet, HTTP), the webhook payloads
# and the audit rows' labels. The other columns are deferred (reading one costs a query;
# tests/pipeline/test_post_queries.py counts a decision's statements).
_SITE = ("id", "slug", "name", "allowed_origins", "config_stamp")
_ARTICLE = ("id", "site", "key", "url", "title", "is_open", "closes_at", "premoderated")
_AUTHOR = ("id", "user", "public_id", "display_name")


@cache
def _comment_to_decide_select() -> rows.Select[Comment]:
    # Built on first use: the user model's e-mail field is known once the apps are loaded.
    user_model = get_user_model()
    return rows.Select(
        Comment,
        where=("pk",),
        related={
            "site": _SITE,
            "article": _ARTICLE,
            "author": _AUTHOR,
            "author__user": ("id", user_model.get_email_field_name(), "is_active"),
        },
    )


def comment_to_decide(comment_id: int) -> Comment | None:
    """The comment with what scorers and the engine read (site, article, author and user),
    not locked (comments.locks.comment_status_locked locks it once the scorers answered)."""
    return _comment_to_decide_select().get(comment_id)
