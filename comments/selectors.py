"""Reads. Every read of a comment goes through `visible_q` / `comment_access`."""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connection
from django.db.models import Count, Q

from . import rows
from .errors import InvalidInput, NotFound
from .models import TOMBSTONE_STATUSES, Article, Comment, Commenter, CommentStatus, Site, Vote

S = CommentStatus
SORTS = ("oldest", "newest", "top")


def visible_q(viewer: Commenter | None) -> Q:
    """Comments a viewer may see: published ones, tombstones that keep replies in place,
    and the viewer's own comments in any state but deleted."""
    q = Q(status=S.PUBLISHED) | Q(status__in=TOMBSTONE_STATUSES, reply_count__gt=0)
    if viewer is not None:
        q |= Q(author_id=viewer.pk) & ~Q(status=S.DELETED)
    return q


def site_get(*, slug: str) -> Site:
    site = Site.objects.filter(slug=slug).first()
    if site is None:
        raise NotFound("No such site.", code="site_not_found")
    return site


def article_get(*, site_slug: str, key: str) -> Article:
    """The article with its site. Hand-written (comments.rows): every thread read and every
    post starts here."""
    a, s = rows.columns(Article, "a"), rows.columns(Site, "s")
    row = rows.fetchone(
        f"SELECT {a.sql}, {s.sql} FROM {Article._meta.db_table} a "  # noqa: S608
        f"JOIN {Site._meta.db_table} s ON s.id = a.site_id "
        f"WHERE s.slug = %s AND a.{connection.ops.quote_name('key')} = %s",
        [site_slug, key],
    )
    if row is None:
        raise NotFound("No such article.", code="article_not_found")
    article, site = rows.load_joined(row, a, s)
    article.site = site
    return article


def comment_access(*, comment_id: int, viewer: Commenter | None) -> Comment:
    """One comment as the viewer may see it, or NotFound (never a hint it exists)."""
    comment = (
        Comment.objects.select_related("author", "site")
        .filter(visible_q(viewer), pk=comment_id)
        .first()
    )
    if comment is None:
        raise NotFound("No such comment.", code="comment_not_found")
    return comment


# Thread pages: the hot path. Two hand-written queries (a keyset page of comments, then the
# first replies of their subtrees ranked per parent) whose rows become ThreadComment, not model
# instances: a page can nest hundreds of replies, and the ORM's query compilation and model
# construction cost several times the queries themselves (see docs/performance.md). The
# visibility rule is the same as `visible_q`, written in SQL.

_COLUMNS = (
    "c.id, c.parent_id, c.author_id, a.public_id, a.display_name, c.html, c.status, "
    "c.created_at, c.edited_at, c.score, c.reply_count, c.featured, "
    "c.moderation_clause_id, c.moderation_clause_title, c.moderation_reason"
)


def _viewer_columns(viewer: Commenter | None) -> tuple[str, list]:
    """The viewer's own vote on each comment, and the body as written on their own comments
    (for editing): two more columns, read in the same query."""
    if viewer is None:
        return "NULL AS your_vote, NULL AS own_body", []
    sql = (
        f"(SELECT v.value FROM {Vote._meta.db_table} v "  # noqa: S608 - constant table name
        "WHERE v.comment_id = c.id AND v.voter_id = %s) AS your_vote, "
        "CASE WHEN c.author_id = %s THEN c.body END AS own_body"
    )
    return sql, [viewer.pk, viewer.pk]


_FROM = (
    f"FROM {Comment._meta.db_table} c INNER JOIN {Commenter._meta.db_table} a ON a.id = c.author_id"
)
_ORDER = {
    "oldest": ("c.created_at", ">", "c.created_at ASC, c.id ASC"),
    "newest": ("c.created_at", "<", "c.created_at DESC, c.id DESC"),
    "top": ("c.score", "<", "c.score DESC, c.id DESC"),
}


def _visible_sql(viewer: Commenter | None) -> tuple[str, list]:
    """`visible_q` in SQL, for the hand-written thread queries."""
    sql = "(c.status = %s OR (c.status IN (%s, %s) AND c.reply_count > 0)"
    params: list = [S.PUBLISHED, *TOMBSTONE_STATUSES]
    if viewer is not None:
        sql += " OR (c.author_id = %s AND c.status <> %s)"
        params += [viewer.pk, S.DELETED]
    return sql + ")", params


def _fetch(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _utc(value: datetime | str | None) -> datetime | None:
    # SQLite hands back text (or naive UTC) from a subquery; PostgreSQL an aware datetime.
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class ThreadAuthor:
    __slots__ = ("display_name", "public_id")

    def __init__(self, public_id: str, display_name: str):
        self.public_id = public_id
        self.display_name = display_name


class ThreadComment:
    """A comment as a thread page shows it; the same attribute names as `Comment`."""

    __slots__ = (
        "author",
        "author_id",
        "created_at",
        "edited_at",
        "featured",
        "html",
        "moderation_clause_id",
        "moderation_clause_title",
        "moderation_reason",
        "own_body",
        "parent_id",
        "pk",
        "reply_count",
        "score",
        "shown_replies",
        "status",
        "your_vote",
    )

    def __init__(self, row: tuple):
        (
            self.pk,
            self.parent_id,
            self.author_id,
            public_id,
            display_name,
            self.html,
            self.status,
            created_at,
            edited_at,
            self.score,
            self.reply_count,
            featured,
            self.moderation_clause_id,
            self.moderation_clause_title,
            self.moderation_reason,
            your_vote,
            self.own_body,
        ) = row[:17]
        self.your_vote = your_vote or 0
        self.created_at = _utc(created_at)
        self.edited_at = _utc(edited_at)
        self.featured = bool(featured)
        self.author = ThreadAuthor(public_id, display_name)
        self.shown_replies: list[ThreadComment] = []


# Cursors: opaque keyset positions, stable while new comments arrive.

_BIGINT = 2**63 - 1


@dataclass(frozen=True)
class Page:
    items: list[ThreadComment]
    next_cursor: str | None


def _encode_cursor(sort: str, comment: ThreadComment) -> str:
    key = comment.score if sort == "top" else comment.created_at.isoformat()
    raw = json.dumps([sort, key, comment.pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _is_int(value: object, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _decode_cursor(cursor: str, sort: str) -> tuple[object, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        cursor_sort, key, pk = json.loads(raw)
        # Cursors this API issues hold a database id and score; anything else is forged.
        if cursor_sort != sort or not _is_int(pk, 1, _BIGINT):
            raise ValueError
        if sort == "top":
            if not _is_int(key, -_BIGINT, _BIGINT):
                raise ValueError
            return key, pk
        when = datetime.fromisoformat(key)
        if when.tzinfo is None:
            raise ValueError
        # Normalised here so an offset that pushes it past year 1 or 9999 fails as input.
        return when.astimezone(UTC), pk
    except (ValueError, TypeError, OverflowError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidInput("The cursor is not valid for this list.", code="invalid_cursor") from exc


def _keyset(
    where: str, params: list, viewer: Commenter | None, sort: str, cursor: str | None, limit: int
) -> Page:
    """One page of the comments matching `where`, in `sort` order, after `cursor`."""
    visible, visible_params = _visible_sql(viewer)
    viewer_columns, viewer_params = _viewer_columns(viewer)
    field, after, order = _ORDER[sort]
    inner = f"SELECT c.* FROM {Comment._meta.db_table} c WHERE {where} AND {visible}"  # noqa: S608
    params = [*params, *visible_params]
    if cursor:
        key, pk = _decode_cursor(cursor, sort)
        if sort != "top":
            key = connection.ops.adapt_datetimefield_value(key)
        # A row-value comparison, so both databases seek the index instead of scanning to it.
        inner += f" AND ({field}, c.id) {after} (%s, %s)"
        params += [key, pk]
    # The page is cut before authors are joined: joined first, PostgreSQL may plan a hash join
    # over every top-level comment of the article and sort them all for twenty. Top-level
    # pages read the partial indexes comment_top_time / comment_top_score in order.
    inner += f" ORDER BY {order} LIMIT %s"
    sql = (
        f"SELECT {_COLUMNS}, {viewer_columns} FROM ({inner}) c "  # noqa: S608
        f"INNER JOIN {Commenter._meta.db_table} a ON a.id = c.author_id ORDER BY {order}"
    )
    items = [ThreadComment(row) for row in _fetch(sql, [*viewer_params, *params, limit + 1])]
    next_cursor = _encode_cursor(sort, items[limit - 1]) if len(items) > limit else None
    return Page(items[:limit], next_cursor)


def _replies_of(
    *, where: str, params: list, viewer: Commenter | None, per_parent: int, max_depth: int
) -> list[tuple]:
    """Up to `per_parent` oldest visible replies of every parent in the subtrees, one query,
    as rows (oldest first)."""
    visible, visible_params = _visible_sql(viewer)
    viewer_columns, viewer_params = _viewer_columns(viewer)
    rank = "ROW_NUMBER() OVER (PARTITION BY c.parent_id ORDER BY c.created_at, c.id)"
    # Only constant fragments are formatted in; every value is a query parameter.
    sql = (
        f"SELECT * FROM (SELECT {_COLUMNS}, {viewer_columns}, {rank} AS sibling_rank "  # noqa: S608
        f"{_FROM} WHERE {where} AND c.depth <= %s AND {visible}) ranked "
        "WHERE sibling_rank <= %s ORDER BY 8, 1"  # created_at, id
    )
    return _fetch(sql, [*viewer_params, *params, max_depth, *visible_params, per_parent])


def attach_replies(roots: list[ThreadComment], replies: list[tuple]) -> None:
    """Nest reply rows under `.shown_replies`; replies whose parent is not shown are dropped
    (without building them: a big subtree returns many rows no page shows)."""
    by_id = {c.pk: c for c in roots}
    for row in replies:  # ordered oldest first, so parents come before their children
        parent = by_id.get(row[1])
        if parent is None:
            continue
        reply = ThreadComment(row)
        parent.shown_replies.append(reply)
        by_id[reply.pk] = reply


def thread_page(
    *,
    article: Article,
    viewer: Commenter | None,
    sort: str = "oldest",
    cursor: str | None = None,
    limit: int = 20,
) -> Page:
    """A page of top-level comments with their replies nested: two queries whatever the size."""
    site = article.site
    page = _keyset(
        "c.article_id = %s AND c.parent_id IS NULL", [article.pk], viewer, sort, cursor, limit
    )
    if page.items and site.replies_per_comment and site.max_depth:
        roots = [c.pk for c in page.items]
        replies = _replies_of(
            where=f"c.root_id IN ({', '.join(['%s'] * len(roots))})",
            params=roots,
            viewer=viewer,
            per_parent=site.replies_per_comment,
            max_depth=site.max_depth,
        )
        attach_replies(page.items, replies)
    return page


def replies_page(
    *, comment: Comment, viewer: Commenter | None, cursor: str | None = None, limit: int = 20
) -> Page:
    """A page of one comment's direct replies (oldest first), each with its own first replies."""
    # The root narrows it to the (root, parent, created_at, id) index.
    page = _keyset(
        "c.root_id = %s AND c.parent_id = %s",
        [comment.root_id or comment.pk, comment.pk],
        viewer,
        "oldest",
        cursor,
        limit,
    )
    site = comment.site
    if page.items and site.replies_per_comment and comment.depth + 1 < site.max_depth:
        # Descendants of the page share its root; keep those under the page's replies.
        replies = _replies_of(
            where="c.root_id = %s AND c.depth > %s",
            params=[comment.root_id or comment.pk, comment.depth + 1],
            viewer=viewer,
            per_parent=site.replies_per_comment,
            max_depth=site.max_depth,
        )
        attach_replies(page.items, replies)
    return page


def vote_of(*, comment: Comment, voter: Commenter) -> int:
    """The voter's vote on one comment: 1, -1, or 0 for none."""
    return (
        Vote.objects.filter(comment=comment, voter=voter).values_list("value", flat=True).first()
        or 0
    )


def published_counts(*, site: Site, keys: list[str]) -> dict[str, int]:
    """Published-comment counts for many articles of one site, in one query."""
    rows = (
        Article.objects.filter(site=site, key__in=keys)
        .annotate(n=Count("comments", filter=Q(comments__status=S.PUBLISHED)))
        .values_list("key", "n")
    )
    counts = dict.fromkeys(keys, 0)
    counts.update(rows)
    return counts
