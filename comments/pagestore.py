"""Where the page cache keeps its entries, and what the fast path (comments.fastpath) reads to
find them without the database: per article a *pointer* to its current version, per site the
settings that shape or head its pages, and *dirty marks* while a change is being committed.

Keys (under the cache's own prefix, e.g. `parley:1:`):

- `page:<FORMAT>:thread:<article id>:<sort>:<limit>:<cursor digest>` and
  `page:<FORMAT>:counts:<site slug>:<keys digest>`: an entry, the bytes
  `<stamp JSON>\\n<ETag>\\n<body>` (comments.pagecache writes and checks the stamp);
- `page:...:f:<stamp digest>`: while one process renders an entry at a stamp, its flight (the
  others wait for the entry instead of rendering it too: comments.pagecache._render_shared);
- `fp:w:<site slug>:<article key digest>`: where a URL's article is, its id;
- `fp:a:<article id>`: the pointer, `<site id> <version, 20 digits>`;
- `fp:s:<site id>`: the site's part (`SitePart`, JSON);
- `fp:d:a<article id>`, `fp:d:s<site id>`: dirty marks, a sorted set of one token per
  transaction that is changing the article (or the site's settings), scored by the time the
  mark lapses.

Who writes what, and why no reader is ever served an older page than the database holds:

- A transaction that bumps an article's version (or saves a site's settings) marks it dirty
  before its change commits (`mark_dirty`, from comments.pagecache._announce_on_commit); after
  the commit, the announcement reads the committed versions and `publish`es them: the pointer
  moves to the new version (set-if-greater, atomically in Redis, so two commits racing never
  move it back), the site's part is replaced, and the transaction's dirty mark is removed.
  While a mark is there the fast path steps aside, so the moment between the commit and the
  new pointer is covered; a transaction that rolls back (or a process that dies before
  publishing) leaves its mark to lapse after DIRTY_SECONDS, during which the article is read
  through the normal path only.
- The normal path, which reads the article and its site from the database, `fill`s what the
  fast path needs in the same round trip that reads the entry: the where-key, the pointer
  (set-if-greater: a reader that read an older version before a commit never moves it back),
  the site's part only if absent (`NX`: the announcement's copy is newer than any reader's).
- Everything expires after POINTER_SECONDS unless written again: a change that bypasses the
  announcement (a site saved without `site_pages_changed`, an article deleted) reaches the
  fast path within that bound. The normal path, and so the next fill, see it at once.

Backends: Redis (one Lua script per operation, one round trip each) and Django's local-memory
cache (the demo and the tests without Redis; a lock makes the read-modify-writes atomic, and
being per process, a change made by another process reaches this one's fast path within
POINTER_SECONDS). Any other cache keeps entries only (the fast path is off).
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.core.cache import BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import NoScriptError

# How long pointers, where-keys and site parts live unless written again: the bound on a
# change that is not announced (see the module docstring). One normal-path read per article
# per this many seconds refreshes them.
POINTER_SECONDS = 10
# How long a dirty mark holds the fast path off an article or site if its transaction never
# publishes (rolled back, or the process died between the commit and the publication).
DIRTY_SECONDS = 60
_VERSION_DIGITS = 20
# How long one process's render of a page holds the others off (comments.pagecache renders a
# page once for all processes; a process that dies while rendering holds them this long).
FLIGHT_SECONDS = 2.0


@dataclass(frozen=True)
class SitePart:
    """What the fast path needs of a site: its slug (the URL), the settings in a page's stamp,
    the HTTP caching times and the origins allowed by CORS (embed.cors)."""

    site_id: int
    slug: str
    replies_per_comment: int
    max_depth: int
    http_max_age: int
    http_s_maxage: int
    http_stale_while_revalidate: int
    allowed_origins: tuple[str, ...]

    @classmethod
    def of(cls, site: Any) -> SitePart:
        origins = site.allowed_origins if isinstance(site.allowed_origins, list) else []
        return cls(
            site_id=site.pk,
            slug=site.slug,
            replies_per_comment=site.replies_per_comment,
            max_depth=site.max_depth,
            http_max_age=site.http_max_age,
            http_s_maxage=site.http_s_maxage,
            http_stale_while_revalidate=site.http_stale_while_revalidate,
            allowed_origins=tuple(o for o in origins if isinstance(o, str)),
        )

    def dumps(self) -> str:
        return json.dumps(
            [
                self.site_id,
                self.slug,
                self.replies_per_comment,
                self.max_depth,
                self.http_max_age,
                self.http_s_maxage,
                self.http_stale_while_revalidate,
                list(self.allowed_origins),
            ],
            separators=(",", ":"),
        )

    @classmethod
    def loads(cls, raw: str | bytes) -> SitePart:
        # The fast path reads the same few sites' bytes on every answer: decoded once each.
        return _site_part(raw)


@functools.lru_cache(maxsize=256)
def _site_part(raw: str | bytes) -> SitePart:
    sid, slug, rpc, depth, max_age, s_maxage, swr, origins = json.loads(raw)
    return SitePart(sid, slug, rpc, depth, max_age, s_maxage, swr, tuple(origins))


@dataclass(frozen=True)
class Pointer:
    """An article's current version, and its site."""

    article_id: int
    site_id: int
    version: int

    def dumps(self) -> str:
        return f"{self.site_id} {self.version:0{_VERSION_DIGITS}d}"

    @classmethod
    def loads(cls, article_id: int, raw: str | bytes) -> Pointer:
        text = raw.decode() if isinstance(raw, bytes) else raw
        site_id, version = text.split(" ")
        return cls(article_id, int(site_id), int(version))


@dataclass(frozen=True)
class Where:
    """A URL's article: the site's slug and the article's key name the article `article_id`."""

    slug: str
    key_digest: str
    article_id: int

    @property
    def name(self) -> str:
        return where_key(self.slug, self.key_digest)


@dataclass(frozen=True)
class Found:
    """What the fast path read in its one round trip: the site's part, the entry's bytes and
    each requested article's pointer (in the order asked)."""

    site: SitePart
    entry: bytes
    pointers: list[Pointer]


def where_key(slug: str, key_digest: str) -> str:
    return f"fp:w:{slug}:{key_digest}"


def _pointer_key(article_id: int) -> str:
    return f"fp:a:{article_id}"


def _site_key(site_id: int) -> str:
    return f"fp:s:{site_id}"


def article_scope(article_id: int) -> str:
    return f"a{article_id}"


def site_scope(site_id: int) -> str:
    return f"s{site_id}"


def _dirty_key(scope: str) -> str:
    return f"fp:d:{scope}"


class Store:
    """Entries only, through Django's cache API (a backend the fast path does not support)."""

    pointers = False  # whether this store keeps pointers (the fast path can run on it)

    def __init__(self, cache: BaseCache):
        self.cache = cache

    def get_entry(self, key: str) -> bytes | None:
        found = self.cache.get(key)
        return found if isinstance(found, bytes) else None

    def set_entry(self, key: str, blob: bytes, seconds: int) -> None:
        self.cache.set(key, blob, seconds)

    def fill(
        self, *, entry_key: str, wheres: list[Where], pointers: list[Pointer], site: SitePart
    ) -> bytes | None:
        """Store what the fast path needs, read from the database by the normal path, and
        return the entry `entry_key` (one round trip on Redis)."""
        return self.get_entry(entry_key)

    def mark_dirty(self, scopes: list[str], token: str) -> None:
        """Before a commit: the fast path steps aside for these scopes until `publish`."""

    def publish(
        self, *, pointers: list[Pointer], sites: list[SitePart], scopes: list[str], token: str
    ) -> None:
        """After a commit: the committed versions and site parts; the marks come off."""

    def claim_render(self, key: str, head: bytes, flight: str, token: str) -> bytes | bool:
        """Before rendering the entry `key` at the stamp that `head` (the stamp's JSON and a
        newline) begins: the entry, when one at that stamp is stored already; True when the
        caller is to render it (it holds the flight `flight` under `token` for FLIGHT_SECONDS,
        and calls `release_render` after storing the entry); False while another process
        holds it. Here, with no cache shared between processes, always True."""
        return True

    def release_render(self, key: str, flight: str, token: str) -> None:
        """The flight `claim_render` gave `token` ends (the entry is stored, or the render
        failed and the next to ask renders)."""

    def lookup(
        self, *, where_names: list[str], entry_key: str | None, entry_rest: str, have: str = ""
    ) -> Any:
        """Everything the fast path needs, or None when anything is missing or dirty.
        `entry_key` names the entry; or, for a thread page, None and `entry_rest` is what
        follows `page:`, with `{id}` for the article's id. When the entry's ETag is `have`,
        its body may be left out (the entry is then `=<stamp>\\n<ETag>\\n`)."""
        return None


# Redis ----------------------------------------------------------------------------------------

# ARGV: prefix, ttl ms, site id, site JSON, entry key ('' for none), then for each article its
# where-key, id and version (20 digits). The pointer moves only forward.
_FILL = """
local p, ttl, sid = ARGV[1], ARGV[2], ARGV[3]
for i = 6, #ARGV, 3 do
  redis.call('SET', p .. ARGV[i], ARGV[i + 1], 'PX', ttl)
  local k = p .. 'fp:a:' .. ARGV[i + 1]
  local cur = redis.call('GET', k)
  if (not cur) or string.sub(cur, -20) <= ARGV[i + 2] then
    redis.call('SET', k, sid .. ' ' .. ARGV[i + 2], 'PX', ttl)
  end
end
redis.call('SET', p .. 'fp:s:' .. sid, ARGV[4], 'PX', ttl, 'NX')
if ARGV[5] ~= '' then
  return redis.call('GET', p .. ARGV[5])
end
return false
"""

# ARGV: prefix, ttl ms, token, now, number of pointers n, then n times (article id, site id,
# version), then pairs (site id, site JSON), then the dirty scopes after a '' separator.
_PUBLISH = """
local p, ttl, token, now, n = ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
local i = 6
for _ = 1, n do
  local k = p .. 'fp:a:' .. ARGV[i]
  local cur = redis.call('GET', k)
  if (not cur) or string.sub(cur, -20) <= ARGV[i + 2] then
    redis.call('SET', k, ARGV[i + 1] .. ' ' .. ARGV[i + 2], 'PX', ttl)
  end
  i = i + 3
end
while ARGV[i] ~= '' do
  redis.call('SET', p .. 'fp:s:' .. ARGV[i], ARGV[i + 1], 'PX', ttl)
  i = i + 2
end
for j = i + 1, #ARGV do
  local d = p .. 'fp:d:' .. ARGV[j]
  redis.call('ZREM', d, token)
  redis.call('ZREMRANGEBYSCORE', d, '-inf', now)
end
return 1
"""

# ARGV: prefix, now, entry key ('' for a thread page), entry rest, the ETag of the caller's own
# copy ('' for none), then the where-keys. Returns false when anything is missing or dirty, else
# one string, NUL-separated: the site's JSON, then each article's id and pointer, then the
# entry; only its head (`=<stamp>\\n<ETag>\\n`) when that ETag is the caller's, which has the
# bytes already. The head is a key of its own (`<entry key>:h`): reading the whole entry into
# Lua costs Redis more than everything else here together.
_LOOKUP = """
local p, now, have = ARGV[1], ARGV[2], ARGV[5]
local out = {false}
local site_id, first_id = nil, nil
for i = 6, #ARGV do
  local id = redis.call('GET', p .. ARGV[i])
  if not id then return false end
  local ptr = redis.call('GET', p .. 'fp:a:' .. id)
  if not ptr then return false end
  if redis.call('ZCOUNT', p .. 'fp:d:a' .. id, now, '+inf') > 0 then return false end
  local sid = string.match(ptr, '^(%d+) ')
  if site_id and sid ~= site_id then return false end
  site_id = sid
  first_id = first_id or id
  out[#out + 1] = id
  out[#out + 1] = ptr
end
if not site_id then return false end
if redis.call('ZCOUNT', p .. 'fp:d:s' .. site_id, now, '+inf') > 0 then return false end
local site = redis.call('GET', p .. 'fp:s:' .. site_id)
if not site then return false end
out[1] = site
local entry_key = ARGV[3]
if entry_key == '' then entry_key = 'page:' .. ARGV[4]:gsub('{id}', first_id, 1) end
local head = redis.call('GET', p .. entry_key .. ':h')
local a = head and string.find(head, '\\n', 1, true)
if have ~= '' and a and string.sub(head, a + 1, -2) == have then
  out[#out + 1] = '=' .. head
else
  local entry = redis.call('GET', p .. entry_key)
  if not entry then return false end
  out[#out + 1] = entry
end
return table.concat(out, '\\0')
"""


# ARGV: prefix, entry key, the stamp's head (its JSON and a newline), flight name, token, ms.
# The entry when it is stored at that stamp; else 1 when the caller now holds the flight (it
# renders), 0 when another does.
_CLAIM = """
local p, key, head = ARGV[1], ARGV[2], ARGV[3]
local stored = redis.call('GET', p .. key .. ':h')
if stored and string.sub(stored, 1, #head) == head then
  local entry = redis.call('GET', p .. key)
  if entry then return entry end
end
if redis.call('SET', p .. key .. ':f:' .. ARGV[4], ARGV[5], 'NX', 'PX', ARGV[6]) then
  return 1
end
return 0
"""

# ARGV: prefix, entry key, flight name, token. The flight ends if the token still holds it.
_RELEASE = """
local k = ARGV[1] .. ARGV[2] .. ':f:' .. ARGV[3]
if redis.call('GET', k) == ARGV[4] then redis.call('DEL', k) end
return 1
"""

_LOOKUP_SHA = hashlib.sha1(_LOOKUP.encode()).hexdigest()  # noqa: S324 - Redis names scripts so


class RedisStore(Store):
    """On Redis: every operation is one Lua script (one round trip), atomic."""

    pointers = True

    def __init__(self, cache: BaseCache):
        super().__init__(cache)
        self.prefix = cache.make_key("")
        self._fill = self._lookup = self._publish = self._claim = self._release = None
        self._redis: Any = None
        self._own = threading.local()

    def _client(self) -> Any:
        # A client on Django's own connection pool for this cache (one server).
        if self._redis is None:
            self._redis = self.cache._cache.get_client(None, write=True)  # type: ignore[attr-defined]
        return self._redis

    def _script(self, name: str, source: str) -> Any:
        script = getattr(self, name)
        if script is None:
            script = self._client().register_script(source)
            setattr(self, name, script)
        return script

    def get_entry(self, key: str) -> bytes | None:
        return self._client().get(self.prefix + key)

    def set_entry(self, key: str, blob: bytes, seconds: int) -> None:
        # The entry and its head (the stamp and ETag, which the fast path reads), together.
        first = blob.find(b"\n")
        head = blob[: blob.find(b"\n", first + 1) + 1] if first >= 0 else b""
        pipe = self._client().pipeline(transaction=True)
        pipe.set(self.prefix + key, blob, ex=seconds)
        pipe.set(self.prefix + key + ":h", head, ex=seconds)
        pipe.execute()

    def fill(
        self, *, entry_key: str, wheres: list[Where], pointers: list[Pointer], site: SitePart
    ) -> bytes | None:
        args: list[Any] = [
            self.prefix,
            POINTER_SECONDS * 1000,
            site.site_id,
            site.dumps(),
            entry_key,
        ]
        versions = {p.article_id: p for p in pointers}
        for where in wheres:
            pointer = versions[where.article_id]
            args += [where.name, where.article_id, f"{pointer.version:0{_VERSION_DIGITS}d}"]
        return self._script("_fill", _FILL)(args=args)

    def claim_render(self, key: str, head: bytes, flight: str, token: str) -> bytes | bool:
        found = self._script("_claim", _CLAIM)(
            args=[self.prefix, key, head, flight, token, int(FLIGHT_SECONDS * 1000)]
        )
        return found if isinstance(found, bytes) else bool(found)

    def release_render(self, key: str, flight: str, token: str) -> None:
        self._script("_release", _RELEASE)(args=[self.prefix, key, flight, token])

    def mark_dirty(self, scopes: list[str], token: str) -> None:
        now = time.time()
        pipe = self._client().pipeline(transaction=False)
        for scope in scopes:
            key = self.prefix + _dirty_key(scope)
            pipe.zremrangebyscore(key, "-inf", now)
            pipe.zadd(key, {token: now + DIRTY_SECONDS})
            pipe.pexpire(key, DIRTY_SECONDS * 1000)
        pipe.execute()

    def publish(
        self, *, pointers: list[Pointer], sites: list[SitePart], scopes: list[str], token: str
    ) -> None:
        args: list[Any] = [
            self.prefix,
            POINTER_SECONDS * 1000,
            token,
            time.time(),
            len(pointers),
        ]
        for p in pointers:
            args += [p.article_id, p.site_id, f"{p.version:0{_VERSION_DIGITS}d}"]
        for site in sites:
            args += [site.site_id, site.dumps()]
        args += ["", *scopes]
        self._script("_publish", _PUBLISH)(args=args)

    def _evaluate_lookup(self, args: list[Any]) -> Any:
        """The lookup script on a connection of the calling thread's own, without the pool's
        and the retries' bookkeeping, which cost more than Redis's answer on this, the fast
        path's one round trip."""
        connection = getattr(self._own, "connection", None)
        if connection is None:
            connection = self._own.connection = self._client().connection_pool.make_connection()
        try:
            connection.send_command("EVALSHA", _LOOKUP_SHA, 0, *args)
            try:
                return connection.read_response()
            except NoScriptError:
                connection.send_command("EVAL", _LOOKUP, 0, *args)
                return connection.read_response()
        except BaseException:
            connection.disconnect()  # whatever was half sent or read is dropped with it
            raise

    def lookup(
        self, *, where_names: list[str], entry_key: str | None, entry_rest: str, have: str = ""
    ) -> Found | None:
        found = self._evaluate_lookup(
            [self.prefix, time.time(), entry_key or "", entry_rest, have, *where_names]
        )
        if not found:
            return None
        site, *rest = found.split(b"\0", 1 + 2 * len(where_names))
        pointers = [Pointer.loads(int(rest[i]), rest[i + 1]) for i in range(0, len(rest) - 1, 2)]
        return Found(SitePart.loads(site), rest[-1], pointers)


# Local memory ---------------------------------------------------------------------------------


class LocalStore(Store):
    """On Django's local-memory cache (one process): the same semantics under a lock."""

    pointers = True
    _lock = threading.Lock()

    def _set_pointer(self, pointer: Pointer) -> None:
        key = _pointer_key(pointer.article_id)
        current = self.cache.get(key)
        if current is None or Pointer.loads(pointer.article_id, current).version <= (
            pointer.version
        ):
            self.cache.set(key, pointer.dumps(), POINTER_SECONDS)

    def fill(
        self, *, entry_key: str, wheres: list[Where], pointers: list[Pointer], site: SitePart
    ) -> bytes | None:
        with self._lock:
            for where in wheres:
                self.cache.set(where.name, where.article_id, POINTER_SECONDS)
            for pointer in pointers:
                self._set_pointer(pointer)
            self.cache.add(_site_key(site.site_id), site.dumps(), POINTER_SECONDS)
        return self.get_entry(entry_key)

    def mark_dirty(self, scopes: list[str], token: str) -> None:
        now = time.time()
        with self._lock:
            for scope in scopes:
                marks = self._marks(scope, now)
                marks[token] = now + DIRTY_SECONDS
                self.cache.set(_dirty_key(scope), marks, DIRTY_SECONDS)

    def _marks(self, scope: str, now: float) -> dict[str, float]:
        marks = self.cache.get(_dirty_key(scope)) or {}
        return {t: until for t, until in marks.items() if until > now}

    def publish(
        self, *, pointers: list[Pointer], sites: list[SitePart], scopes: list[str], token: str
    ) -> None:
        now = time.time()
        with self._lock:
            for pointer in pointers:
                self._set_pointer(pointer)
            for site in sites:
                self.cache.set(_site_key(site.site_id), site.dumps(), POINTER_SECONDS)
            for scope in scopes:
                marks = self._marks(scope, now)
                marks.pop(token, None)
                if marks:
                    self.cache.set(_dirty_key(scope), marks, DIRTY_SECONDS)
                else:
                    self.cache.delete(_dirty_key(scope))

    def lookup(
        self, *, where_names: list[str], entry_key: str | None, entry_rest: str, have: str = ""
    ) -> Found | None:
        now = time.time()
        pointers: list[Pointer] = []
        for name in where_names:
            article_id = self.cache.get(name)
            raw = self.cache.get(_pointer_key(article_id)) if article_id is not None else None
            if raw is None or self._marks(article_scope(article_id), now):
                return None
            pointer = Pointer.loads(article_id, raw)
            if pointers and pointer.site_id != pointers[0].site_id:
                return None
            pointers.append(pointer)
        if not pointers or self._marks(site_scope(pointers[0].site_id), now):
            return None
        site = self.cache.get(_site_key(pointers[0].site_id))
        if site is None:
            return None
        if entry_key is None:
            entry_key = "page:" + entry_rest.replace("{id}", str(pointers[0].article_id), 1)
        entry = self.get_entry(entry_key)
        if entry is None:
            return None
        return Found(SitePart.loads(site), entry, pointers)


_stores: dict[int, Store] = {}


def store_for(cache: BaseCache) -> Store:
    """The store for this cache backend instance (one per backend object)."""
    store = _stores.get(id(cache))
    if store is None or store.cache is not cache:
        if isinstance(cache, RedisCache):
            store = RedisStore(cache)
        elif isinstance(cache, LocMemCache):
            store = LocalStore(cache)
        else:
            store = Store(cache)
        _stores[id(cache)] = store
    return store
