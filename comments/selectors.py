"""Reads. Every read of a comment goes through `visible_q` / `comment_access`."""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from .errors import InvalidInput, NotFound
from .models import TOMBSTONE_STATUSES, Article, Comment, Commenter, CommentStatus, Site

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
    article = Article.objects.select_related("site").filter(site__slug=site_slug, key=key).first()
    if article is None:
        raise NotFound("No such article.", code="article_not_found")
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


# Cursors: opaque keyset positions, stable while new comments arrive.


@dataclass(frozen=True)
class Page:
    items: list[Comment]
    next_cursor: str | None


def _encode_cursor(sort: str, comment: Comment) -> str:
    key = comment.score if sort == "top" else comment.created_at.isoformat()
    raw = json.dumps([sort, key, comment.pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str, sort: str) -> tuple[object, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        cursor_sort, key, pk = json.loads(raw)
        if cursor_sort != sort or not isinstance(pk, int) or isinstance(pk, bool):
            raise ValueError
        if sort == "top":
            if not isinstance(key, int) or isinstance(key, bool):
                raise ValueError
            return key, pk
        return datetime.fromisoformat(key), pk
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidInput("The cursor is not valid for this list.", code="invalid_cursor") from exc


def _keyset(qs: QuerySet, sort: str, cursor: str | None, limit: int) -> Page:
    if sort == "oldest":
        qs = qs.order_by("created_at", "id")
        field, after = "created_at", "gt"
    elif sort == "newest":
        qs = qs.order_by("-created_at", "-id")
        field, after = "created_at", "lt"
    else:
        qs = qs.order_by("-score", "-id")
        field, after = "score", "lt"
    if cursor:
        key, pk = _decode_cursor(cursor, sort)
        qs = qs.filter(Q(**{f"{field}__{after}": key}) | Q(**{field: key, f"id__{after}": pk}))
    items = list(qs[: limit + 1])
    next_cursor = _encode_cursor(sort, items[limit - 1]) if len(items) > limit else None
    return Page(items[:limit], next_cursor)


def _replies_of(
    *, parent_filter: Q, viewer: Commenter | None, per_parent: int, max_depth: int
) -> list[Comment]:
    """Up to `per_parent` oldest visible replies of every parent in the subtrees, one query."""
    rank = Window(RowNumber(), partition_by=[F("parent_id")], order_by=[F("created_at"), F("id")])
    return list(
        Comment.objects.filter(parent_filter, visible_q(viewer), depth__lte=max_depth)
        .select_related("author")
        .annotate(sibling_rank=rank)
        .filter(sibling_rank__lte=per_parent)
        .order_by("created_at", "id")
    )


def attach_replies(roots: list[Comment], replies: list[Comment]) -> None:
    """Set `.shown_replies` on every comment; replies whose parent is not shown are dropped."""
    by_id = {c.pk: c for c in roots}
    for c in roots:
        c.shown_replies = []
    for reply in replies:  # ordered oldest first, so parents come before their children
        parent = by_id.get(reply.parent_id)
        if parent is None:
            continue
        reply.shown_replies = []
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
    top = Comment.objects.filter(visible_q(viewer), article=article, parent__isnull=True)
    page = _keyset(top.select_related("author"), sort, cursor, limit)
    if page.items and site.replies_per_comment and site.max_depth:
        replies = _replies_of(
            parent_filter=Q(root_id__in=[c.pk for c in page.items]),
            viewer=viewer,
            per_parent=site.replies_per_comment,
            max_depth=site.max_depth,
        )
    else:
        replies = []
    attach_replies(page.items, replies)
    return page


def replies_page(
    *, comment: Comment, viewer: Commenter | None, cursor: str | None = None, limit: int = 20
) -> Page:
    """A page of one comment's direct replies (oldest first), each with its own first replies."""
    children = Comment.objects.filter(visible_q(viewer), parent=comment).select_related("author")
    page = _keyset(children, "oldest", cursor, limit)
    site = comment.site
    if page.items and site.replies_per_comment and comment.depth + 1 < site.max_depth:
        # Descendants of the page share its root; keep those under the page's replies.
        replies = _replies_of(
            parent_filter=Q(root_id=comment.root_id or comment.pk, depth__gt=comment.depth + 1),
            viewer=viewer,
            per_parent=site.replies_per_comment,
            max_depth=site.max_depth,
        )
    else:
        replies = []
    attach_replies(page.items, replies)
    return page


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
