"""The pipeline's hand-written statements, all of them.

Built from the models' metadata with comments.rows (identifiers quoted by the database's
`quote_name`, join columns taken from the relation fields, rows read back into model instances
through the same metadata that built the SELECT, on the database the router names): the
decision of every scored comment runs them, and the ORM's query compilation cost more CPU than
the statement (docs/performance.md). The pipeline's other writes that skip the ORM are the
`rows.insert_unless_conflict` calls of pipeline.services and pipeline.listeners, each naming
the unique constraint it is `ON CONFLICT (...) DO NOTHING` for; the models they write have no
signal receivers (tests/comments/test_rows.py).
"""

from __future__ import annotations

from functools import cache

from django.contrib.auth import get_user_model
from django.db import connections, router
from django.db.models import Model

from comments import rows
from comments.models import Article, Comment, Commenter, Site

# What a decision reads of the comment's relations: the engine (article state), the site's
# cached configuration (its stamp), the scorers' payloads (Akismet, HTTP), the webhook payloads
# and the audit rows' labels. The other columns are deferred (reading one costs a query;
# tests/pipeline/test_post_queries.py counts a decision's statements).
_SITE = ("id", "slug", "name", "allowed_origins", "config_stamp")
_ARTICLE = ("id", "site", "key", "url", "title", "is_open", "closes_at", "premoderated")
_AUTHOR = ("id", "user", "public_id", "display_name")


@cache
def _comment_to_decide_sql(db: str) -> tuple[str, tuple[rows.Columns, ...]]:
    user_model = get_user_model()
    quote = connections[db].ops.quote_name

    def join(model: type[Model], alias: str, owner: type[Model], owner_alias: str, fk: str):
        # ON the foreign key's column = the column it targets, both from the field.
        field = owner._meta.get_field(fk)
        return (
            f"JOIN {quote(model._meta.db_table)} {alias} ON {alias}."
            f"{quote(field.target_field.column)} = {owner_alias}.{quote(field.column)}"
        )

    email = user_model.get_email_field_name()
    parts = (
        rows.columns(Comment, "c", db=db),
        rows.columns(Site, "s", _SITE, db=db),
        rows.columns(Article, "a", _ARTICLE, db=db),
        rows.columns(Commenter, "au", _AUTHOR, db=db),
        rows.columns(user_model, "u", ("id", email, "is_active"), db=db),
    )
    sql = " ".join(
        (
            f"SELECT {', '.join(part.sql for part in parts)}",
            f"FROM {quote(Comment._meta.db_table)} c",
            join(Site, "s", Comment, "c", "site"),
            join(Article, "a", Comment, "c", "article"),
            join(Commenter, "au", Comment, "c", "author"),
            join(user_model, "u", Commenter, "au", "user"),
            f"WHERE c.{quote(Comment._meta.pk.column)} = %s",
        )
    )
    return sql, parts


def comment_to_decide(comment_id: int) -> Comment | None:
    """The comment with what scorers and the engine read (site, article, author and user),
    not locked (comments.locks.comment_status_locked locks it once the scorers answered).

    Read from the database comments are written to, not a replica: the task runs right after
    the commit that stored the comment, before a lagging replica may have it."""
    db = router.db_for_write(Comment)
    sql, parts = _comment_to_decide_sql(db)
    row = rows.fetchone(sql, [comment_id], db=db)
    if row is None:
        return None
    comment, site, article, author, user = rows.load_joined(row, *parts)
    comment.site, comment.article, comment.author = site, article, author
    author.user = user
    return comment
