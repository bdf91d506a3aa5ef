"""The fast path (comments.fastpath): a cached anonymous thread page or counts answered from the
cache alone gives exactly the bytes and headers of the normal path, costs no query, is never
older than the normal path's page after any change, falls through for anything unusual, and
a cache that is down costs nothing but the fast path. The pointers (comments.pagestore) only
move forward when writers race."""

import random
import threading
from urllib.parse import quote, urlencode

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.db import connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from prometheus_client import REGISTRY

from comments import pagecache
from comments.models import Article, Comment, CommentStatus
from comments.origins import origin_allowed
from comments.pagestore import (
    LocalStore,
    Pointer,
    RedisStore,
    SitePart,
    Where,
    article_scope,
    where_key,
)
from comments.services import site_rotate_api_key
from moderation.services import comment_approve

from ..factories import CommentFactory
from .conftest import article_url, comment_url, counts_url, thread_url, vote_url
from .test_cache_outage import unreachable_redis_cache  # noqa: F401 (a fixture)
from .test_page_cache import _admin_save

S = CommentStatus
ALLOWED = "https://news.example"


def _get(client, path: str, params: dict | list | None = None, method: str = "get", **headers):
    query = urlencode(params or {}, doseq=True)
    return getattr(client, method)(path + (f"?{query}" if query else ""), **headers)


def _served(client, path, params=None, method="get", **headers):
    """The response and the number of queries it cost."""
    with CaptureQueriesContext(connection) as queries:
        response = _get(client, path, params, method, **headers)
    return response, len(queries.captured_queries)


def _normal(client, settings, path, params=None, method="get", **headers):
    settings.PARLEY_FAST_PATH = False
    try:
        return _get(client, path, params, method, **headers)
    finally:
        settings.PARLEY_FAST_PATH = True


def _same(fast, normal) -> None:
    """Status, every header and every byte."""
    assert fast.status_code == normal.status_code
    assert dict(fast.headers) == dict(normal.headers)
    assert fast.content == normal.content


# The same answer as the normal path, at no query. ---------------------------------------------


THREAD_PARAMS = [
    {},
    {"sort": "newest"},
    {"sort": "top"},
    {"limit": 1},
    {"limit": 100},
    {"sort": "newest", "limit": 2},
    "cursor",  # the second page of limit=2
]
THREAD_HEADERS = [
    {},
    {"HTTP_ORIGIN": ALLOWED},
    {"HTTP_ORIGIN": "HTTPS://News.Example:443"},  # the same origin, as embed.cors compares
    {"HTTP_ORIGIN": "https://evil.example"},
    {"HTTP_ORIGIN": "null"},
    {"HTTP_ACCEPT": "application/json"},
    {"HTTP_ACCEPT": "text/html, */*;q=0.8"},
    {"HTTP_IF_NONE_MATCH": '"not-it"'},
]


@pytest.mark.parametrize("params", THREAD_PARAMS, ids=str)
@pytest.mark.parametrize("headers", THREAD_HEADERS, ids=str)
@pytest.mark.parametrize("method", ["get", "head"])
def test_a_thread_page_is_the_normal_paths_answer(api, settings, thread, params, headers, method):
    path = thread_url(thread)
    if params == "cursor":
        first = _get(api, path, {"limit": 2}).json()
        params = {"limit": 2, "cursor": first["next_cursor"]}
    _get(api, path, params)  # rendered and cached by the normal path

    # The first fast answer builds its headers, the second reuses them.
    for _ in range(2):
        fast, queries = _served(api, path, params, method, **headers)
        assert queries == 0
        assert fast["X-Parley-Cache"] == "hit"
        _same(fast, _normal(api, settings, path, params, method, **headers))


@pytest.mark.parametrize("key", ["Ünïcode key, with spaces", "a+b%2Fc", "x" * 200])
def test_an_article_key_of_any_characters_is_the_normal_paths_answer(api, settings, site, key):
    article = Article.objects.create(site=site, key=key)
    CommentFactory(article=article)
    path = "/api/v1/sites/daily/articles/" + quote(key, safe="") + "/comments/"
    assert _get(api, path).status_code == 200

    fast, queries = _served(api, path, HTTP_ORIGIN=ALLOWED)

    assert (fast.status_code, queries) == (200, 0)
    _same(fast, _normal(api, settings, path, HTTP_ORIGIN=ALLOWED))


@pytest.mark.parametrize("match", ["{}", "W/{}", "*", '"other", {}'])
@pytest.mark.parametrize("origin", [{}, {"HTTP_ORIGIN": ALLOWED}])
def test_if_none_match_answers_304_as_the_normal_path(api, settings, thread, match, origin):
    path = thread_url(thread)
    etag = _get(api, path)["ETag"]
    inm = match.format(etag)

    for _ in range(2):
        fast, queries = _served(api, path, HTTP_IF_NONE_MATCH=inm, **origin)
        assert (fast.status_code, queries, fast.content) == (304, 0, b"")
        _same(fast, _normal(api, settings, path, HTTP_IF_NONE_MATCH=inm, **origin))
    # And a 200 for the same page after the 304s: the two answers' headers are kept apart.
    fast, queries = _served(api, path, **origin)
    assert (fast.status_code, queries) == (200, 0)
    _same(fast, _normal(api, settings, path, **origin))


COUNTS_PARAMS = [
    lambda a, b: {"article": a.key},
    lambda a, b: {"article": [a.key, b.key]},
    lambda a, b: {"article": [b.key, a.key, b.key]},
]


@pytest.mark.parametrize("params", COUNTS_PARAMS)
@pytest.mark.parametrize("headers", [{}, {"HTTP_ORIGIN": ALLOWED}, {"HTTP_IF_NONE_MATCH": "*"}])
def test_counts_are_the_normal_paths_answer(api, settings, site, thread, params, headers):
    other = Article.objects.create(site=site, key="other article, with spaces")
    CommentFactory(article=other)
    query = params(thread, other)
    _get(api, counts_url(site), query)

    for _ in range(2):
        fast, queries = _served(api, counts_url(site), query, **headers)
        assert (queries, fast["X-Parley-Cache"]) == (0, "hit")
        _same(fast, _normal(api, settings, counts_url(site), query, **headers))


def test_a_page_served_again_is_the_same_bytes_from_the_processs_copy(api, settings, thread):
    # From the second fast answer on, the cache sends only the entry's head when this process
    # holds the body with that ETag (on Redis; local memory sends the entry every time).
    _get(api, thread_url(thread))
    answers = [_served(api, thread_url(thread)) for _ in range(3)]

    assert [queries for _, queries in answers] == [0, 0, 0]
    for answer, _ in answers:
        _same(answer, _normal(api, settings, thread_url(thread)))


def test_headers_follow_a_change_of_settings(api, settings, thread):
    _get(api, thread_url(thread))
    assert _served(api, thread_url(thread))[0]["X-Frame-Options"] == "DENY"

    settings.X_FRAME_OPTIONS = "SAMEORIGIN"  # read by Django's middleware at each answer

    fast, queries = _served(api, thread_url(thread))
    assert (queries, fast["X-Frame-Options"]) == (0, "SAMEORIGIN")
    _same(fast, _normal(api, settings, thread_url(thread)))


def test_a_fast_answer_is_timed_under_the_normal_paths_view_and_counted_as_a_hit(api, thread):
    def sample(name: str, labels: dict) -> float:
        return REGISTRY.get_sample_value(name, labels) or 0

    timed = {"view": "thread", "method": "GET", "status": "2xx"}
    _get(api, thread_url(thread))
    before = sample("parley_http_request_duration_seconds_count", timed)
    hits = sample("parley_page_cache_requests_total", {"result": "hit"})

    assert _served(api, thread_url(thread))[1] == 0

    assert sample("parley_http_request_duration_seconds_count", timed) == before + 1
    assert sample("parley_page_cache_requests_total", {"result": "hit"}) == hits + 1


# Anything unusual: the normal path answers, unchanged. ----------------------------------------


@pytest.fixture
def session_cookie(api, db):
    user = get_user_model().objects.create_user("staff", password="pw", is_staff=True)
    api.force_login(user)
    return api


FALL_THROUGH = [
    ({"format": "json"}, {}),  # a parameter the fast path does not read
    ({"limit": "05"}, {}),
    ({"limit": "0"}, {}),
    ({"limit": "101"}, {}),
    ({"sort": "best"}, {}),
    ({"sort": ""}, {}),
    ({"cursor": "!!"}, {}),
    ([("sort", "newest"), ("sort", "top")], {}),
    ({}, {"HTTP_ACCEPT": "text/html"}),  # DRF answers 406
    ({}, {"HTTP_COOKIE": "csrftoken=abc"}),
    ({}, {"HTTP_AUTHORIZATION": "Token nope"}),
    ({}, {"HTTP_HOST": "evil.example"}),  # Django answers 400
]


@pytest.mark.parametrize(("params", "headers"), FALL_THROUGH, ids=str)
def test_anything_unusual_takes_the_normal_path(api, settings, thread, params, headers):
    path = thread_url(thread)
    _get(api, path)
    _get(api, path, params)

    answer, queries = _served(api, path, params, **headers)

    assert queries > 0 or answer.status_code >= 400  # DRF refuses some before any query
    _same(answer, _normal(api, settings, path, params, **headers))


def test_a_post_takes_the_normal_path(api, reader_api, thread):
    _get(api, thread_url(thread))
    response = reader_api.post(thread_url(thread), {"body": "Posted."}, format="json")
    assert response.status_code == 201


def test_a_signed_in_reader_takes_the_normal_path(api, reader_api, thread):
    _get(api, thread_url(thread))
    response, queries = _served(reader_api, thread_url(thread))
    assert queries > 0
    assert response["Cache-Control"] == "private, no-cache"


def test_a_session_takes_the_normal_path(session_cookie, thread):
    _get(session_cookie, thread_url(thread))
    response, queries = _served(session_cookie, thread_url(thread))
    assert (response.status_code, queries > 0) == (200, True)


def test_counts_of_an_unknown_article_take_the_normal_path(api, settings, site, thread):
    query = {"article": [thread.key, "no-such-article"]}
    _get(api, counts_url(site), query)
    answer, queries = _served(api, counts_url(site), query)
    assert queries > 0
    assert answer.json() == {"counts": {thread.key: 7, "no-such-article": 0}}


def test_the_fast_path_off_sends_everything_through_the_stack(api, settings, thread):
    settings.PARLEY_FAST_PATH = False
    _get(api, thread_url(thread))
    assert _served(api, thread_url(thread))[1] > 0


# Never older than the normal path: every kind of change, committed, shows at once. --------


def _fast(api, article, **params) -> dict:
    """A read served by the fast path (no query)."""
    response, queries = _served(api, thread_url(article), params)
    assert (response.status_code, queries) == (200, 0), response.content
    return {c["id"]: c for c in _flat(response.json()["results"])}


def _flat(results: list[dict]) -> list[dict]:
    out = []
    for c in results:
        out.append(c)
        out += _flat(c["replies"])
    return out


def _after_change(api, article, **params) -> dict:
    """The first read after a change: rendered again by the normal path (the fast path's entry
    is stale), then served by the fast path again, the same."""
    response, queries = _served(api, thread_url(article), params)
    assert response["X-Parley-Cache"] == "miss" and queries > 0
    again = _fast(api, article, **params)
    assert again == {c["id"]: c for c in _flat(response.json()["results"])}
    return again


def test_a_post_shows_at_once(api, reader_api, thread, committed):
    _get(api, thread_url(thread), {"sort": "newest"})
    before = _fast(api, thread, sort="newest")
    with committed():
        posted = reader_api.post(thread_url(thread), {"body": "New."}, format="json").json()
    shown = _after_change(api, thread, sort="newest")
    assert set(shown) == set(before) | {posted["id"]}


def test_an_edit_shows_at_once(api, reader, reader_api, thread, committed):
    mine = CommentFactory(article=thread, author=reader, body="First draft")
    _get(api, thread_url(thread), {"sort": "newest"})
    assert _fast(api, thread, sort="newest")[mine.pk]["html"] == "<p>First draft</p>"
    with committed():
        reader_api.patch(comment_url(mine), {"body": "Second draft"}, format="json")
    assert _after_change(api, thread, sort="newest")[mine.pk]["html"] == "<p>Second draft</p>"


def test_a_deletion_shows_at_once(api, reader, reader_api, thread, committed):
    mine = CommentFactory(article=thread, author=reader)
    _get(api, thread_url(thread), {"sort": "newest"})
    assert mine.pk in _fast(api, thread, sort="newest")
    with committed():
        assert reader_api.delete(comment_url(mine)).status_code == 204
    assert mine.pk not in _after_change(api, thread, sort="newest")


def test_a_vote_shows_at_once(api, reader_api, thread, committed):
    top = Comment.objects.filter(article=thread, parent=None).order_by("pk").first()
    _get(api, thread_url(thread))
    assert _fast(api, thread)[top.pk]["score"] == 0
    with committed():
        reader_api.put(vote_url(top), {"value": 1}, format="json")
    assert _after_change(api, thread)[top.pk]["score"] == 1


def test_a_moderators_decision_shows_at_once(api, other_reader, thread, moderator, committed):
    held = CommentFactory(article=thread, author=other_reader, status=S.HELD)
    _get(api, thread_url(thread), {"sort": "newest"})
    assert held.pk not in _fast(api, thread, sort="newest")
    with committed():
        comment_approve(by=moderator, comment_id=held.pk)
    assert held.pk in _after_change(api, thread, sort="newest")


def test_the_articles_settings_show_at_once(api, site, thread, committed):
    key = site_rotate_api_key(site=site)
    _get(api, thread_url(thread))
    _fast(api, thread)
    with committed():
        response = api.put(
            article_url(site, thread.key),
            {"title": "Renamed"},
            format="json",
            HTTP_AUTHORIZATION=f"SiteKey {key}",
        )
    assert response.status_code == 200
    _after_change(api, thread)


def test_the_sites_settings_and_origins_show_at_once(
    api, settings, admin_client, site, thread, committed
):
    first = Comment.objects.filter(article=thread, parent=None).order_by("pk").first()
    _get(api, thread_url(thread))
    assert len(_fast(api, thread)[first.pk]["replies"]) == 2
    allowed, _ = _served(api, thread_url(thread), HTTP_ORIGIN=ALLOWED)
    assert allowed["Access-Control-Allow-Origin"] == ALLOWED

    with committed():
        _admin_save(
            admin_client,
            f"/admin/comments/site/{site.pk}/change/",
            allowed_origins='["https://other.example"]',
            replies_per_comment=1,
            http_max_age=60,
        )

    assert len(_after_change(api, thread)[first.pk]["replies"]) == 1
    refused, queries = _served(api, thread_url(thread), HTTP_ORIGIN=ALLOWED)
    assert queries == 0 and "Access-Control-Allow-Origin" not in refused
    assert refused["Cache-Control"].startswith("public, max-age=60,")
    _same(refused, _normal(api, settings, thread_url(thread), HTTP_ORIGIN=ALLOWED))
    now_allowed, _ = _served(api, thread_url(thread), HTTP_ORIGIN="https://other.example")
    assert now_allowed["Access-Control-Allow-Origin"] == "https://other.example"


def test_counts_show_a_post_at_once(api, reader_api, site, thread, committed):
    _get(api, counts_url(site), {"article": thread.key})
    assert _served(api, counts_url(site), {"article": thread.key})[1] == 0
    with committed():
        reader_api.post(thread_url(thread), {"body": "One more."}, format="json")
    response, queries = _served(api, counts_url(site), {"article": thread.key})
    assert (response.json(), queries > 0) == ({"counts": {thread.key: 8}}, True)
    assert _served(api, counts_url(site), {"article": thread.key})[1] == 0


def test_versions_bumped_in_bulk_show_at_once_when_published_quietly(
    api, thread, committed, announced
):
    # An import bumps the versions of the articles it adds comments to in one UPDATE, and
    # sends no webhook (portability.services).
    _get(api, thread_url(thread))
    _fast(api, thread)
    with committed(), transaction.atomic():
        CommentFactory(article=thread, body="Imported.")
        pagecache.versions_bumped_quietly(article_ids=[thread.pk])
        Article.objects.filter(pk=thread.pk).update(version=F("version") + 1)
    assert "<p>Imported.</p>" in [c["html"] for c in _after_change(api, thread).values()]
    assert announced == []


def test_between_a_commit_and_its_publication_the_normal_path_answers(
    api, reader_api, thread, django_capture_on_commit_callbacks
):
    _get(api, thread_url(thread), {"sort": "newest"})
    _fast(api, thread, sort="newest")
    # The change is in the database; its announcement (which publishes the new version) has
    # not run: the dirty mark keeps the fast path off the article meanwhile.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        posted = reader_api.post(thread_url(thread), {"body": "Fresh."}, format="json").json()
    response, queries = _served(api, thread_url(thread), {"sort": "newest"})
    assert queries > 0
    assert response.json()["results"][0]["id"] == posted["id"]
    response, queries = _served(api, thread_url(thread), {"sort": "newest"})
    assert queries > 0  # still marked: no fast answer until the publication
    for callback in callbacks:
        callback()
    assert next(iter(_fast(api, thread, sort="newest"))) == posted["id"]


def test_a_rolled_back_change_leaves_the_normal_path_answering(api, thread):
    _get(api, thread_url(thread))
    with pytest.raises(RuntimeError), transaction.atomic():
        pagecache.article_bump_version(article_id=thread.pk, site_id=thread.site_id)
        raise RuntimeError("rolled back")
    response, queries = _served(api, thread_url(thread))
    assert (response.status_code, queries > 0) == (200, True)  # until the mark lapses


def test_the_announced_version_is_the_committed_one_not_a_rolled_back_savepoints(thread):
    # The announcement publishes the version each bump's UPDATE returned (no read after the
    # commit): a bump inside a savepoint that rolls back goes with that savepoint's own
    # announcement, and the one that commits holds the version the row keeps.
    with transaction.atomic():
        pagecache.article_bump_version(article_id=thread.pk, site_id=thread.site_id)
        with pytest.raises(RuntimeError), transaction.atomic():
            pagecache.article_bump_version(article_id=thread.pk, site_id=thread.site_id)
            raise RuntimeError("rolled back")
        waiting = [
            entry[1]
            for entry in connection.run_on_commit
            if isinstance(entry[1], pagecache.PagesAnnouncement)
        ]
        version = Article.objects.values_list("version", flat=True).get(pk=thread.pk)
        assert [a.versions for a in waiting] == [{thread.pk: (thread.site_id, version)}]


def test_a_bump_announces_its_version_without_reading_it_back(thread, committed):
    with CaptureQueriesContext(connection) as queries, committed(), transaction.atomic():
        pagecache.article_bump_version(article_id=thread.pk, site_id=thread.site_id)
    sql = [q["sql"] for q in queries.captured_queries]
    bump = [s for s in sql if s.startswith('UPDATE "comments_article"')]
    assert len(bump) == 1 and "RETURNING" in bump[0], sql
    # After the commit the listeners run (the webhook outbox reads the site); nothing reads
    # the article's version back.
    assert not any(s.startswith("SELECT") and 'FROM "comments_article"' in s for s in sql), sql


# The cache down: the normal path answers, never an error. -------------------------------------


@pytest.mark.usefixtures("unreachable_redis_cache")
def test_a_cache_that_is_down_falls_through_to_the_normal_path(api, site, thread, caplog):
    for _ in range(3):
        response = _get(api, thread_url(thread))
        assert response.status_code == 200
        assert response["X-Parley-Cache"] == "miss"
    counts = _get(api, counts_url(site), {"article": thread.key})
    assert counts.json() == {"counts": {thread.key: 7}}
    assert "Fast path skipped: the cache is unavailable" in caplog.text


# Pointers only move forward; the origin decision is embed.cors's. ------------------------------


def _stores() -> list:
    stores = [pytest.param(lambda: LocalStore(LocMemCache("fast-path-race", {})), id="locmem")]
    redis = pytest.mark.skipif(
        not django_settings.REDIS_URL, reason="set REDIS_URL to race on the real Redis"
    )
    stores.append(pytest.param(lambda: RedisStore(caches["default"]), id="redis", marks=redis))
    return stores


@pytest.mark.parametrize("make_store", _stores())
def test_racing_writers_never_move_a_pointer_back(make_store):
    store = make_store()
    if isinstance(store, RedisStore):
        assert isinstance(caches["default"], RedisCache)
    site = SitePart(1, "race", 3, 4, 5, 30, 30, ())
    store.set_entry("page:race", b'[]\n"e"\n', 60)
    versions = list(range(1, 401))
    random.Random(7).shuffle(versions)
    seen: list[int] = []
    failures: list[BaseException] = []
    start = threading.Barrier(8)

    def writer(mine: list[int]) -> None:
        try:
            start.wait()
            for i, version in enumerate(mine):
                pointer = Pointer(article_id=99, site_id=1, version=version)
                if i % 2:
                    store.publish(pointers=[pointer], sites=[], scopes=[], token="t")
                else:
                    store.fill(
                        entry_key="page:none",
                        wheres=[Where("race", "k", 99)],
                        pointers=[pointer],
                        site=site,
                    )
                found = store.lookup(
                    where_names=[where_key("race", "k")], entry_key="page:race", entry_rest=""
                )
                if found is not None:
                    seen.append(found.pointers[0].version)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=writer, args=(versions[i::8],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    found = store.lookup(where_names=[where_key("race", "k")], entry_key="page:race", entry_rest="")
    assert found is not None and found.pointers[0].version == 400
    assert seen  # the lookups read the pointer while the writers raced


@pytest.mark.parametrize("make_store", _stores())
def test_a_dirty_mark_hides_the_article_until_its_token_is_published(make_store):
    store = make_store()
    site = SitePart(1, "race", 3, 4, 5, 30, 30, ())
    pointer = Pointer(article_id=98, site_id=1, version=5)
    store.set_entry("page:dirty", b'[]\n"e"\n', 60)
    store.fill(
        entry_key="page:none", wheres=[Where("race", "d", 98)], pointers=[pointer], site=site
    )

    def found():
        return store.lookup(
            where_names=[where_key("race", "d")], entry_key="page:dirty", entry_rest=""
        )

    assert found() is not None
    store.mark_dirty([article_scope(98)], "one")
    store.mark_dirty([article_scope(98)], "two")
    assert found() is None
    store.publish(pointers=[pointer], sites=[], scopes=[article_scope(98)], token="one")
    assert found() is None  # the other transaction has not published yet
    store.publish(pointers=[pointer], sites=[], scopes=[article_scope(98)], token="two")
    assert found() is not None


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        (ALLOWED, True),
        ("https://NEWS.example", True),
        ("https://news.example:443", True),
        ("https://news.example/", True),
        ("https://news.example:8443", False),
        ("http://news.example", False),
        ("https://news.example.evil", False),
        ("null", False),
        ("", False),
        (None, False),
        ("ftp://news.example", False),
        ("https://news.example:bad", False),
    ],
)
def test_an_origin_is_allowed_in_its_normal_form(origin, allowed):
    # One decision for embed.cors and the fast path (comments.origins).
    assert origin_allowed([ALLOWED], origin) is allowed
    assert origin_allowed(["https://NEWS.EXAMPLE:443/"], origin) is allowed
    assert origin_allowed([], origin) is False
    assert origin_allowed(["null", 7], origin) is False


def test_ipv6_origins_compare_in_brackets():
    assert origin_allowed(["https://[::1]"], "https://[::1]:443")
    assert not origin_allowed(["https://[::1]"], "https://[::2]")


def test_embed_is_the_only_site_origin_decider():
    # The fast path reproduces embed.cors's answer to this signal; another receiver would
    # have to be reproduced too.
    from corsheaders.signals import check_request_enabled

    names = [getattr(r[1](), "__name__", "") for r in check_request_enabled.receivers]
    assert names == ["cors_allow_site_origin"]
