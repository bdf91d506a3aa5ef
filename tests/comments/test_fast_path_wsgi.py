"""The fast path as a WSGI application in front of Django's (comments.fastpath.FastPathApp,
config.wsgi): what it answers is, header for header and byte for byte, what Django's handler
answers with the fast path off, at no query, timed and counted as the middleware would; what
it does not answer reaches Django unchanged; Django's request checks (hosts, HTTPS) decide as
they do in the stack."""

import json
from urllib.parse import quote, urlencode, urlparse

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from prometheus_client import REGISTRY

from comments.fastpath import MISSED, FastPathApp
from comments.models import Article

from ..factories import CommentFactory
from ..wsgi import own_connection
from .conftest import counts_url, thread_url
from .test_cache_outage import unreachable_redis_cache  # noqa: F401 (a fixture)
from .test_fast_path import ALLOWED, THREAD_HEADERS, THREAD_PARAMS


class Answer:
    def __init__(self, status: str, headers: list[tuple[str, str]], content: bytes, sql: list):
        self.status, self.headers, self.content = status, headers, content
        self.sql = sql  # the statements it ran
        self.queries = len(sql)

    def header(self, name: str) -> str | None:
        return next((v for n, v in self.headers if n.lower() == name.lower()), None)


def environ(path: str, params=None, method: str = "GET", **headers) -> dict:
    """A WSGI environ as a server gives it (PATH_INFO decoded, as ISO-8859-1)."""
    query = urlencode(params or {}, doseq=True)
    factory = RequestFactory()
    return factory._base_environ(
        PATH_INFO=factory._get_path(urlparse(path)),
        REQUEST_METHOD=method,
        QUERY_STRING=query,
        **headers,
    )


def call(app, path: str, params=None, method: str = "GET", **headers) -> Answer:
    """One request through `app`, and the queries it cost."""
    started: list = []
    with own_connection(), CaptureQueriesContext(connection) as queries:
        body = app(
            environ(path, params, method, **headers),
            lambda status, headers, exc_info=None: started.append((status, headers)),
        )
        try:
            content = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
    status, header_list = started[0]
    return Answer(status, list(header_list), content, [q["sql"] for q in queries.captured_queries])


def normal(settings, django, path, params=None, method="GET", **headers) -> Answer:
    settings.PARLEY_FAST_PATH = False
    try:
        return call(django, path, params, method, **headers)
    finally:
        settings.PARLEY_FAST_PATH = True


def same(fast: Answer, slow: Answer) -> None:
    """The status line, every header in its order, every byte."""
    assert fast.status == slow.status
    assert fast.headers == slow.headers
    assert fast.content == slow.content


@pytest.mark.parametrize("params", THREAD_PARAMS, ids=str)
@pytest.mark.parametrize("headers", THREAD_HEADERS, ids=str)
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_a_thread_page_is_djangos_answer(wsgi, settings, thread, params, headers, method):
    django, app = wsgi
    path = thread_url(thread)
    if params == "cursor":
        first = call(app, path, {"limit": 2})
        next_cursor = json.loads(first.content)["next_cursor"]
        params = {"limit": 2, "cursor": next_cursor}
    call(app, path, params)  # rendered and cached by the normal path

    # The first fast answer builds its headers from a request, the second reuses them.
    for _ in range(2):
        fast = call(app, path, params, method, **headers)
        assert fast.queries == 0
        assert fast.header("X-Parley-Cache") == "hit"
        same(fast, normal(settings, django, path, params, method, **headers))


@pytest.mark.parametrize("key", ["Ünïcode key, with spaces", "a+b%2Fc", "日本語の記事"])
def test_an_article_key_of_any_characters_is_djangos_answer(wsgi, settings, site, key):
    django, app = wsgi
    article = Article.objects.create(site=site, key=key)
    CommentFactory(article=article)
    path = "/api/v1/sites/daily/articles/" + quote(key, safe="") + "/comments/"
    assert call(app, path).status == "200 OK"

    fast = call(app, path, HTTP_ORIGIN=ALLOWED)

    assert (fast.status, fast.queries) == ("200 OK", 0)
    same(fast, normal(settings, django, path, HTTP_ORIGIN=ALLOWED))


@pytest.mark.parametrize("match", ["{}", "W/{}", "*"])
def test_if_none_match_answers_304_as_django(wsgi, settings, thread, match):
    django, app = wsgi
    path = thread_url(thread)
    etag = call(app, path).header("ETag")

    for _ in range(2):
        fast = call(app, path, HTTP_IF_NONE_MATCH=match.format(etag))
        assert (fast.status, fast.queries, fast.content) == ("304 Not Modified", 0, b"")
        same(fast, normal(settings, django, path, HTTP_IF_NONE_MATCH=match.format(etag)))
    fast = call(app, path)
    assert (fast.status, fast.queries) == ("200 OK", 0)
    same(fast, normal(settings, django, path))


@pytest.mark.parametrize("headers", [{}, {"HTTP_ORIGIN": ALLOWED}, {"HTTP_IF_NONE_MATCH": "*"}])
def test_counts_are_djangos_answer(wsgi, settings, site, thread, headers):
    django, app = wsgi
    other = Article.objects.create(site=site, key="other article, with spaces")
    CommentFactory(article=other)
    query = {"article": [thread.key, other.key]}
    call(app, counts_url(site), query)

    for _ in range(2):
        fast = call(app, counts_url(site), query, **headers)
        assert (fast.queries, fast.header("X-Parley-Cache")) == (0, "hit")
        same(fast, normal(settings, django, counts_url(site), query, **headers))


def test_an_answer_is_timed_under_the_views_name_and_counted_as_a_hit(wsgi, thread):
    def sample(name: str, labels: dict) -> float:
        return REGISTRY.get_sample_value(name, labels) or 0

    _, app = wsgi
    timed = {"view": "thread", "method": "GET", "status": "2xx"}
    not_modified = {"view": "thread", "method": "GET", "status": "3xx"}
    etag = call(app, thread_url(thread)).header("ETag")
    before = sample("parley_http_request_duration_seconds_count", timed)
    before_304 = sample("parley_http_request_duration_seconds_count", not_modified)
    hits = sample("parley_page_cache_requests_total", {"result": "hit"})

    assert call(app, thread_url(thread)).queries == 0
    assert call(app, thread_url(thread), HTTP_IF_NONE_MATCH=etag).queries == 0

    assert sample("parley_http_request_duration_seconds_count", timed) == before + 1
    assert sample("parley_http_request_duration_seconds_count", not_modified) == before_304 + 1
    assert sample("parley_page_cache_requests_total", {"result": "hit"}) == hits + 2


FALL_THROUGH = [
    ({"format": "json"}, {}),
    ({"limit": "05"}, {}),
    ({"sort": "best"}, {}),
    ({}, {"HTTP_ACCEPT": "text/html"}),  # DRF answers 406
    ({}, {"HTTP_COOKIE": "csrftoken=abc"}),
    ({}, {"HTTP_AUTHORIZATION": "Token nope"}),  # 401
    ({}, {"HTTP_HOST": "evil.example"}),  # Django answers 400
]


@pytest.mark.parametrize(("params", "headers"), FALL_THROUGH, ids=str)
def test_anything_unusual_is_djangos_to_answer(wsgi, settings, thread, params, headers):
    django, app = wsgi
    path = thread_url(thread)
    call(app, path)
    call(app, path, params)

    answer = call(app, path, params, **headers)

    assert answer.queries > 0 or int(answer.status[:3]) >= 400
    slow = normal(settings, django, path, params, **headers)
    # Django sets a new random CSRF cookie on each of the two answers: its value differs.
    for one in (answer, slow):
        one.headers = [(n, v if n != "Set-Cookie" else "(a cookie)") for n, v in one.headers]
    same(answer, slow)


def test_a_miss_is_looked_up_once_then_rendered_by_django(wsgi, settings, thread):
    django, app = wsgi
    request = environ(thread_url(thread))
    started: list = []

    def start_response(status, headers, exc_info=None):
        started.append(status)

    with own_connection():
        first = b"".join(app(request, start_response))

    # Nothing was cached: the wrapper's look-up missed, and said so to the middleware.
    assert request[MISSED] is True
    assert started == ["200 OK"]
    fast = call(app, thread_url(thread))
    assert (fast.queries, fast.content) == (0, first)
    same(fast, normal(settings, django, thread_url(thread)))


def test_a_host_refused_once_is_refused_again_and_others_are_served(wsgi, settings, thread):
    django, app = wsgi
    path = thread_url(thread)
    call(app, path)
    for _ in range(2):
        refused = call(app, path, HTTP_HOST="evil.example")
        assert refused.status.startswith("400")
        same(refused, normal(settings, django, path, HTTP_HOST="evil.example"))
    fast = call(app, path)
    assert (fast.status, fast.queries) == ("200 OK", 0)


def test_https_behind_the_proxy_gets_the_secure_answers_headers(wsgi, settings, thread):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = 3600
    django = WSGIHandler()  # SecurityMiddleware reads the settings when it is built
    app = FastPathApp(django)
    path = thread_url(thread)
    call(app, path)

    for proto in ["https", "http", "https"]:
        fast = call(app, path, HTTP_X_FORWARDED_PROTO=proto)
        assert fast.queries == 0
        assert (fast.header("Strict-Transport-Security") is not None) == (proto == "https")
        same(fast, normal(settings, django, path, HTTP_X_FORWARDED_PROTO=proto))


def test_an_https_redirect_is_djangos_to_answer(wsgi, settings, thread):
    django, app = wsgi
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    path = thread_url(thread)
    call(app, path, HTTP_X_FORWARDED_PROTO="https")
    settings.SECURE_SSL_REDIRECT = True
    django = WSGIHandler()  # SecurityMiddleware reads the setting when it is built
    app = FastPathApp(django)

    redirected = call(app, path, HTTP_X_FORWARDED_PROTO="http")
    assert redirected.status.startswith("301")
    same(redirected, normal(settings, django, path, HTTP_X_FORWARDED_PROTO="http"))
    fast = call(app, path, HTTP_X_FORWARDED_PROTO="https")
    assert (fast.status, fast.queries) == ("200 OK", 0)


def test_a_post_is_djangos_and_shows_at_once(wsgi, settings, thread, reader_api, committed):
    django, app = wsgi
    path = thread_url(thread)
    call(app, path, {"sort": "newest"})
    assert call(app, path, {"sort": "newest"}).queries == 0
    with committed():
        posted = reader_api.post(path, {"body": "New."}, format="json").json()

    first = call(app, path, {"sort": "newest"})
    assert first.queries > 0 and first.header("X-Parley-Cache") == "miss"
    again = call(app, path, {"sort": "newest"})
    assert again.queries == 0
    assert json.loads(again.content)["results"][0]["id"] == posted["id"]
    same(again, normal(settings, django, path, {"sort": "newest"}))


def test_the_fast_path_off_sends_everything_to_django(wsgi, settings, thread):
    _, app = wsgi
    call(app, thread_url(thread))
    settings.PARLEY_FAST_PATH = False
    assert call(app, thread_url(thread)).queries > 0


@pytest.mark.usefixtures("unreachable_redis_cache")
def test_a_cache_that_is_down_leaves_django_answering(wsgi, thread, caplog):
    _, app = wsgi
    answers = [call(app, thread_url(thread)) for _ in range(2)]
    assert [a.status for a in answers] == ["200 OK", "200 OK"]
    assert all(a.queries > 0 for a in answers)


def test_config_wsgi_puts_the_fast_path_in_front_of_django():
    from config.wsgi import application

    assert isinstance(application, FastPathApp)
    assert isinstance(application.application, WSGIHandler)
