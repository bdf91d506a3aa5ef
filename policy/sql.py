"""The policy app's hand-written SQL, all of it: the author's history the engine reads.

Built from the models' metadata (table and column names quoted by the database's own
`quote_name`), run on the database the router writes comments to (see `author_history`), and
read back by column name. Written by hand because composing three ORM queries cost more CPU
than running them, on the path every post takes (tests/pipeline/test_post_queries.py counts
the statements).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from django.db import connections, router
from django.utils import timezone

from comments.models import Comment, CommentStatus

from .models import Standing

S = CommentStatus
RECENT_WINDOW = timedelta(hours=24)
RECENT_LIMIT = 10
HISTORY_COUNT_CAP = 1000  # as far as the author's approved/rejected comments are counted


@dataclass(frozen=True)
class AuthorHistory:
    standing: str | None  # None: no Standing row
    suspension_over: bool  # the standing's `until` has passed (false without a standing)
    approved: int
    rejected: int
    recent_bodies: tuple[str, ...]  # newest first


@cache
def _author_history_sql(db: str) -> str:
    q = connections[db].ops.quote_name

    def col(model, name: str) -> str:
        return q(model._meta.get_field(name).column)

    comment, standing = q(Comment._meta.db_table), q(Standing._meta.db_table)
    c_site, c_author, c_id = col(Comment, "site"), col(Comment, "author"), col(Comment, "id")
    c_status, c_body = col(Comment, "status"), col(Comment, "body")
    c_created = col(Comment, "created_at")
    s_site, s_commenter = col(Standing, "site"), col(Standing, "commenter")
    s_state, s_until = col(Standing, "state"), col(Standing, "until")
    # One round trip: the `head` row carries standing and history, the `recent` rows the
    # author's recent bodies ranked newest first. The counts stop at HISTORY_COUNT_CAP, so a
    # prolific commenter's post costs no more than a newcomer's.
    return f"""
        SELECT 'head' AS part, NULL AS body, NULL AS rank,
          (SELECT {s_state} FROM {standing}
            WHERE {s_site} = %(site)s AND {s_commenter} = %(author)s) AS standing,
          (SELECT {s_until} <= %(now)s FROM {standing}
            WHERE {s_site} = %(site)s AND {s_commenter} = %(author)s) AS suspension_over,
          (SELECT COUNT(*) FROM (SELECT 1 FROM {comment}
            WHERE {c_site} = %(site)s AND {c_author} = %(author)s AND {c_id} <> %(own)s
              AND {c_status} = %(published)s
            LIMIT {HISTORY_COUNT_CAP}) approved) AS approved,
          (SELECT COUNT(*) FROM (SELECT 1 FROM {comment}
            WHERE {c_site} = %(site)s AND {c_author} = %(author)s AND {c_id} <> %(own)s
              AND {c_status} = %(rejected)s
            LIMIT {HISTORY_COUNT_CAP}) rejected) AS rejected
        UNION ALL
        SELECT 'recent', recent.{c_body}, ROW_NUMBER() OVER (ORDER BY recent.{c_created} DESC),
          NULL, NULL, NULL, NULL FROM (
          SELECT {c_body}, {c_created} FROM {comment}
            WHERE {c_author} = %(author)s AND {c_site} = %(site)s
              AND {c_created} >= %(recent_since)s AND {c_id} <> %(own)s
              AND {c_status} <> %(deleted)s
            ORDER BY {c_created} DESC LIMIT {RECENT_LIMIT}
        ) recent
    """  # noqa: S608 - identifiers from the models, quoted; every value a parameter


def author_history(*, site_id: int, author_id: int, own_id: int) -> AuthorHistory:
    """The author's standing and history on the site, leaving out comment `own_id` (the one
    being decided; 0 for an unsaved draft)."""
    # The database comments are written to, not a read replica: posting reads this inside the
    # transaction that stored the comment, and a lagging replica would miss the author's latest
    # comments (the history and repetition rules count them).
    db = router.db_for_write(Comment)
    conn = connections[db]
    now = timezone.now()
    adapt = conn.ops.adapt_datetimefield_value
    params = {
        "site": site_id,
        "author": author_id,
        "own": own_id,
        "now": adapt(now),
        "recent_since": adapt(now - RECENT_WINDOW),
        "published": S.PUBLISHED,
        "rejected": S.REJECTED,
        "deleted": S.DELETED,
    }
    with conn.cursor() as cursor:
        cursor.execute(_author_history_sql(db), params)
        names = [column[0] for column in cursor.description]
        found = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    head = next(row for row in found if row["part"] == "head")
    # Newest first, by rank: the times themselves are not needed (and parsing them was a
    # noticeable share of a decision's CPU).
    recent = sorted((row for row in found if row["part"] == "recent"), key=lambda r: r["rank"])
    return AuthorHistory(
        standing=head["standing"],
        suspension_over=bool(head["suspension_over"]),
        approved=head["approved"],
        rejected=head["rejected"],
        recent_bodies=tuple(row["body"] for row in recent),
    )
