"""The export: a site's articles, commenters and comments as versioned JSON lines.

One JSON object per line, `type` first; the format is documented in docs/migrating.md
("Parley's export format"). Rows are read through server-side cursors (`iterator`) a chunk
at a time and written as they come, so memory stays flat whatever the size of the site; the
whole export reads one snapshot (a repeatable-read transaction on PostgreSQL), so every
comment's article and author are in the file. Nothing secret or about a reader's machine is
written: no e-mail, user id, IP address, user agent or API key.
"""

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.db import connections, router, transaction
from django.utils import timezone

from comments.models import Article, Comment, Commenter, Site

FORMAT = "parley-export"
VERSION = 1
CHUNK = 2000

ARTICLE_FIELDS = (
    "id", "key", "url", "title", "published_at", "is_open", "closes_at", "premoderated",
    "created_at",
)  # fmt: skip
COMMENTER_FIELDS = ("public_id", "display_name", "avatar_url", "created_at")
COMMENT_FIELDS = (
    "id", "article_id", "parent_id", "author__public_id", "body", "html", "status",
    "created_at", "edited_at", "status_changed_at", "upvotes", "downvotes", "featured",
    "moderation_clause_id", "moderation_clause_title", "moderation_reason",
)  # fmt: skip


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def _line(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"


def export_lines(*, site: Site) -> Iterator[str]:
    """The export of `site`, one line at a time (each ends with a newline)."""
    alias = router.db_for_read(Comment)
    connection = connections[alias]
    # Inside a caller's transaction the snapshot is the caller's to choose.
    outermost = not connection.in_atomic_block
    with transaction.atomic(using=alias):
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                # Every row is read: plan the cursors for all of them, not for the first
                # tenth (PostgreSQL's default), which after a bulk import, before autovacuum
                # has analysed the tables, chose plans 25 times slower.
                cursor.execute("SET LOCAL cursor_tuple_fraction = 1.0")
        yield from _lines(site)


def _lines(site: Site) -> Iterator[str]:
    counts = {"articles": 0, "commenters": 0, "comments": 0}
    yield _line(
        {
            "type": FORMAT,
            "version": VERSION,
            "site": {"slug": site.slug, "name": site.name},
            "exported_at": _iso(timezone.now()),
        }
    )
    articles = Article.objects.filter(site=site).order_by("id").values_list(*ARTICLE_FIELDS)
    for pk, key, url, title, published, is_open, closes, premod, created in articles.iterator(
        chunk_size=CHUNK
    ):
        counts["articles"] += 1
        yield _line(
            {
                "type": "article",
                "id": str(pk),
                "key": key,
                "url": url,
                "title": title,
                "published_at": _iso(published),
                "is_open": is_open,
                "closes_at": _iso(closes),
                "premoderated": premod,
                "created_at": _iso(created),
            }
        )
    authors = Comment.objects.filter(site=site).values("author_id")
    commenters = (
        Commenter.objects.filter(pk__in=authors).order_by("id").values_list(*COMMENTER_FIELDS)
    )
    for public_id, name, avatar, created in commenters.iterator(chunk_size=CHUNK):
        counts["commenters"] += 1
        yield _line(
            {
                "type": "commenter",
                "id": public_id,
                "display_name": name,
                "avatar_url": avatar,
                "created_at": _iso(created),
            }
        )
    comments = Comment.objects.filter(site=site).order_by("id").values_list(*COMMENT_FIELDS)
    for row in comments.iterator(chunk_size=CHUNK):
        counts["comments"] += 1
        (pk, article, parent, author, body, html, status, created, edited, changed) = row[:10]
        (up, down, featured, clause_id, clause_title, reason) = row[10:]
        yield _line(
            {
                "type": "comment",
                "id": str(pk),
                "article": str(article),
                "parent": str(parent) if parent else None,
                "author": author,
                "body": body,
                "html": html,
                "status": status,
                "created_at": _iso(created),
                "edited_at": _iso(edited),
                "status_changed_at": _iso(changed),
                "upvotes": up,
                "downvotes": down,
                "featured": featured,
                "moderation": {
                    "clause_id": clause_id,
                    "clause_title": clause_title,
                    "reason": reason,
                },
            }
        )
    yield _line({"type": "end", "counts": counts})
