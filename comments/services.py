"""Writes on sites, articles, comments and votes. Moderation decides through one entry point."""

import secrets
import unicodedata
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from . import hooks, rows
from .errors import Conflict, Forbidden, InvalidInput, NotFound
from .lifecycle import Actor, record_event, transition
from .locks import comments_locked
from .models import (
    ActorKind,
    Article,
    Comment,
    Commenter,
    CommentEvent,
    CommentStatus,
    Site,
    Vote,
    digest_key,
)
from .pagecache import article_bump_version
from .rendering import render_body

S = CommentStatus


class ArticleClosed(Forbidden):
    code = "article_closed"
    message = "Comments on this article are closed."


class EditWindowClosed(Forbidden):
    code = "edit_window_closed"
    message = "The time to edit this comment has passed."


def site_rotate_api_key(*, site: Site) -> str:
    """Give the site a new API key for its server; only its digest is stored."""
    key = "pk_" + secrets.token_urlsafe(32)
    site.api_key_digest = digest_key(key)
    site.save(update_fields=["api_key_digest"])
    return key


class _Unset:
    """Marks an article field the caller did not send (None is a value: "no closing time")."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


@transaction.atomic
def article_upsert(
    *,
    site: Site,
    key: str,
    url: str = UNSET,
    title: str = UNSET,
    published_at: datetime | None = UNSET,
    is_open: bool = UNSET,
    closes_at: datetime | None = UNSET,
    premoderated: bool = UNSET,
) -> tuple[Article, bool]:
    """Register an article or update the fields given; returns (article, created).

    A field left out keeps its stored value; `published_at` or `closes_at` given as None
    clears it (an article that closed automatically reopens when its `closes_at` is cleared).
    """
    fields: dict = {}
    for name, value in (
        ("url", url),
        ("title", title),
        ("published_at", published_at),
        ("is_open", is_open),
        ("closes_at", closes_at),
        ("premoderated", premoderated),
    ):
        if value is not UNSET:
            fields[name] = value
    article, created = Article.objects.select_for_update().get_or_create(
        site=site, key=key, defaults=fields
    )
    if not created:
        for name, value in fields.items():
            setattr(article, name, value)
        article.save()
        if fields:
            article_bump_version(article_id=article.pk, site_id=site.pk, site=site)
    return article, created


def commenter_for_user(user: User) -> Commenter:
    """The reader's commenter profile, created on first use with their username as name."""
    try:
        return user.commenter
    except Commenter.DoesNotExist:
        pass
    try:
        with transaction.atomic():
            commenter = Commenter.objects.create(user=user, display_name=user.get_username()[:80])
    except IntegrityError:
        commenter = Commenter.objects.get(user=user)
    user.commenter = commenter
    return commenter


# Characters that show nothing by themselves: whitespace, control and format characters (Cc,
# Cf: zero-width space, non-joiner and joiner, word joiner, BOM, soft hyphen, bidirectional
# controls, tags), the other default-ignorable code points (the combining grapheme joiner,
# Hangul fillers, variation selectors) and the blank Braille pattern, a common invisible filler.
_INVISIBLE_RANGES = (
    (0x034F, 0x034F),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x2800, 0x2800),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFFA0, 0xFFA0),
    (0x1D173, 0x1D17A),
    (0xE0100, 0xE01EF),
)


def _visible(char: str) -> bool:
    if char.isspace() or unicodedata.category(char) in ("Cc", "Cf"):
        return False
    code = ord(char)
    return not any(low <= code <= high for low, high in _INVISIBLE_RANGES)


def body_max_chars(site: Site) -> int:
    """The longest body `site` takes, in characters (code points): its own limit, within the
    API's (`PARLEY_BODY_MAX_CHARS`, the schema's maxLength)."""
    return min(site.max_body_chars, settings.PARLEY_BODY_MAX_CHARS)


def check_body_length(text: str, limit: int) -> None:
    """400 `body_too_long`, with the limit, for a body longer than `limit` characters."""
    if len(text) > limit:
        raise InvalidInput(
            f"A comment can be at most {limit} characters.",
            code="body_too_long",
            max_chars=limit,
            chars=len(text),
        )


def check_body(*, site: Site, body: str) -> str:
    """The body as stored (without surrounding whitespace); 400 `empty_body` for one with no
    visible character, `body_too_long` above the site's limit."""
    text = body.strip()
    if not text:
        raise InvalidInput("A comment cannot be empty.", code="empty_body")
    check_body_length(text, body_max_chars(site))
    if not any(_visible(char) for char in text):
        raise InvalidInput(
            "A comment needs visible text, not only invisible characters.", code="empty_body"
        )
    return text


@transaction.atomic
def comment_create(
    *,
    article: Article,
    author: Commenter,
    body: str,
    parent_id: int | None = None,
    user_ip: str | None = None,
    user_agent: str = "",
) -> Comment:
    """Store a reader's comment and pass it through moderation.

    Answers with the comment in its status after the synchronous part of moderation:
    published, held, rejected, or still pending for the asynchronous pipeline.
    """
    site = article.site
    if not article.accepts_comments():
        raise ArticleClosed()
    text = check_body(site=site, body=body)

    parent = None
    depth = 0
    root_id = None
    if parent_id is not None:
        parent = _parent_in(article, parent_id)
        if parent is None or (parent.status != S.PUBLISHED and parent.author_id != author.pk):
            # Someone else's unpublished comment is answered as if it did not exist.
            raise InvalidInput(
                "The parent comment is not in this article.",
                code="invalid_parent",
                parent=parent_id,
            )
        if parent.status != S.PUBLISHED:
            raise Conflict(
                "Only published comments can be replied to.", code="parent_not_published"
            )
        # Deeper than the site allows: attach to the deepest allowed ancestor.
        while parent.depth >= site.max_depth and parent.parent_id is not None:
            parent = parent.parent if parent.parent else Comment.objects.get(pk=parent.parent_id)
        depth = parent.depth + 1
        root_id = parent.root_id or parent.pk

    comment = Comment(
        site=site,
        article=article,
        parent=parent,
        root_id=root_id,
        depth=depth,
        author=author,
        body=text,
        html=render_body(text),
        status=S.PENDING,
        user_ip=user_ip or None,
        user_agent=user_agent[:300],
    )
    rows.insert(comment)
    record_event(comment, kind=CommentEvent.Kind.CREATED, actor=Actor.author(comment))
    hooks.moderate(comment, reason="created")
    return comment


# Every reply runs it: the parent with its own parent, for the depth clamp.
_COMMENT_WITH_PARENT = rows.Select(Comment, related=("parent",), where=("pk", "article"))


def _parent_in(article: Article, parent_id: int) -> Comment | None:
    """The comment `parent_id` of `article` with its own parent, in one hand-written query
    (comments.rows)."""
    return _COMMENT_WITH_PARENT.get(parent_id, article.pk)


def _lock_comment(comment_id: int) -> Comment:
    comment = comments_locked("site", "article", "author").filter(pk=comment_id).first()
    if comment is None:
        raise NotFound()
    return comment


def forget_client_info(*, older_than: timedelta) -> int:
    """Erase the IP address and user agent of comments older than `older_than`."""
    cutoff = timezone.now() - older_than
    return (
        Comment.objects.filter(created_at__lt=cutoff)
        .exclude(user_ip__isnull=True, user_agent="")
        .update(user_ip=None, user_agent="")
    )


@transaction.atomic
def comment_edit(*, comment_id: int, editor: Commenter, body: str) -> Comment:
    """The author rewrites their comment within the site's edit window; it is moderated again."""
    comment = _lock_comment(comment_id)
    if comment.author_id != editor.pk:
        raise Forbidden("Only the author can edit a comment.", code="not_author")
    if comment.status in (S.DELETED, S.REMOVED):
        raise Conflict("This comment can no longer be edited.", code="not_editable")
    window = comment.site.edit_window_seconds
    if (timezone.now() - comment.created_at).total_seconds() > window:
        raise EditWindowClosed(edit_window_seconds=window)
    text = check_body(site=comment.site, body=body)
    if text == comment.body:
        return comment

    comment.body = text
    comment.html = render_body(text)
    comment.edited_at = timezone.now()
    Comment.objects.filter(pk=comment.pk).update(
        body=comment.body, html=comment.html, edited_at=comment.edited_at
    )
    actor = Actor.author(comment)
    record_event(comment, kind=CommentEvent.Kind.EDIT, actor=actor)
    if comment.status != S.PENDING:
        transition(comment, to=S.PENDING, actor=actor, note="Edited; moderated again.")
    hooks.moderate(comment, reason="edited")
    return comment


@transaction.atomic
def comment_delete(*, comment_id: int, by: Commenter) -> Comment:
    """The author deletes their comment; with replies it stays in the thread as a tombstone."""
    comment = _lock_comment(comment_id)
    if comment.author_id != by.pk:
        raise Forbidden("Only the author can delete a comment.", code="not_author")
    if comment.status != S.DELETED:
        transition(
            comment, to=S.DELETED, actor=Actor(ActorKind.AUTHOR, by.display_name, by.user_id)
        )
    return comment


@transaction.atomic
def vote_set(*, comment_id: int, voter: Commenter, value: int) -> Comment:
    """One vote per reader per comment; the score stays exact under concurrent votes.

    The comment's row lock serialises votes on one comment, and counters move by F().
    """
    comment = _lock_comment(comment_id)
    if comment.status != S.PUBLISHED:
        raise NotFound()
    if value not in (1, -1) or (value == -1 and not comment.site.allow_downvotes):
        raise InvalidInput(
            "This site accepts up-votes only." if value == -1 else "A vote is 1 or -1.",
            code="invalid_vote",
        )
    if comment.author_id == voter.pk:
        raise Forbidden("You cannot vote on your own comment.", code="own_comment")
    old = Vote.objects.filter(comment=comment, voter=voter).values_list("value", flat=True).first()
    if old == value:
        return comment
    if old is None:
        Vote.objects.create(comment=comment, voter=voter, value=value)
    else:
        Vote.objects.filter(comment=comment, voter=voter).update(value=value)
    _apply_vote_delta(comment, old or 0, value)
    return comment


@transaction.atomic
def vote_clear(*, comment_id: int, voter: Commenter) -> Comment:
    comment = _lock_comment(comment_id)
    old = Vote.objects.filter(comment=comment, voter=voter).values_list("value", flat=True).first()
    if old is not None:
        Vote.objects.filter(comment=comment, voter=voter).delete()
        _apply_vote_delta(comment, old, 0)
    return comment


def _apply_vote_delta(comment: Comment, old: int, new: int) -> None:
    changes: dict = {"score": F("score") + (new - old)}
    up = int(new == 1) - int(old == 1)
    down = int(new == -1) - int(old == -1)
    if up:
        changes["upvotes"] = F("upvotes") + up
    if down:
        changes["downvotes"] = F("downvotes") + down
    Comment.objects.filter(pk=comment.pk).update(**changes)
    comment.refresh_from_db(fields=["score", "upvotes", "downvotes"])
    article_bump_version(article_id=comment.article_id, site_id=comment.site_id, site=comment.site)
