"""The fast path: cached anonymous thread pages and counts answered from the cache alone, in
front of the middleware stack, with the bytes and headers the normal path would send.

A request is answered here only when all of this holds; anything else goes on, unchanged, to
the normal path (the rest of MIDDLEWARE, DRF and comments.apis):

- PARLEY_FAST_PATH is on and the cache keeps pointers (Redis, or local memory:
  comments.pagestore);
- GET or HEAD of exactly a thread page (`/api/v1/sites/<site>/articles/<key>/comments/`) or
  the counts (`/api/v1/sites/<site>/counts/`), as the URL patterns would match them;
- no cookie at all (a session could sign the reader in; a CSRF or messages cookie
  can make the normal path set a cookie) and no `Authorization` header;
- an `Accept` header DRF would answer with JSON (none, `*/*`, `application/*` or
  `application/json`), within the lengths DRF reads;
- query parameters the normal path would read exactly as written here: `sort`, `cursor` and
  `limit` for a thread (each once, in their canonical form), one to 200 `article` for counts;
  no other parameter;
- Django's own request checks pass (the host is allowed, no HTTPS redirect is due:
  SecurityMiddleware and CommonMiddleware's request phase, run here);
- the cache answers, in one round trip (comments.pagestore.Store.lookup), with the article's
  pointer, the site's part and the entry, none of them dirty, and the entry's stamp is the
  one the pointer and the site's part describe (comments.pagecache).

The answer is built by the functions the normal path uses (comments.pagecache.public_response:
status 200 or 304, body, ETag, X-Parley-Cache, Vary, Cache-Control, Surrogate-Key, Cache-Tag),
then the headers the rest of the stack adds to these JSON answers, in its order: DRF's `Allow`,
django-csp's policy (built once per process: it has no nonce on these answers),
XFrameOptionsMiddleware, CommonMiddleware's Content-Length, SessionMiddleware's `Vary:
Cookie`, django-cors-headers' own `add_response_headers` with the site's decision taken from
the site's cached `allowed_origins` (the decision embed.cors makes with a query; see
`origin_allowed`), and SecurityMiddleware's. tests/comments/test_fast_path.py compares every
header and byte with the normal path's answer for a matrix of requests.

RequestMetricsMiddleware, before this one, still times the request under the normal path's
view name (`thread`, `counts`); a thread page served here counts as a page cache hit.

In production the same lookup runs earlier still, as a WSGI application in front of Django's
(`FastPathApp`, installed by config.wsgi): an answer from the cache then never becomes an
HttpRequest. It also answers a signed-in reader's thread page (`Authorization: Token <key>`,
no cookie) from the shared page, after one statement that checks the token and reads the
reader's votes (comments.pagecache.reader_part), and a second that reads what only the author
sees of their own published comments when the page shows any (comments.pagecache.
author_additions), when no comment of theirs hidden from others belongs on the page
(`FastPathApp._reader_answer`). The middleware above stays for the test client and for
anything that loads Django without config.wsgi.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

from corsheaders.middleware import CorsMiddleware
from django.conf import settings
from django.core.exceptions import DisallowedHost, PermissionDenied
from django.core.handlers.wsgi import WSGIRequest, get_path_info
from django.core.signals import setting_changed
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.common import CommonMiddleware
from django.middleware.security import SecurityMiddleware
from django.urls import ResolverMatch, resolve
from django.utils.cache import patch_vary_headers

from ops.metrics import observe_request, record_page_cache
from ops.middleware import UNMATCHED

from .authentication import KEY_LENGTH
from .origins import origin_allowed
from .pagecache import (
    CACHE_ERRORS,
    Body,
    author_additions,
    counts_entry_key,
    counts_stamp,
    entry_parts,
    etag_matches,
    fill_votes,
    key_digest,
    page_store,
    private_response,
    public_response,
    reader_etag,
    reader_part,
    recycle_primary_connection,
    shows_author,
    thread_entry_rest,
    thread_stamp,
    votes_template_of,
)
from .pagestore import Found, where_key
from .selectors import SORTS

logger = logging.getLogger(__name__)

# The URL patterns' own regexes (comments.urls: `slug`, `articlekey`), anchored as Django's are.
_THREAD = re.compile(
    r"/api/v1/sites/(?P<site>[-a-zA-Z0-9_]+)/articles/(?P<key>[^/\x00-\x1f\x7f]{1,200})/comments/\Z"
)
_COUNTS = re.compile(r"/api/v1/sites/(?P<site>[-a-zA-Z0-9_]+)/counts/\Z")
_PREFIX = "/api/v1/sites/"
# Canonical forms only: another spelling the serializer would accept (`limit=05`, a cursor
# with spaces around it) takes the normal path.
_LIMIT = re.compile(r"[1-9][0-9]{0,2}\Z")
_CURSOR = re.compile(r"[A-Za-z0-9_-]{1,500}\Z")
_SORTS = frozenset(SORTS)
# `Authorization: Token <key>` as DRF's TokenAuthentication splits it, with a key
# comments.authentication.ReaderTokenAuthentication would look up (a site token, `pst_…`,
# is embed's: the normal path).
_READER_TOKEN = re.compile(rf"Token ([0-9A-Za-z]{{1,{KEY_LENGTH}}})\Z")
_JSON_TYPES = frozenset({"*/*", "application/*", "application/json"})
# Set in a WSGI environ by FastPathApp once it has tried the request: the middleware, behind it,
# does not ask the cache again.
MISSED = "parley.fast_path_tried"
# After an error from the cache, this process leaves the fast path alone for this long, so a
# Redis that hangs costs its timeout once, not on every request twice.
_BACKOFF_SECONDS = 5.0
# Bodies this process keeps, so that a page whose entry it has served before costs the cache
# only the entry's head (its ETag decides; the bytes are the same): most requests of a hot
# article ask for the same few pages.
COPIES_BYTES = 16 * 1024 * 1024


# Answers' headers by everything they depend on (below), so that a page answered before is
# answered again without building them: at most this many.
TEMPLATES = 512


class _Template:
    """An answer's headers: Django's ResponseHeaders mapping (lower-cased name: (name,
    value)), and the same as the list a WSGI server is given."""

    __slots__ = ("items", "store")

    def __init__(self, store: dict[str, tuple[str, str]]):
        self.store = store
        self.items = list(store.values())


class _Templates:
    """The headers of answers built before (least recently used out past `limit`)."""

    def __init__(self, limit: int):
        self.limit = limit
        self.items: OrderedDict[Hashable, _Template] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, variant: Hashable) -> _Template | None:
        with self.lock:
            found = self.items.get(variant)
            if found is not None:
                self.items.move_to_end(variant)
            return found

    def keep(self, variant: Hashable, template: _Template) -> None:
        with self.lock:
            self.items[variant] = template
            while len(self.items) > self.limit:
                self.items.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


# Every process's (and every test client's) templates, to clear when settings change.
_templates: weakref.WeakSet[_Templates] = weakref.WeakSet()


class _Copies:
    """The last bodies served here, by request (least recently used out past COPIES_BYTES)."""

    def __init__(self, limit: int):
        self.limit = limit
        self.size = 0
        self.items: OrderedDict[Hashable, tuple[str, bytes]] = OrderedDict()
        self.lock = threading.Lock()

    def etag(self, ident: Hashable) -> str:
        found = self.items.get(ident)
        return found[0] if found is not None else ""

    def body(self, ident: Hashable, etag: str) -> bytes | None:
        with self.lock:
            found = self.items.get(ident)
            if found is None or found[0] != etag:
                return None
            self.items.move_to_end(ident)
            return found[1]

    def keep(self, ident: Hashable, etag: str, content: bytes) -> None:
        if len(content) > self.limit // 8:
            return
        with self.lock:
            old = self.items.pop(ident, None)
            if old is not None:
                self.size -= len(old[1])
            self.items[ident] = (etag, content)
            self.size += len(content)
            while self.size > self.limit:
                _, (_, dropped) = self.items.popitem(last=False)
                self.size -= len(dropped)


@dataclass(frozen=True, slots=True)
class _Hit:
    """A request the cache can answer: what it found, and what the answer depends on."""

    view: str  # the normal path's URL pattern name
    kwargs: dict[str, str]
    ident: Hashable
    found: Found
    body: Body
    not_modified: bool
    origin: str | None
    # A thread page's (sort, cursor, limit); the signed-in reader's token key, if any.
    page: tuple[str, str | None, int] | None = None
    token: str | None = None

    def variant(self, secure: bool) -> Hashable:
        """Everything the headers depend on: the request's page, the bytes, the site's part
        (its caching times, its origins), the articles, 200 or 304, the Origin, HTTPS."""
        article_ids = tuple(sorted({p.article_id for p in self.found.pointers}))
        return (
            self.ident,
            self.body.etag,
            self.found.site,
            article_ids,
            self.not_modified,
            self.origin,
            secure,
        )


def _accepts_json(accept: str | None) -> bool:
    """Whether DRF's content negotiation picks its JSON renderer for this Accept header
    (rest_framework.negotiation: the renderer's `application/json` matches a range whose
    type is one of these, whatever its parameters)."""
    if accept is None:
        return True
    if len(accept) > 1024:
        return False
    parts = accept.split(",")
    if len(parts) > 32:
        return False
    return any(part.split(";", 1)[0].strip() in _JSON_TYPES for part in parts)


def _query(query: str) -> list[tuple[str, str]] | None:
    """`name=value` pairs as written (not decoded), or None for anything unusual."""
    if not query:
        return []
    if not query.isascii():
        return None
    pairs = []
    for part in query.split("&"):
        name, eq, value = part.partition("=")
        if not eq or not value:
            return None
        pairs.append((name, value))
    return pairs


def _thread_params(query: str) -> tuple[str, str | None, int] | None:
    pairs = _query(query)
    if pairs is None:
        return None
    seen: dict[str, str] = {}
    for name, value in pairs:
        if name in seen or name not in ("sort", "cursor", "limit"):
            return None
        seen[name] = value
    sort = seen.get("sort", "oldest")
    cursor = seen.get("cursor")
    limit_text = seen.get("limit")
    if sort not in _SORTS or (cursor is not None and not _CURSOR.match(cursor)):
        return None
    if limit_text is None:
        limit = settings.PARLEY_PAGE_SIZE
    elif _LIMIT.match(limit_text) and int(limit_text) <= 100:
        limit = int(limit_text)
    else:
        return None
    return sort, cursor, limit


def _counts_keys(query: str) -> list[str] | None:
    pairs = _query(query)
    if not pairs or len(pairs) > 200:
        return None
    keys = []
    for name, raw in pairs:
        if name != "article":
            return None
        try:
            key = unquote_plus(raw, errors="strict")
        except UnicodeDecodeError:
            return None
        # What DRF's CharField(max_length=200) keeps as it is: trimmed, no NUL.
        if len(key) > 200 or key != key.strip() or "\x00" in key:
            return None
        keys.append(key)
    return keys


class _CachedSiteCors(CorsMiddleware):
    """django-cors-headers' own response headers, with the site's decision (which embed.cors
    gives its `check_request_enabled` signal after a query) made from the cached site."""

    def check_signal(self, request: HttpRequest) -> bool:
        return bool(getattr(request, "_parley_fast_origin_allowed", False))


def _unused(request: HttpRequest) -> HttpResponse:
    raise AssertionError("the fast path's middleware instances are used for their phases only")


_csp_memo: list[tuple[str, str, tuple[str, ...]]] | None = None


def _csp_headers() -> list[tuple[str, str, tuple[str, ...]]]:
    """django-csp's headers for an answer with no nonce and no per-view policy: (header,
    value, excluded path prefixes), built once per process (and again if settings change)."""
    global _csp_memo
    if _csp_memo is None:
        from csp.constants import HEADER, HEADER_REPORT_ONLY
        from csp.utils import build_policy

        memo = []
        for header, name, report_only in (
            (HEADER, "CONTENT_SECURITY_POLICY", False),
            (HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY", True),
        ):
            value = build_policy(report_only=report_only)
            if value:
                policy = getattr(settings, name, None) or {}
                prefixes = tuple(policy.get("EXCLUDE_URL_PREFIXES", None) or ())
                memo.append((header, value, prefixes))
        _csp_memo = memo
    return _csp_memo


def _forget_csp(**kwargs: Any) -> None:
    global _csp_memo
    _csp_memo = None
    for templates in list(_templates):  # the headers were built under the old settings
        templates.clear()
    for app in list(_apps):  # and the request checks' decisions
        app.checked.clear()


setting_changed.connect(_forget_csp, dispatch_uid="parley-fast-path-csp")


class _View:
    """What the normal path's view contributes: its URL pattern's match (for the metrics'
    view name) and DRF's `Allow` header."""

    def __init__(self, sample_path: str, request: HttpRequest):
        match = resolve(sample_path)
        self.func, self.url_name, self.route = match.func, match.url_name, match.route
        view = self.func.view_class(**self.func.view_initkwargs)  # type: ignore[attr-defined]
        view.setup(request, **match.kwargs)
        self.allow = ", ".join(view.allowed_methods)

    def match(self, kwargs: dict[str, str]) -> ResolverMatch:
        return ResolverMatch(self.func, (), kwargs, self.url_name, route=self.route)


class FastPathMiddleware:
    """See the module docstring. Right after ops.middleware.RequestMetricsMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.security = SecurityMiddleware(_unused)
        self.common = CommonMiddleware(_unused)
        self.xframe = XFrameOptionsMiddleware(_unused)
        self.cors = _CachedSiteCors(_unused)
        self.views: dict[str, _View] = {}
        self.down_until = 0.0
        self.copies = _Copies(COPIES_BYTES)
        self.templates = _Templates(TEMPLATES)
        _templates.add(self.templates)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.method in ("GET", "HEAD")
            and request.path_info.startswith(_PREFIX)
            and MISSED not in request.META
            and getattr(settings, "PARLEY_FAST_PATH", False)
            and time.monotonic() >= self.down_until
        ):
            try:
                response = self.answer(request)
            except CACHE_ERRORS:
                logger.warning("Fast path skipped: the cache is unavailable")
                self.down_until = time.monotonic() + _BACKOFF_SECONDS
                response = None
            except Exception:
                # A fault here must never cost a reader the page: the normal path answers.
                logger.exception("Fast path failed; the normal path answers")
                response = None
            if response is not None:
                return response
        return self.get_response(request)

    def answer(self, request: HttpRequest) -> HttpResponse | None:
        """The fast path's answer, or None to let the normal path answer."""
        meta = request.META
        hit = self.find(meta, request.path_info, lambda: self._django_checks_pass(request))
        if hit is None:
            return None
        if hit.view == "thread":
            record_page_cache(True)
        variant = hit.variant(request.is_secure())
        template = self.templates.get(variant)
        if template is None:
            template = self._template(request, hit, variant)
        response: HttpResponse
        # The same headers as the first time, set as they were stored: `_store` is Django's
        # ResponseHeaders' own mapping (lower-cased name: (name, value)).
        response = HttpResponseNotModified() if hit.not_modified else HttpResponse(hit.body.content)
        response.headers._store = template.store.copy()
        request.resolver_match = self._view(hit.view, request).match(hit.kwargs)
        return response

    def find(
        self, meta: dict, path: str, checks: Callable[[], bool], *, readers: bool = False
    ) -> _Hit | None:
        """What the cache holds for this request, when the fast path may answer it: `checks`
        runs Django's own request checks (after the cheap tests, before the cache's). With
        `readers`, a thread page asked with a reader's API token is found too (its `token`
        set): the caller then reads the reader's part."""
        if meta.get("HTTP_COOKIE"):
            return None
        token = None
        if "HTTP_AUTHORIZATION" in meta:
            signed = _READER_TOKEN.match(meta["HTTP_AUTHORIZATION"]) if readers else None
            if signed is None:
                return None
            token = signed[1]
        if not _accepts_json(meta.get("HTTP_ACCEPT")):
            return None
        query = meta.get("QUERY_STRING", "")
        store = page_store()
        if not store.pointers:
            return None
        if thread := _THREAD.match(path):
            params = _thread_params(query)
            if params is None:
                return None
            slug, key = thread["site"], thread["key"]
            sort, cursor, limit = params
            if not checks():
                return None
            rest = thread_entry_rest(sort=sort, limit=limit, cursor=cursor)
            ident: Hashable = (slug, key, rest)
            found = store.lookup(
                where_names=[where_key(slug, key_digest(key))],
                entry_key=None,
                entry_rest=rest,
                have=self.copies.etag(ident),
            )
            body = self._thread_body(found, ident, slug=slug, key=key)
            if body is None or found is None:
                return None
            view, kwargs = "thread", {"site": slug, "key": key}
            page: tuple[str, str | None, int] | None = (sort, cursor, limit)
        elif token is not None:
            return None  # counts are the same for everyone: a reader's token takes the normal path
        elif counts := _COUNTS.match(path):
            keys = _counts_keys(query)
            if keys is None:
                return None
            slug = counts["site"]
            if not checks():
                return None
            ident = counts_entry_key(slug=slug, keys=keys)
            found = store.lookup(
                where_names=[where_key(slug, key_digest(k)) for k in keys],
                entry_key=ident,
                entry_rest="",
                have=self.copies.etag(ident),
            )
            body = self._counts_body(found, ident, slug=slug)
            if body is None or found is None:
                return None
            view, kwargs, page = "counts", {"site": slug}, None
        else:
            return None
        return _Hit(
            view=view,
            kwargs=kwargs,
            ident=ident,
            found=found,
            body=body,
            not_modified=etag_matches(meta.get("HTTP_IF_NONE_MATCH", ""), body.etag),
            origin=meta.get("HTTP_ORIGIN"),
            page=page,
            token=token,
        )

    def _template(self, request: HttpRequest, hit: _Hit, variant: Hashable) -> _Template:
        """The headers of this variant's answer, built by the normal path's functions and the
        stack's middleware (the first answer of each variant), and kept."""
        found = hit.found
        article_ids = tuple(sorted({p.article_id for p in found.pointers}))
        response = public_response(request, hit.body, site=found.site, article_ids=article_ids)
        self._decorate(request, response, hit.view, found)
        template = _Template(dict(response.headers._store))
        self.templates.keep(variant, template)
        return template

    def _django_checks_pass(self, request: HttpRequest) -> bool:
        """SecurityMiddleware's and CommonMiddleware's request phases: a redirect, a refused
        host or user agent is the normal path's to answer."""
        try:
            if self.security.process_request(request) is not None:
                return False
            return self.common.process_request(request) is None
        except (DisallowedHost, PermissionDenied):
            return False

    def _entry(self, found: Found, ident: Hashable) -> tuple[list, str, bytes] | None:
        """The entry's stamp, ETag and body: the body from this process's copy when the cache
        left it out (the same ETag, so the same bytes)."""
        if found.entry.startswith(b"="):
            head = entry_parts(found.entry[1:])
            content = self.copies.body(ident, head[1]) if head is not None else None
            if head is None or content is None:
                return None
            return head[0], head[1], content
        entry = entry_parts(found.entry)
        if entry is not None:
            self.copies.keep(ident, entry[1], entry[2])
        return entry

    def _thread_body(
        self, found: Found | None, ident: Hashable, *, slug: str, key: str
    ) -> Body | None:
        if found is None or found.site.slug != slug or len(found.pointers) != 1:
            return None
        pointer = found.pointers[0]
        if pointer.site_id != found.site.site_id:
            return None
        entry = self._entry(found, ident)
        stamp = thread_stamp(
            article_id=pointer.article_id, version=pointer.version, site=found.site, key=key
        )
        if entry is None or entry[0] != stamp:
            return None
        return Body(entry[2], entry[1], hit=True)

    def _counts_body(self, found: Found | None, ident: Hashable, *, slug: str) -> Body | None:
        if found is None or found.site.slug != slug:
            return None
        entry = self._entry(found, ident)
        stamp = counts_stamp(site_id=found.site.site_id, slug=slug, pointers=found.pointers)
        if entry is None or entry[0] != stamp:
            return None
        return Body(entry[2], entry[1], hit=True)

    def _view(self, name: str, request: HttpRequest) -> _View:
        view = self.views.get(name)
        if view is None:
            sample = _PREFIX + ("s/articles/a/comments/" if name == "thread" else "s/counts/")
            view = self.views[name] = _View(sample, request)
        return view

    def _decorate(self, request: HttpRequest, response: HttpResponse, view: str, found: Found):
        """The headers the normal path's stack adds, innermost first (MIDDLEWARE's order
        reversed): DRF, django-csp, X-Frame-Options, Content-Length, the session's Vary,
        CORS, Django's security headers."""
        response["Allow"] = self._view(view, request).allow
        path = request.path_info
        for header, value, excluded in _csp_headers():
            if header not in response and not path.startswith(excluded):
                response[header] = value
        self.xframe.process_response(request, response)
        self.common.process_response(request, response)
        patch_vary_headers(response, ("Cookie",))
        request._parley_fast_origin_allowed = origin_allowed(  # type: ignore[attr-defined]
            found.site.allowed_origins, request.headers.get("origin")
        )
        self.cors.add_response_headers(request, response)
        self.security.process_response(request, response)


# The WSGI wrapper ------------------------------------------------------------------------------

# What Django's request checks (SecurityMiddleware's and CommonMiddleware's request phases: the
# allowed hosts, HTTPS, the redirects) and `is_secure` read of a request, besides settings:
# the host as sent or forwarded, the server's name and port, the script name, the scheme. The
# user agent and the path join these when a setting makes the checks read them
# (DISALLOWED_USER_AGENTS; SECURE_SSL_REDIRECT's exemptions).
_CHECKED_META = (
    "HTTP_HOST",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "SERVER_NAME",
    "SERVER_PORT",
    "SCRIPT_NAME",
    "SCRIPT_URL",
    "REDIRECT_URL",
    "wsgi.url_scheme",
)
# Decisions kept per process: hosts and schemes are few; past this many, start again.
CHECKED = 256
_STATUS_LINES = {200: "200 OK", 304: "304 Not Modified"}

_apps: weakref.WeakSet[FastPathApp] = weakref.WeakSet()


def _request(environ: dict) -> WSGIRequest:
    """A request for Django's checks and the headers' first build, on a copy of the environ:
    WSGIRequest rewrites PATH_INFO (decoded) in the dict it is given, which Django's handler
    would then decode a second time."""
    return WSGIRequest(dict(environ))


class FastPathApp:
    """The fast path as a WSGI application in front of Django's (config.wsgi): a request the
    cache answers never becomes an HttpRequest, passes no middleware and sends no signal; the
    answer is the status, headers and bytes FastPathMiddleware would give (the headers built
    by it, from a real request, the first time each variant is answered), timed and counted
    as it would be. Anything else goes to `application` unchanged, marked (MISSED) so that
    the middleware does not look it up a second time.

    Django's request checks are decided once per host, scheme and server (`_CHECKED_META`)
    with a real request, and remembered until settings change. Signed-in readers: see
    `_reader_answer`."""

    def __init__(self, application: Callable[[dict, Callable], Iterable[bytes]]):
        self.application = application
        self.fast = FastPathMiddleware(_unused)
        self.checked: dict[tuple, tuple[bool, bool]] = {}
        # Signed-in readers: the shared pages' votes templates, the pages of readers with no
        # votes on them, and their answers' headers.
        self.votes = _Copies(COPIES_BYTES)
        self.unvoted = _Copies(COPIES_BYTES)
        self.readers = _Templates(TEMPLATES)
        _templates.add(self.readers)
        _apps.add(self)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        if (
            (method == "GET" or method == "HEAD")
            and environ.get("PATH_INFO", "").startswith(_PREFIX)
            and getattr(settings, "PARLEY_FAST_PATH", False)
            and time.monotonic() >= self.fast.down_until
        ):
            started = time.perf_counter()
            try:
                answer = self.answer(environ)
            except CACHE_ERRORS:
                logger.warning("Fast path skipped: the cache is unavailable")
                self.fast.down_until = time.monotonic() + _BACKOFF_SECONDS
                answer = None
            except (InterfaceError, OperationalError) as error:
                # A connection the database dropped (no health check runs here: see
                # comments.pagecache.recycle_primary_connection): the normal path answers.
                logger.warning("Fast path skipped: the database connection failed (%s)", error)
                answer = None
            except Exception:
                logger.exception("Fast path failed; the normal path answers")
                answer = None
            if answer is not None:
                status, headers, content, view = answer
                start_response(_STATUS_LINES[status], headers)
                observe_request(
                    view=view or UNMATCHED,
                    method=method,
                    status=status,
                    seconds=time.perf_counter() - started,
                )
                return [content] if content else []
            environ[MISSED] = True
        return self.application(environ, start_response)

    def answer(self, environ: dict) -> tuple[int, list[tuple[str, str]], bytes, str | None] | None:
        """(status, headers, body, the view's name for the metrics), or None."""
        path = get_path_info(environ)  # as WSGIRequest reads it
        decided: list[tuple[bool, bool]] = []

        def checks() -> bool:
            decided.append(self._checks(environ, path))
            return decided[0][0]

        hit = self.fast.find(environ, path, checks, readers=True)
        if hit is None:
            return None
        if hit.token is not None:
            return self._reader_answer(environ, hit, secure=decided[0][1])
        variant = hit.variant(decided[0][1])
        template = self.fast.templates.get(variant)
        view = self.fast.views.get(hit.view)
        if template is None or view is None:
            request = _request(environ)
            template = self.fast._template(request, hit, variant)
            view = self.fast._view(hit.view, request)
        if hit.view == "thread":
            record_page_cache(True)
        if hit.not_modified:
            return 304, list(template.items), b"", view.url_name
        return 200, list(template.items), hit.body.content, view.url_name

    def _reader_answer(
        self, environ: dict, hit: _Hit, *, secure: bool
    ) -> tuple[int, list[tuple[str, str]], bytes, str | None] | None:
        """A signed-in reader's page: the shared page with their votes filled in, as
        comments.pagecache.reader_page builds it when they have no comment of theirs on it
        and none hidden from others. Their token, user and votes are read from the database
        in one statement on every request (a token deleted or a user deactivated is refused
        at once, by the normal path); anything else about them takes the normal path."""
        assert hit.page is not None and hit.token is not None
        found = hit.found
        recycle_primary_connection()  # no request signals here to do it
        part = reader_part(token_key=hit.token, article_id=found.pointers[0].article_id)
        if part is None or part.has_hidden:
            return None
        template = self.votes.body(hit.ident, hit.body.etag)
        if template is None:
            template = votes_template_of(hit.body.content)
            self.votes.keep(hit.ident, hit.body.etag, template)
        own: dict[int, bytes] = {}
        if shows_author(template, part.public_id):
            # Their own comments on the page, as their author sees them: one more statement.
            found_own = author_additions(
                template, commenter_id=part.commenter_id, public_id=part.public_id
            )
            if found_own is None:
                return None
            own = found_own
        sort, cursor, limit = hit.page
        etag = reader_etag(
            shared_etag=hit.body.etag,
            viewer_id=part.commenter_id,
            sort=sort,
            cursor=cursor,
            limit=limit,
            replies_per_comment=found.site.replies_per_comment,
            own_rows=[],
            votes=part.votes,
        )
        not_modified = etag_matches(environ.get("HTTP_IF_NONE_MATCH", ""), etag)
        if not_modified:
            content = b""
        elif part.votes or own:
            content = fill_votes(template, part.votes, own)
        else:  # most readers have not voted here: the same page for all of them
            content = self.unvoted.body(hit.ident, hit.body.etag) or b""
            if not content:
                content = fill_votes(template, {})
                self.unvoted.keep(hit.ident, hit.body.etag, content)
        # The headers depend on the same as an anonymous answer's, less the bytes (their ETag
        # and length are set below), plus that the answer is a reader's.
        variant = ("reader", hit.ident, found.site, not_modified, hit.origin, secure)
        headers = self.readers.get(variant)
        view = self.fast.views.get(hit.view)
        if headers is None or view is None:
            request = _request(environ)
            response = private_response(request, etag=etag, build=lambda: content, shared_hit=True)
            self.fast._decorate(request, response, hit.view, found)
            headers = _Template(dict(response.headers._store))
            self.readers.keep(variant, headers)
            view = self.fast._view(hit.view, request)
        items = [
            (name, etag)
            if name == "ETag"
            else (name, str(len(content)))
            if name == "Content-Length" and not not_modified
            else (name, value)
            for name, value in headers.items
        ]
        record_page_cache(True)
        return (304 if not_modified else 200), items, content, view.url_name

    def _checks(self, environ: dict, path: str) -> tuple[bool, bool]:
        """(Django's request checks pass, the request is secure), decided with a real request
        the first time this host, scheme and server are seen."""
        key: tuple = tuple(environ.get(name) for name in _CHECKED_META)
        proxy_header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
        if proxy_header:
            key += (environ.get(proxy_header[0]),)
        if settings.DISALLOWED_USER_AGENTS:
            key += (environ.get("HTTP_USER_AGENT"),)
        known = self.checked.get(key)
        if known is None:
            # An insecure request under SECURE_SSL_REDIRECT: the path decides (its exemptions).
            known = self.checked.get((*key, path))
        if known is None:
            request = _request(environ)
            known = (self.fast._django_checks_pass(request), request.is_secure())
            if len(self.checked) >= CHECKED:
                self.checked.clear()
            if settings.SECURE_SSL_REDIRECT and not known[1]:
                key = (*key, path)
            self.checked[key] = known
        return known
