"""Reads. Every read of a comment goes through `visible_q` / `comment_access`."""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import Count, DateTimeField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from . import rows
from .errors import InvalidInput, NotFound
from .models import (
    TOMBSTONE_STATUSES,
    Article,
    Comment,
    Commenter,
    CommentEvent,
    CommentStatus,
    Report,
    Site,
    Vote,
)

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


# The article with its site: every thread read and every post starts here.
_ARTICLE_WITH_SITE = rows.Select(Article, related=("site",), where=("site__slug", "key"))


def article_get(*, site_slug: str, key: str) -> Article:
    """The article with its site, in one hand-written query (comments.rows)."""
    article = _ARTICLE_WITH_SITE.get(site_slug, key)
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


# Thread pages: the hot path. Two hand-written queries (comments.rows: a keyset page of
# comments, then the first replies of their subtrees ranked per parent) whose rows become
# ThreadComment, not model instances: a page can nest hundreds of replies, and the ORM's query
# compilation and model construction cost several times the queries themselves (see
# docs/performance.md). The visibility rule is the same as `visible_q`, written in SQL there.

# Sort: the column ordered by, and whether descending (the id breaks ties the same way).
_ORDER = {"oldest": ("created_at", False), "newest": ("created_at", True), "top": ("score", True)}


class ThreadAuthor:
    __slots__ = ("avatar_url", "display_name", "public_id")

    def __init__(self, public_id: str, display_name: str, avatar_url: str = ""):
        self.public_id = public_id
        self.display_name = display_name
        self.avatar_url = avatar_url


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

    def __init__(self, row: rows.ThreadRow):
        self.pk = row.id
        self.parent_id = row.parent_id
        self.author_id = row.author_id
        self.html = row.html
        self.status = row.status
        self.created_at = row.created_at
        self.edited_at = row.edited_at
        self.score = row.score
        self.reply_count = row.reply_count
        self.featured = row.featured
        self.moderation_clause_id = row.moderation_clause_id
        self.moderation_clause_title = row.moderation_clause_title
        self.moderation_reason = row.moderation_reason
        self.your_vote = row.your_vote or 0
        self.own_body = row.own_body
        self.author = ThreadAuthor(
            row.author_public_id, row.author_display_name, row.author_avatar_url
        )
        self.shown_replies: list[ThreadComment] = []


# Cursors: opaque keyset positions, stable while new comments arrive.

_BIGINT = 2**63 - 1


@dataclass(frozen=True)
class Page:
    items: list[ThreadComment]
    next_cursor: str | None


def _encode_cursor(sort: str, comment: ThreadComment) -> str:
    return encode_cursor(sort, created_at=comment.created_at, score=comment.score, pk=comment.pk)


def encode_cursor(sort: str, *, created_at: datetime, score: int, pk: int) -> str:
    """The cursor of the page that starts after this comment, in `sort` order."""
    key = score if sort == "top" else created_at.isoformat()
    raw = json.dumps([sort, key, pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def sort_key(sort: str, *, created_at: datetime, score: int, pk: int) -> tuple:
    """A comment's keyset position in `sort` order (compare with `cursor_position`)."""
    return (score, pk) if sort == "top" else (created_at, pk)


def cursor_position(sort: str, cursor: str) -> tuple:
    """The keyset position a cursor points after; 400 `invalid_cursor` for a forged one."""
    return _decode_cursor(cursor, sort)


def sort_descending(sort: str) -> bool:
    return _ORDER[sort][1]


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
    scope: dict, viewer: Commenter | None, sort: str, cursor: str | None, limit: int
) -> Page:
    """One page of the comments matching `scope`, in `sort` order, after `cursor`."""
    order_by, descending = _ORDER[sort]
    found = rows.thread_rows(
        scope=scope,
        viewer_id=viewer.pk if viewer else None,
        order_by=order_by,
        descending=descending,
        after=_decode_cursor(cursor, sort) if cursor else None,
        limit=limit + 1,
    )
    items = [ThreadComment(row) for row in found]
    next_cursor = _encode_cursor(sort, items[limit - 1]) if len(items) > limit else None
    return Page(items[:limit], next_cursor)


def _replies_of(
    *, scope: dict, viewer: Commenter | None, per_parent: int, max_depth: int
) -> list[rows.ThreadRow]:
    """Up to `per_parent` oldest visible replies of every parent in the subtrees, one query,
    as rows (oldest first)."""
    return rows.first_reply_rows(
        scope={**scope, "depth__lte": max_depth},
        viewer_id=viewer.pk if viewer else None,
        per_parent=per_parent,
    )


def attach_replies(roots: list[ThreadComment], replies: list[rows.ThreadRow]) -> None:
    """Nest reply rows under `.shown_replies`; replies whose parent is not shown are dropped
    (without building them: a big subtree returns many rows no page shows)."""
    by_id: dict[int | None, ThreadComment] = {c.pk: c for c in roots}
    for row in replies:  # ordered oldest first, so parents come before their children
        parent = by_id.get(row.parent_id)
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
    page = _keyset({"article": article.pk, "parent": None}, viewer, sort, cursor, limit)
    if page.items and site.replies_per_comment and site.max_depth:
        replies = _replies_of(
            scope={"root__in": [c.pk for c in page.items]},
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
        {"root": comment.root_id or comment.pk, "parent": comment.pk},
        viewer,
        "oldest",
        cursor,
        limit,
    )
    site = comment.site
    if page.items and site.replies_per_comment and comment.depth + 1 < site.max_depth:
        # Descendants of the page share its root; keep those under the page's replies.
        replies = _replies_of(
            scope={"root": comment.root_id or comment.pk, "depth__gt": comment.depth + 1},
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


def articles_with_versions(*, site_slug: str, keys: list[str]) -> tuple[Site, list[Article]]:
    """The site and those of its articles whose key is in `keys` (with their versions), in one
    query when any exists; NotFound for an unknown site."""
    found = list(
        Article.objects.filter(site__slug=site_slug, key__in=keys)
        .select_related("site")
        .order_by("pk")
    )
    site = found[0].site if found else site_get(slug=site_slug)
    return site, found


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


# Open reports ------------------------------------------------------------------------------
#
# The one definition, used by the report threshold (comments.reports) and by the moderation
# queue, its counts and its decisions (moderation.selectors, moderation.services):
#
# A report is open when it was filed after the comment last *settled*: after its last status
# change to published, rejected or removed (whoever made it: a moderator's decision, or the
# pipeline publishing an edited text) or a moderator's review of its reports that left it
# published (a `review` event). Reports filed before were answered: a moderator decided on
# them, or the text they were about was replaced by an edit and checked again. Both moments
# are in the comment's own audit trail, so comments needs nothing from moderation to tell.

REPORTS_SETTLED_Q = Q(
    kind=CommentEvent.Kind.STATUS, to_status__in=(S.PUBLISHED, S.REJECTED, S.REMOVED)
) | Q(kind=CommentEvent.Kind.REVIEW)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def reports_settled_at(comment: Comment | int | None = None) -> Coalesce:
    """When `comment` (a comment, its id, or by default the outer query's row) last settled;
    the epoch if it never did. Reports filed strictly after it are open."""
    last = Subquery(
        CommentEvent.objects.filter(
            REPORTS_SETTLED_Q, comment=OuterRef("pk") if comment is None else comment
        )
        .order_by("-created_at", "-id")
        .values("created_at")[:1],
        output_field=DateTimeField(),
    )
    return Coalesce(last, Value(_EPOCH), output_field=DateTimeField())


def open_reports_q(settled_at: Coalesce | OuterRef | datetime) -> Q:
    """Reports filed after `settled_at` (see `reports_settled_at`)."""
    return Q(created_at__gt=settled_at)


def reports_open(*, comment: Comment) -> QuerySet[Report]:
    """The comment's open reports, oldest first."""
    return Report.objects.filter(
        open_reports_q(reports_settled_at(comment.pk)), comment=comment
    ).order_by("created_at", "id")


def report_is_open(report: Report, *, settled_at: datetime) -> bool:
    """`open_reports_q` for a report already loaded, given its comment's `reports_settled_at`."""
    return report.created_at > settled_at
