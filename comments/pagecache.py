"""Cached thread pages and counts, the article version that keeps them fresh, and the HTTP
caching headers (docs/api.md, *Caching*).

The version. `Article.version` is bumped by `article_bump_version` (`UPDATE ... SET version =
version + 1`) in the transaction of every change an anonymous reader can see on the article's
pages: a status change that shows or hides a comment (the one state machine,
comments.lifecycle.transition, calls it), a vote, featuring, the article's own settings and its
commenters' names. The site's settings that shape a page (replies per comment, depth) are part
of each entry's stamp instead, so a site saved any way at all never meets an old page on the
normal path (the fast path, below, needs `site_pages_changed`).

The cache. The rendered bytes of each anonymous thread page, one entry per (article, sort,
cursor, limit), hold the stamp (version and site settings) they were rendered at; an entry whose
stamp is not the article's current one is a miss and is rendered again. The version is read
(comments.selectors.article_get) before the page's rows, from the same database, so the rows
are at least as new as the version they are stored under: an entry is never older than its
stamp. (With a read replica, config.db_router sends both reads of a GET to the replica.)
Counts are cached per (site, article keys), stamped with the keys' articles and versions.
Entries live PAGE_SECONDS at most; a cache that is down is skipped (served uncached), never an
error.

The fast path (comments.fastpath) answers a cached anonymous page without the database: it
reads the article's current version from a pointer in the cache instead (comments.pagestore).
The normal path leaves there what the fast path needs (`_fill`, in the round trip that reads
the entry); a bump marks the article dirty before its commit, and the announcement publishes
the committed version after it, so the fast path never serves a page the normal path would
not. What is not announced (a site saved without `site_pages_changed`, a deleted article)
reaches the fast path within comments.pagestore.POINTER_SECONDS.

Signed-in readers get the same shared page with their part merged in (`reader_page`): their
votes, their own comments' text and status, their own held, pending and rejected comments in
the places the database would give them. Their responses are `Cache-Control: private`.

After commit, every change is published to the fast path's pointers, then announced to the
listeners registered with `register_pages_listener` (pipeline.listeners.article_changed_outbox
sends the `article.changed` webhook, for a CDN's purge); rolled back, nothing is announced.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.db import DatabaseError, connections, router, transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags
from redis.exceptions import RedisError

from ops.metrics import record_page_cache

from . import rows
from .models import TOMBSTONE_STATUSES, Article, Comment, Commenter, CommentStatus, Site, Vote
from .pagestore import (
    Pointer,
    SitePart,
    Store,
    Where,
    article_scope,
    site_scope,
    store_for,
)
from .representation import author_fields, render_json, represent
from .selectors import (
    cursor_position,
    encode_cursor,
    sort_descending,
    sort_key,
    visible_q,
)

logger = logging.getLogger(__name__)

S = CommentStatus

# Part of every key: raise it when the shape of a cached body changes, so a deploy never
# serves the old shape. (2: entries are `<stamp>\n<ETag>\n<body>` bytes, comments.pagestore.)
FORMAT = 2
# How long an entry may stay in the cache (a newer version makes it a miss long before).
PAGE_SECONDS = 600
COUNTS_SECONDS = 60
# A reader with more comments than this on one article gets their page rendered for them.
OWN_COMMENTS_MERGED = 200
# What the cache raises when Redis is down or unreachable.
CACHE_ERRORS = (RedisError, OSError)

# Statuses in which a comment can be on an anonymous reader's page (a tombstone keeps its
# place while it has replies).
_PAGE_STATUSES = frozenset({S.PUBLISHED, *TOMBSTONE_STATUSES})
# The reader's own comments others do not see as theirs: merged into the shared page for them.
_HIDDEN_STATUSES = (S.PENDING, S.HELD, S.REJECTED, S.REMOVED)
# What `author_fields` reads of a comment.
_AUTHOR_FIELDS = (
    "id",
    "body",
    "status",
    "moderation_clause_id",
    "moderation_clause_title",
    "moderation_reason",
)
# What `represent` reads of a comment.
_OWN_FIELDS = (
    "id",
    "parent_id",
    "author_id",
    "body",
    "html",
    "status",
    "created_at",
    "edited_at",
    "score",
    "reply_count",
    "featured",
    "moderation_clause_id",
    "moderation_clause_title",
    "moderation_reason",
)


# The version ---------------------------------------------------------------------------------


def status_change_shows(from_status: str, to_status: str) -> bool:
    """Whether a status change can change an anonymous page: a comment, its tombstone or its
    parent's reply count appears or goes. Pending, held and rejected comments are only on
    their author's page, which is never cached."""
    return from_status in _PAGE_STATUSES or to_status in _PAGE_STATUSES


def article_bump_version(*, article_id: int, site_id: int, site: Site | None = None) -> None:
    """`UPDATE article SET version = version + 1`: every cached page of the article is stale
    from this transaction's commit on; its pages are announced after commit.

    Precondition: inside the transaction that makes the change (the bump commits with it).
    The row lock it takes is held to the end of that transaction, so call it last."""
    if connections[router.db_for_write(Article)].in_atomic_block:
        announcement, scopes = _announcement(site_id=site_id, site=site, article_ids=(article_id,))
        # The version this transaction commits (the row lock orders the bumps), so the
        # announcement need not read it back after the commit.
        version = rows.increment_returning(Article, article_id, "version", 1)
        if version is not None:
            announcement.bumped(article_id=article_id, site_id=site_id, version=version)
        # Marked dirty for the fast path (comments.pagestore) once the row lock is held, still
        # before the commit: while other writers' bumps queue for that lock, readers keep the
        # fast path (marked before the lock, a hot article with posts queueing on it was dirty
        # nearly all the time). The price is one Redis round trip more under the lock.
        _mark_dirty(scopes, announcement.token)
    else:
        rows.increment(Article, article_id, "version", 1)
        _announce_on_commit(site_id=site_id, site=site, article_ids=(article_id,))


def commenter_pages_changed(*, commenter_id: int) -> None:
    """A reader's display name or picture changed, or they are about to be deleted with their
    comments: bump every article they commented on.

    Precondition: inside the transaction that makes the change."""
    found = list(
        Comment.objects.filter(author_id=commenter_id)
        .values_list("article_id", "site_id")
        .distinct()
        .order_by("article_id")
    )
    if not found:
        return
    for article_id, site_id in found:
        _announce_on_commit(site_id=site_id, site=None, article_ids=(article_id,))
    Article.objects.filter(pk__in=[article for article, _ in found]).update(
        version=F("version") + 1
    )


def site_pages_changed(*, site: Site) -> None:
    """A site's settings were saved. Parley's own entries need no bump (their stamp holds the
    settings that shape a page); the fast path's copy of the site's settings
    (comments.pagestore) is replaced after commit, and every page of the site is announced,
    for caches outside Parley. A site saved without this call reaches the fast path within
    comments.pagestore.POINTER_SECONDS.

    Precondition: inside the transaction that saves the site, or after it."""
    _announce_on_commit(site_id=site.pk, site=site, article_ids=())


def versions_bumped_quietly(*, article_ids: Iterable[int]) -> None:
    """The caller bumped these articles' versions itself in this transaction (a bulk `UPDATE
    ... SET version = version + 1`, e.g. an import) and tells no listener (no webhook): the
    fast path sees the new versions after the commit, as it does an announced change's.
    Without this call it sees them within comments.pagestore.POINTER_SECONDS.

    Precondition: inside that transaction (call it before the `UPDATE`, or after it)."""
    ids = sorted(set(article_ids))
    if not ids:
        return
    publication = _QuietPublication(ids)
    _mark_dirty([article_scope(pk) for pk in ids], publication.token)
    transaction.on_commit(publication, using=router.db_for_write(Article), robust=True)


# Announcing changes after commit -------------------------------------------------------------


@dataclass(frozen=True)
class PagesChanged:
    """Pages that changed in a committed transaction: the site's articles `article_ids`, or
    every page of the site when it is empty. `site` is the row when the change had it."""

    site_id: int
    article_ids: tuple[int, ...]
    site: Site | None = None

    @property
    def surrogate_keys(self) -> list[str]:
        return surrogate_keys(site_id=self.site_id, article_ids=self.article_ids)


PagesListener = Callable[[PagesChanged], None]
_listeners: list[PagesListener] = []


def register_pages_listener(listener: PagesListener) -> None:
    """Call `listener` after the commit of every transaction that changed pages (once per
    listener; from an AppConfig). It runs outside that transaction, in the request or task
    that committed: it may write rows and schedule work, nothing slower."""
    if listener not in _listeners:
        _listeners.append(listener)


@dataclass
class PagesAnnouncement:
    """The after-commit callback of the pages one transaction (at one savepoint depth)
    changed: it publishes the committed versions to the fast path's pointers
    (comments.pagestore), then tells the listeners. Not a task: it sends nothing by itself."""

    sites: dict[int, Site | None] = field(default_factory=dict)
    articles: dict[int, set[int]] = field(default_factory=dict)
    whole_sites: set[int] = field(default_factory=set)
    # Names this transaction's dirty marks (comments.pagestore).
    token: str = field(default_factory=lambda: secrets.token_hex(8))
    # Article id -> (site id, version) this transaction set (article_bump_version); the
    # versions of the others are read after the commit.
    versions: dict[int, tuple[int, int]] = field(default_factory=dict)

    def bumped(self, *, article_id: int, site_id: int, version: int) -> None:
        known = self.versions.get(article_id)
        if known is None or known[1] < version:
            self.versions[article_id] = (site_id, version)

    def add(self, *, site_id: int, site: Site | None, article_ids: Iterable[int]) -> list[str]:
        """Add a change; returns the dirty-mark scopes it adds (those not marked yet)."""
        if self.sites.get(site_id) is None:
            self.sites[site_id] = site
        ids = tuple(article_ids)
        if ids:
            known = self.articles.setdefault(site_id, set())
            new = [pk for pk in dict.fromkeys(ids) if pk not in known]
            known.update(new)
            return [article_scope(pk) for pk in new]
        if site_id in self.whole_sites:
            return []
        self.whole_sites.add(site_id)
        return [site_scope(site_id)]

    def __call__(self) -> None:
        _publish(self)
        for site_id, site in self.sites.items():
            ids = () if site_id in self.whole_sites else tuple(sorted(self.articles[site_id]))
            change = PagesChanged(site_id=site_id, article_ids=ids, site=site)
            for listener in _listeners:
                listener(change)


@dataclass
class _QuietPublication:
    """The after-commit callback of `versions_bumped_quietly`: publishes, tells no one."""

    article_ids: list[int]
    token: str = field(default_factory=lambda: secrets.token_hex(8))

    def __call__(self) -> None:
        quiet = PagesAnnouncement(token=self.token)
        quiet.articles[0] = set(self.article_ids)
        _publish(quiet)


def page_store() -> Store:
    """Where the default cache keeps pages and the fast path's pointers."""
    return store_for(caches[DEFAULT_CACHE_ALIAS])


def _mark_dirty(scopes: list[str], token: str) -> None:
    store = page_store()
    if not scopes or not store.pointers:
        return
    try:
        store.mark_dirty(scopes, token)
    except CACHE_ERRORS:
        logger.warning("Fast path not marked: the cache is unavailable")


def _publish(announcement: PagesAnnouncement) -> None:
    """After commit: the committed versions of the announced articles (read from the primary,
    so at least as new as this transaction's) and the announced sites' settings go to the
    fast path; this transaction's dirty marks come off."""
    store = page_store()
    if not store.pointers:
        return
    using = router.db_for_write(Article)
    article_ids = sorted(pk for ids in announcement.articles.values() for pk in ids)
    known = announcement.versions
    pointers = [
        Pointer(article_id=pk, site_id=known[pk][0], version=known[pk][1])
        for pk in article_ids
        if pk in known
    ]
    unknown = [pk for pk in article_ids if pk not in known]
    try:
        if unknown:
            pointers += [
                Pointer(article_id=pk, site_id=site_id, version=version)
                for pk, site_id, version in Article.objects.using(using)
                .filter(pk__in=unknown)
                .values_list("pk", "site_id", "version")
            ]
        sites = (
            [
                SitePart.of(site)
                for site in Site.objects.using(using).filter(pk__in=announcement.whole_sites)
            ]
            if announcement.whole_sites
            else []
        )
    except DatabaseError:
        logger.exception("Fast path not published: the database read failed")
        return
    scopes = [article_scope(pk) for pk in article_ids]
    scopes += [site_scope(pk) for pk in sorted(announcement.whole_sites)]
    try:
        store.publish(pointers=pointers, sites=sites, scopes=scopes, token=announcement.token)
    except CACHE_ERRORS:
        logger.warning("Fast path not published: the cache is unavailable")


def _announce_on_commit(
    *, site_id: int, site: Site | None, article_ids: Iterable[int]
) -> PagesAnnouncement:
    """The transaction's announcement, with this change added and marked dirty at once."""
    announcement, scopes = _announcement(site_id=site_id, site=site, article_ids=article_ids)
    _mark_dirty(scopes, announcement.token)
    return announcement


def _announcement(
    *, site_id: int, site: Site | None, article_ids: Iterable[int]
) -> tuple[PagesAnnouncement, list[str]]:
    """The transaction's announcement with this change added, and the dirty-mark scopes the
    caller must mark before the commit (those not marked yet)."""
    using = router.db_for_write(Article)
    conn = connections[using]
    pending = None
    if conn.in_atomic_block:
        # One announcement per transaction: join the one already waiting at this savepoint
        # depth (one at another depth would be dropped with its savepoint's rollback).
        savepoints = set(conn.savepoint_ids)
        for entry in conn.run_on_commit:
            if isinstance(entry[1], PagesAnnouncement) and entry[0] == savepoints:
                pending = entry[1]
                break
    if pending is not None:
        return pending, pending.add(site_id=site_id, site=site, article_ids=article_ids)
    pending = PagesAnnouncement()
    scopes = pending.add(site_id=site_id, site=site, article_ids=article_ids)
    # robust: a listener's failure is logged, and the committed change still answers.
    transaction.on_commit(pending, using=using, robust=True)
    return pending, scopes


def surrogate_keys(*, site_id: int, article_ids: Iterable[int] = ()) -> list[str]:
    """The cache tags of a response: the site's, then each article's."""
    return [f"parley-site-{site_id}", *(f"parley-article-{pk}" for pk in article_ids)]


# The cache (fails open) ----------------------------------------------------------------------


def _cache_get(key: str) -> Any:
    try:
        return cache.get(key)
    except CACHE_ERRORS:
        logger.warning("Page cache not read: the cache is unavailable")
        return None


def _cache_set(key: str, value: Any, seconds: int) -> None:
    try:
        cache.set(key, value, seconds)
    except CACHE_ERRORS:
        logger.warning("Page cache not written: the cache is unavailable")


def key_digest(text: str) -> str:
    """The digest that names a cursor, an article key or a list of keys in cache keys."""
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def etag_of(content: bytes) -> str:
    """A strong entity tag: the digest of the exact bytes sent."""
    return '"' + hashlib.blake2b(content, digest_size=16).hexdigest() + '"'


@dataclass(frozen=True)
class Body:
    """A response body with its entity tag; `hit` when it came from the cache."""

    content: bytes
    etag: str
    hit: bool
    key: str = ""  # its cache key, for what is derived from it


# Entries: `<stamp JSON>\n<ETag>\n<body>`. The stamp says what the body was rendered from; an
# entry whose stamp is not the current one is a miss (here, and in comments.fastpath).


def entry_bytes(stamp: list, etag: str, content: bytes) -> bytes:
    head = json.dumps(stamp, separators=(",", ":")).encode()
    return head + b"\n" + etag.encode() + b"\n" + content


def entry_parts(blob: bytes | None) -> tuple[list, str, bytes] | None:
    """(stamp, ETag, body) of an entry, or None for anything else."""
    if not blob:
        return None
    try:
        head, etag, content = blob.split(b"\n", 2)
        return json.loads(head), etag.decode(), content
    except ValueError:  # a short entry, bad JSON or bad UTF-8
        return None


def thread_entry_rest(*, sort: str, limit: int, cursor: str | None) -> str:
    """A thread page's entry key after `page:`, with `{id}` for the article's id."""
    return f"{FORMAT}:thread:{{id}}:{sort}:{limit}:{key_digest(cursor or '')}"


def thread_stamp(*, article_id: int, version: int, site: SitePart, key: str) -> list:
    """What an anonymous thread page is rendered from: the article (and the URL that named
    it), its version and the site's settings that shape the page."""
    return [article_id, version, site.replies_per_comment, site.max_depth, site.slug, key]


def counts_entry_key(*, slug: str, keys: list[str]) -> str:
    return f"page:{FORMAT}:counts:{slug}:{key_digest(json.dumps(keys))}"


def counts_stamp(*, site_id: int, slug: str, pointers: Iterable[Pointer]) -> list:
    """What counts are rendered from: the site and the versions of the articles that exist."""
    versions = sorted({(p.article_id, p.version) for p in pointers})
    return [site_id, slug, [list(v) for v in versions]]


def _pointer(article: Article) -> Pointer:
    return Pointer(article_id=article.pk, site_id=article.site_id, version=article.version)


def _fill(
    *, entry_key: str, articles: list[Article], site: Site, part: SitePart
) -> tuple[bytes | None, bool]:
    """The entry, read in the round trip that stores what the fast path needs, and whether
    the cache answered (when it did not, nothing else asks it in this request)."""
    try:
        entry = page_store().fill(
            entry_key=entry_key,
            wheres=[Where(site.slug, key_digest(a.key), a.pk) for a in articles],
            pointers=[_pointer(a) for a in articles],
            site=part,
        )
    except CACHE_ERRORS:
        logger.warning("Page cache not read: the cache is unavailable")
        return None, False
    return entry, True


def _set_entry(key: str, blob: bytes, seconds: int) -> None:
    try:
        page_store().set_entry(key, blob, seconds)
    except CACHE_ERRORS:
        logger.warning("Page cache not written: the cache is unavailable")


def thread_body(
    *, article: Article, sort: str, cursor: str | None, limit: int, render: Callable[[], bytes]
) -> Body:
    """The anonymous page's bytes from the cache, or `render()`ed and stored.

    Precondition: `article` (with its site) was read in this request before `render` reads
    the page's rows, from the same database (comments.selectors.article_get)."""
    part = SitePart.of(article.site)
    key = "page:" + thread_entry_rest(sort=sort, limit=limit, cursor=cursor).replace(
        "{id}", str(article.pk), 1
    )
    stamp = thread_stamp(article_id=article.pk, version=article.version, site=part, key=article.key)
    blob, cache_up = _fill(entry_key=key, articles=[article], site=article.site, part=part)
    entry = entry_parts(blob)
    hit = entry is not None and entry[0] == stamp
    record_page_cache(hit)
    if entry is not None and hit:
        return Body(entry[2], entry[1], hit=True, key=key)
    content, etag = _render_once(key, stamp, render, shared=cache_up)
    return Body(content, etag, hit=False, key=key)


class _Flight:
    """One thread's rendering of a page at a stamp, which the others asking for the same
    wait for (`_render_once`)."""

    __slots__ = ("done", "result")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.result: tuple[bytes, str] | None = None


_flights: dict[tuple[str, str], _Flight] = {}
_flights_lock = threading.Lock()
# How long a request waits for another thread rendering the same page before rendering it
# itself (a render takes milliseconds; this only bounds a stuck one).
FLIGHT_WAIT_SECONDS = 5.0
# How often a process waiting for another's render of a page asks for it: first after this
# many seconds, then twice as long each time, up to FLIGHT_MAX_PAUSE.
FLIGHT_FIRST_PAUSE = 0.002
FLIGHT_MAX_PAUSE = 0.016


def _render_once(
    key: str, stamp: list, render: Callable[[], bytes], *, shared: bool = True
) -> tuple[bytes, str]:
    """The page's bytes and ETag, `render()`ed and stored, by one thread of this process at a
    time for the same entry and stamp: after a change, every reader of a hot page misses at
    once, and without this each of a process's threads would render the same bytes. Those who
    wait get the bytes the first rendered, which read the article's rows after its version,
    as their own render would have: never older than the stamp they asked for. That first
    thread also takes its turn among the processes (`_render_shared`) unless `shared` is
    False (the cache is down)."""
    name = (key, json.dumps(stamp))
    with _flights_lock:
        flight = _flights.get(name)
        first = flight is None
        if flight is None:
            flight = _flights[name] = _Flight()
    if not first:
        if flight.done.wait(FLIGHT_WAIT_SECONDS) and flight.result is not None:
            return flight.result
        content = render()  # the first failed, or is stuck: render for this request
        return content, etag_of(content)
    try:
        if shared:
            flight.result = _render_shared(key, stamp, render)
        else:
            content = render()
            flight.result = (content, etag_of(content))
        return flight.result
    finally:
        with _flights_lock:
            _flights.pop(name, None)
        flight.done.set()


def _render_shared(key: str, stamp: list, render: Callable[[], bytes]) -> tuple[bytes, str]:
    """The page rendered and stored once for every process sharing the cache: after a change
    to a hot article, each web process (on every node) would otherwise render the same page.
    The first to claim the page's flight at this stamp renders it; the others ask again every
    few milliseconds until the entry at this stamp is stored, and get its bytes (rendered
    from rows read after the version they asked at, as their own render would be). A claim
    that lapses (its process died), a render that failed, a cache that fails, or waiting
    longer than FLIGHT_WAIT_SECONDS: the asker renders for itself."""
    store = page_store()
    head = json.dumps(stamp, separators=(",", ":")).encode() + b"\n"
    flight = key_digest(head.decode())
    token = secrets.token_hex(8)
    holds = False
    deadline = time.monotonic() + FLIGHT_WAIT_SECONDS
    pause = FLIGHT_FIRST_PAUSE
    while True:
        try:
            claimed = store.claim_render(key, head, flight, token)
        except CACHE_ERRORS:
            logger.warning("Page flight not claimed: the cache is unavailable")
            break
        if isinstance(claimed, bytes):
            entry = entry_parts(claimed)
            if entry is not None and entry[0] == stamp:
                return entry[2], entry[1]
            break
        if claimed:
            holds = True
            break
        if time.monotonic() + pause > deadline:
            break
        time.sleep(pause)
        pause = min(pause * 2, FLIGHT_MAX_PAUSE)
    try:
        content = render()
        etag = etag_of(content)
        _set_entry(key, entry_bytes(stamp, etag, content), PAGE_SECONDS)
        return content, etag
    finally:
        if holds:
            try:
                store.release_render(key, flight, token)
            except CACHE_ERRORS:
                logger.warning("Page flight not released: the cache is unavailable")


def counts_body(
    *, site: Site, keys: list[str], articles: list[Article], render: Callable[[], bytes]
) -> Body:
    """The counts' bytes for `keys` from the cache, or `render()`ed and stored; `articles`
    are those of the keys that exist, with their versions, read before `render` runs."""
    key = counts_entry_key(slug=site.slug, keys=keys)
    stamp = counts_stamp(site_id=site.pk, slug=site.slug, pointers=map(_pointer, articles))
    blob, _ = _fill(entry_key=key, articles=articles, site=site, part=SitePart.of(site))
    entry = entry_parts(blob)
    if entry is not None and entry[0] == stamp:
        return Body(entry[2], entry[1], hit=True)
    content = render()
    etag = etag_of(content)
    _set_entry(key, entry_bytes(stamp, etag, content), COUNTS_SECONDS)
    return Body(content, etag, hit=False)


# HTTP ----------------------------------------------------------------------------------------

CACHE_STATUS_HEADER = "X-Parley-Cache"
PRIVATE = "private, no-cache"


def etag_matches(if_none_match: str, etag: str) -> bool:
    """Whether an If-None-Match header holds `etag` (the answer is then 304)."""
    return _matches(if_none_match, etag)


def _matches(if_none_match: str, etag: str) -> bool:
    # If-None-Match compares weakly (RFC 9110, 13.1.2): W/"x" matches "x".
    if not if_none_match:
        return False
    tags = parse_etags(if_none_match)
    return "*" in tags or any(tag.removeprefix("W/") == etag for tag in tags)


def _conditional(request: HttpRequest, body: Body) -> HttpResponse:
    """200 with the body, or 304 without it when the client holds these bytes."""
    response: HttpResponse
    if _matches(request.headers.get("If-None-Match", ""), body.etag):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body.content, content_type="application/json")
    response["ETag"] = body.etag
    response[CACHE_STATUS_HEADER] = "hit" if body.hit else "miss"
    # A shared cache must not give an anonymous page to a signed-in reader, nor the reverse.
    patch_vary_headers(response, ("Authorization", "Cookie"))
    return response


def public_response(
    request: HttpRequest, body: Body, *, site: Site | SitePart, article_ids: Iterable[int]
) -> HttpResponse:
    """An anonymous page: cacheable by browsers and CDNs for the site's times, tagged with
    the site and its articles for purging. (`site` is the row, or the fast path's copy.)"""
    response = _conditional(request, body)
    response["Cache-Control"] = (
        f"public, max-age={site.http_max_age}, s-maxage={site.http_s_maxage}, "
        f"stale-while-revalidate={site.http_stale_while_revalidate}"
    )
    site_id = site.site_id if isinstance(site, SitePart) else site.pk
    keys = surrogate_keys(site_id=site_id, article_ids=article_ids)
    response["Surrogate-Key"] = " ".join(keys)  # Fastly, Varnish (xkey)
    response["Cache-Tag"] = ",".join(keys)  # Cloudflare, Akamai
    return response


def private_response(
    request: HttpRequest, *, etag: str, build: Callable[[], bytes], shared_hit: bool
) -> HttpResponse:
    """A page for one reader: only their browser may keep it, and must ask again each time
    (answered 304, without building the page, when nothing changed)."""
    if _matches(request.headers.get("If-None-Match", ""), etag):
        response = _conditional(request, Body(b"", etag, shared_hit))
    else:
        response = _conditional(request, Body(build(), etag, shared_hit))
    response["Cache-Control"] = PRIVATE
    return response


# The signed-in reader's part -----------------------------------------------------------------


def _index(nodes: list[dict], into: dict[int, dict]) -> None:
    for node in nodes:
        into[node["id"]] = node
        _index(node["replies"], into)


def _node_key(sort: str, node: dict) -> tuple:
    return sort_key(
        sort,
        created_at=datetime.fromisoformat(node["created_at"]),
        score=node["score"],
        pk=node["id"],
    )


def _comment_key(sort: str, comment: Comment) -> tuple:
    return sort_key(sort, created_at=comment.created_at, score=comment.score, pk=comment.pk)


def _public(comment: Comment) -> bool:
    """On the anonymous page (comments.selectors.visible_q without a viewer)."""
    return comment.status == S.PUBLISHED or (
        comment.status in TOMBSTONE_STATUSES and comment.reply_count > 0
    )


@dataclass(frozen=True)
class ReaderPage:
    """A signed-in reader's page: its strong entity tag, known before the page is built (a
    digest of everything the page is built from), and how to build it."""

    etag: str
    build: Callable[[], bytes]


def reader_page(
    *,
    shared: Body,
    article: Article,
    viewer: Commenter,
    sort: str,
    cursor: str | None,
    limit: int,
) -> ReaderPage | None:
    """The signed-in reader's page, built from the shared anonymous page `shared` (the same
    article, sort, cursor and limit) and two small queries: the reader's own comments there
    that others do not see as theirs (pending, held, rejected, removed) and their votes on
    the article; building the page reads their own comments the page shows (one more query
    when there are any). The same JSON as comments.selectors.thread_page renders for them;
    None when it cannot be merged exactly (more than OWN_COMMENTS_MERGED hidden comments, or
    one that has replies): then the caller renders the page for the reader."""
    site = article.site
    # The reader's own comments that others do not see as theirs. (Their published ones are
    # on the shared page under their name; how their author sees them follows from it and
    # the article's version, which any edit bumps.)
    own_comments = list(
        Comment.objects.filter(
            article_id=article.pk,
            author_id=viewer.pk,
            depth__lte=site.max_depth,
            status__in=_HIDDEN_STATUSES,
        )
        .only(*_OWN_FIELDS)
        .order_by("created_at", "pk")[: OWN_COMMENTS_MERGED + 1]
    )
    if len(own_comments) > OWN_COMMENTS_MERGED:
        return None
    hidden = [c for c in own_comments if not _public(c)]
    # Only leaves can be placed from the shared page: replies under a comment hidden from
    # others are on no shared page (its subtree was never read).
    if hidden and (
        Comment.objects.filter(visible_q(viewer), parent_id__in=[c.pk for c in hidden]).exists()
    ):
        return None
    # All their votes on the article: a fixed, cheap statement to build, where a list of the
    # page's ids (hundreds) costs more to compile than the lookup itself.
    votes = dict(
        Vote.objects.filter(voter_id=viewer.pk, comment__article_id=article.pk).values_list(
            "comment_id", "value"
        )
    )
    etag = reader_etag(
        shared_etag=shared.etag,
        viewer_id=viewer.pk,
        sort=sort,
        cursor=cursor,
        limit=limit,
        replies_per_comment=site.replies_per_comment,
        own_rows=[[getattr(c, name) for name in _OWN_FIELDS] for c in own_comments],
        votes=votes,
    )

    def build() -> bytes:
        if not own_comments:
            # The common case: only their votes differ from the shared page, filled into a
            # template of it without parsing it, unless the page shows one of their comments.
            template = _votes_template(shared)
            if not shows_author(template, viewer.public_id):
                return fill_votes(template, votes)
        return _merged(
            shared.content,
            own_comments=own_comments,
            hidden=hidden,
            votes=votes,
            viewer=viewer,
            per_parent=site.replies_per_comment if site.max_depth else 0,
            sort=sort,
            cursor=cursor,
            limit=limit,
        )

    return ReaderPage(etag, build)


# In a votes template, each comment's `your_vote` is the string "\x00<its id>", written by
# JSON as "\u0000<id>": a comment's own text can never hold that as a whole string value
# (its quotes would be escaped), so the pattern finds exactly the slots.
_VOTE_SLOT = re.compile(rb'"\\u0000(\d+)"')


def _votes_template(shared: Body) -> bytes:
    """The shared page as a signed-in reader gets it, with a slot for their vote on each
    comment; cached beside the page (keyed by its ETag), built from it on a miss."""
    key = f"{shared.key}:votes"
    entry = _cache_get(key) if shared.key else None
    if isinstance(entry, tuple) and len(entry) == 2 and entry[0] == shared.etag:
        return entry[1]
    template = votes_template_of(shared.content)
    if shared.key:
        _cache_set(key, (shared.etag, template), PAGE_SECONDS)
    return template


def votes_template_of(content: bytes) -> bytes:
    """The shared page `content` with a slot for the reader's vote on each comment."""
    page = json.loads(content)
    nodes: list[dict] = []
    _collect(page["results"], nodes)
    for node in nodes:
        node["your_vote"] = f"\x00{node['id']}"
    return render_json(page)


def fill_votes(
    template: bytes, votes: dict[int, int], own: dict[int, bytes] | None = None
) -> bytes:
    """A votes template with the reader's votes (0 where they have none) and, after the vote
    slot of each comment of theirs in `own`, what its author sees of it (`author_additions`).
    Their own comment carries no vote, as `_merged` builds it: readers cannot vote on their
    own comments."""
    own = own or {}

    def slot(match: re.Match[bytes]) -> bytes:
        pk = int(match.group(1))
        added = own.get(pk)
        return b"0" + added if added is not None else b"%d" % votes.get(pk, 0)

    return _VOTE_SLOT.sub(slot, template)


def _authored_pattern(public_id: str) -> re.Pattern[bytes]:
    # How `represent` starts a node with an author: its id, its parent, the author's id (the
    # compact JSON of render_json; a comment's text cannot hold it, its quotes are escaped).
    return re.compile(
        rb'\{"id":(\d+),"parent":(?:null|\d+),"author":\{"id":"'
        + re.escape(public_id.encode())
        + rb'"'
    )


def author_additions(
    template: bytes, *, commenter_id: int, public_id: str
) -> dict[int, bytes] | None:
    """What the author of comments shown on a shared page (`template`, a votes template) sees
    of them besides what everyone sees, by comment id: the bytes `represent` adds for its
    author after `your_vote` (`author_fields`), read in one statement on the primary (as
    committed, like `reader_part`). None when a comment the page shows under their name is no
    longer theirs to see that way, or is not where `represent` puts an author: the caller then
    takes the normal path."""
    ids = {int(m.group(1)) for m in _authored_pattern(public_id).finditer(template)}
    if not ids:
        return None
    found = (
        Comment.objects.using(router.db_for_write(Comment))
        .filter(pk__in=ids, author_id=commenter_id)
        .exclude(status=S.DELETED)
        .only(*_AUTHOR_FIELDS)
    )
    additions = {c.pk: b"," + render_json(author_fields(c))[1:-1] for c in found}
    return additions if len(additions) == len(ids) else None


def shows_author(template: bytes, public_id: str) -> bool:
    """Whether the page shows a comment of this author (whose page then shows it as its
    author sees it: body, status)."""
    return b'"id":"' + public_id.encode() + b'"' in template


def reader_etag(
    *,
    shared_etag: str,
    viewer_id: int,
    sort: str,
    cursor: str | None,
    limit: int,
    replies_per_comment: int,
    own_rows: list[list],
    votes: dict[int, int],
) -> str:
    """A signed-in reader's page's strong entity tag: a digest of everything it is built
    from (the shared page's ETag, the reader, the page asked for, the site's setting, their
    own comments' fields and their votes)."""
    inputs = [
        FORMAT,
        shared_etag,
        viewer_id,
        sort,
        cursor,
        limit,
        replies_per_comment,
        own_rows,
        sorted(votes.items()),
    ]
    return etag_of(json.dumps(inputs, default=str).encode())


@dataclass(frozen=True)
class ReaderPart:
    """What a signed-in reader's page of an article needs beyond the shared page, read with
    their token (`reader_part`)."""

    commenter_id: int
    public_id: str
    has_hidden: bool  # comments of theirs on the article that others do not see as theirs
    votes: dict[int, int]


_READER_PART_SQL: dict[str, str] = {}
# PostgreSQL connections (the driver's own objects) on which the reader part's statement is
# prepared: planning it costs ten times as much as running it (about 1 ms against 0.1 ms).
_prepared: weakref.WeakSet[Any] = weakref.WeakSet()
_PREPARED_NAME = "parley_reader_part"


def _reader_part_sql(conn: Any) -> str:
    """The statement, with `%s` placeholders: article, the hidden statuses, article, key."""
    sql = _READER_PART_SQL.get(conn.alias)
    if sql is None:
        from django.contrib.auth import get_user_model
        from rest_framework.authtoken.models import Token

        q = conn.ops.quote_name
        user, token = get_user_model()._meta, Token._meta
        commenter, comment, vote = Commenter._meta, Comment._meta, Vote._meta

        def col(meta: Any, name: str) -> str:
            return q(meta.get_field(name).column)

        hidden = ", ".join(["%s"] * len(_HIDDEN_STATUSES))
        sql = _READER_PART_SQL[conn.alias] = (
            f"SELECT c.{col(commenter, 'id')}, c.{col(commenter, 'public_id')}, "  # noqa: S608
            f"EXISTS (SELECT 1 FROM {q(comment.db_table)} h"
            f" WHERE h.{col(comment, 'article')} = %s"
            f" AND h.{col(comment, 'author')} = c.{col(commenter, 'id')}"
            f" AND h.{col(comment, 'status')} IN ({hidden})), "
            f"v.{col(vote, 'comment')}, v.{col(vote, 'value')} "
            f"FROM {q(token.db_table)} t "
            f"JOIN {q(user.db_table)} u ON u.{q(user.pk.column)} = t.{col(token, 'user')} "
            f"JOIN {q(commenter.db_table)} c ON c.{col(commenter, 'user')} = "
            f"u.{q(user.pk.column)} "
            f"LEFT JOIN {q(vote.db_table)} v ON v.{col(vote, 'voter')} = c.{col(commenter, 'id')}"
            f" AND EXISTS (SELECT 1 FROM {q(comment.db_table)} vc"
            f" WHERE vc.{col(comment, 'id')} = v.{col(vote, 'comment')}"
            f" AND vc.{col(comment, 'article')} = %s) "
            f"WHERE t.{col(token, 'key')} = %s AND u.{col(user, 'is_active')}"
        )
    return sql


def recycle_primary_connection() -> None:
    """For a caller outside Django's request cycle (the fast path), what close_old_connections
    does at a request's start to the connection :func:`reader_part` uses: closed once older than
    CONN_MAX_AGE, or unusable after an error, so its next statement opens a fresh one. Never
    inside a transaction (a test's, or a caller's own).

    Without Django's health check (CONN_HEALTH_CHECKS' `SELECT 1`, a round trip before the
    first statement of every request): a connection the server dropped fails the reader's
    statement instead, that request falls through to the normal path (which opens a fresh
    connection), and the error this leaves on the connection makes the next call here test
    and close it."""
    conn = connections[router.db_for_write(Article)]
    if not conn.in_atomic_block:
        conn.close_if_unusable_or_obsolete()
        conn.health_check_done = True  # type: ignore[attr-defined]  # not in django-stubs


def reader_part(*, token_key: str, article_id: int) -> ReaderPart | None:
    """The reader behind an API token (`Authorization: Token <key>`, checked as
    comments.authentication.ReaderTokenAuthentication checks it: the token exists and its
    user is active) with their part of `article_id`'s pages, in one statement on the primary:
    None when the token is unknown, its user inactive or without a commenter profile.

    On PostgreSQL the statement is prepared once per connection (`PREPARE`, one more
    statement the first time) and run with `EXECUTE`."""
    conn = connections[router.db_for_write(Article)]  # the primary: as committed
    params: list[Any] = [article_id, *_HIDDEN_STATUSES, article_id, token_key]
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            raw = conn.connection
            if raw not in _prepared:
                numbered = _reader_part_sql(conn) % tuple(f"${i}" for i in range(1, 8))
                cursor.execute(f"PREPARE {_PREPARED_NAME} AS {numbered}")
                _prepared.add(raw)
            try:
                cursor.execute(f"EXECUTE {_PREPARED_NAME} (%s, %s, %s, %s, %s, %s, %s)", params)
            except DatabaseError:
                _prepared.discard(raw)  # prepared again next time (e.g. after DEALLOCATE)
                raise
        else:
            cursor.execute(_reader_part_sql(conn), params)
        found = cursor.fetchall()
    if not found:
        return None
    commenter_id, public_id, has_hidden = found[0][0], found[0][1], bool(found[0][2])
    votes = {row[3]: row[4] for row in found if row[3] is not None}
    return ReaderPart(commenter_id, public_id, has_hidden, votes)


def _merged(
    shared: bytes,
    *,
    own_comments: list[Comment],
    hidden: list[Comment],
    votes: dict[int, int],
    viewer: Commenter,
    per_parent: int,
    sort: str,
    cursor: str | None,
    limit: int,
) -> bytes:
    page = json.loads(shared)
    results: list[dict] = page["results"]
    next_cursor: str | None = page["next_cursor"]
    nodes: dict[int, dict] = {}
    _index(results, nodes)
    published = [
        pk
        for pk, node in nodes.items()
        if node["author"] is not None and node["author"]["id"] == viewer.public_id
    ]
    if published:
        own_comments = [
            *own_comments,
            *Comment.objects.filter(pk__in=published, author_id=viewer.pk).only(*_OWN_FIELDS),
        ]
    for own in own_comments:
        own.author = viewer
        node = nodes.get(own.pk)
        if node is not None:  # shown as anyone sees it: show it as its author does
            replies = node["replies"]
            node.clear()
            node.update(represent(own, viewer.pk))
            node["replies"] = replies
    if hidden:
        results, next_cursor = _place_top_level(
            [c for c in hidden if c.parent_id is None],
            results=results,
            next_cursor=next_cursor,
            viewer=viewer,
            sort=sort,
            cursor=cursor,
            limit=limit,
        )
        if per_parent:
            _place_replies(
                [c for c in hidden if c.parent_id is not None],
                nodes=nodes,
                viewer=viewer,
                per_parent=per_parent,
            )
    shown: list[dict] = []
    _collect(results, shown)
    for node in shown:
        if "your_vote" not in node:
            node["your_vote"] = votes.get(node["id"], 0)
    return render_json({"results": results, "next_cursor": next_cursor})


def _collect(nodes: list[dict], into: list[dict]) -> None:
    for node in nodes:
        into.append(node)
        _collect(node["replies"], into)


def _place_top_level(
    hidden: list[Comment],
    *,
    results: list[dict],
    next_cursor: str | None,
    viewer: Commenter,
    sort: str,
    cursor: str | None,
    limit: int,
) -> tuple[list[dict], str | None]:
    """Merge the reader's hidden top-level comments after `cursor` into the page, in `sort`
    order, and cut it to `limit` as the keyset page would be."""
    descending = sort_descending(sort)
    if cursor:
        position = cursor_position(sort, cursor)
        hidden = [
            c
            for c in hidden
            if (
                _comment_key(sort, c) < position if descending else _comment_key(sort, c) > position
            )
        ]
    if not hidden:
        return results, next_cursor
    merged = sorted(
        [(_node_key(sort, n), n) for n in results]
        + [(_comment_key(sort, c), represent(c, viewer.pk)) for c in hidden],
        key=lambda pair: pair[0],
        reverse=descending,
    )
    # The shared page had `limit` items and more after them, or the merge overflows: the
    # reader's page ends at its `limit`th item.
    if next_cursor is not None or len(merged) > limit:
        merged = merged[:limit]
        last = merged[-1][1]
        next_cursor = encode_cursor(
            sort,
            created_at=datetime.fromisoformat(last["created_at"]),
            score=last["score"],
            pk=last["id"],
        )
    return [node for _, node in merged], next_cursor


def _place_replies(
    hidden: list[Comment], *, nodes: dict[int, dict], viewer: Commenter, per_parent: int
) -> None:
    """Put the reader's hidden replies among the first `per_parent` replies of their parent,
    oldest first, as comments.selectors.attach_replies would (a reply pushed out takes its
    own replies with it)."""
    for comment in sorted(hidden, key=lambda c: (c.created_at, c.pk)):
        parent = nodes.get(comment.parent_id or 0)
        if parent is None:
            continue  # its parent is not on the page
        node = represent(comment, viewer.pk)
        siblings: list[dict] = parent["replies"]
        siblings.append(node)
        siblings.sort(key=lambda n: (datetime.fromisoformat(n["created_at"]), n["id"]))
        del siblings[per_parent:]
        nodes[comment.pk] = node
