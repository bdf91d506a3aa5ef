"""Debian's nginx, rendered from deploy/nginx.conf.template, in front of gunicorn started with
deploy/gunicorn.conf.py and the production settings, on the real PostgreSQL and Redis.

gunicorn runs ONE sync worker here: if nginx let a slow client through to it, every other
request would wait, which is what these tests would see. Skipped, with the reason, where nginx
is not installed (CI installs it with .ci/stack-setup).
"""

import json
import os
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import redis
import requests
from rest_framework.authtoken.models import Token

from deploy.stack import Gunicorn, Nginx, collect_static, find_nginx, free_port
from tests.factories import ArticleFactory, CommenterFactory, CommentFactory, SiteFactory

from .conftest import database_url, own_redis_db

NGINX = find_nginx()
GUNICORN = Path(sys.executable).with_name("gunicorn")
pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(NGINX is None, reason="nginx is not installed (bash .ci/stack-setup)"),
    pytest.mark.skipif(
        not GUNICORN.exists(), reason="gunicorn is not installed (make install: the dev extra)"
    ),
]
THREAD = "/api/v1/sites/daily/articles/budget-2026/comments/"
CLIENT_TIMEOUT = 2  # seconds nginx waits for a client's next bytes, short for the tests


def production_env() -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "an-integration-test-key-that-is-long-enough-to-pass-checks",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "PARLEY_NUM_PROXIES": "1",
        "PARLEY_REQUIRE_2FA_SUPERUSERS": "false",
        "DATABASE_URL": database_url(),
        "DATABASE_CONN_MAX_AGE": "0",
        "REDIS_URL": own_redis_db(),
        "LOG_LEVEL": "WARNING",
    }


@pytest.fixture(scope="module")
def static_root(tmp_path_factory, django_db_setup) -> Path:
    root = tmp_path_factory.mktemp("static")
    collect_static(root, production_env())
    return root


@pytest.fixture(scope="module")
def stack(tmp_path_factory, django_db_setup, static_root) -> Iterator[dict]:
    """nginx → gunicorn (one sync worker) → the test database; shared by this module's tests."""
    folder = tmp_path_factory.mktemp("stack")
    web = Gunicorn(
        "config.wsgi",
        production_env(),
        folder / "gunicorn.log",
        extra_args=[
            "--workers",
            "1",
            "--worker-class",
            "sync",
            "--threads",
            "1",
            "--access-logfile",
            "-",
        ],
    )
    try:
        proxy = Nginx(
            NGINX,
            folder / "nginx",
            {
                "upstream": f"127.0.0.1:{web.port}",
                "static_root": str(static_root),
                "client_timeout_seconds": CLIENT_TIMEOUT,
                "access_log": str(folder / "nginx" / "access.log"),
            },
        )
    except Exception:
        web.stop()
        raise
    yield {"nginx": proxy, "gunicorn": web, "url": proxy.url, "folder": folder}
    proxy.stop()
    web.stop()


@pytest.fixture(autouse=True)
def _stack_redis_empty():
    """Each test starts with the stack's Redis (this test process's own database) empty: a
    previous test's article, deleted by the test database's flush behind Parley's back, would
    otherwise stay in the fast path's pointers until they expire (docs/operating.md)."""
    redis.Redis.from_url(own_redis_db()).flushdb()


@pytest.fixture
def thread(transactional_db):
    site = SiteFactory(slug="daily")
    article = ArticleFactory(site=site, key="budget-2026")
    return CommentFactory(article=article, body="Through the proxy.")


@pytest.fixture
def token(transactional_db) -> bytes:
    """A signed-in reader's token: Parley reads the body of a signed-in reader's post."""
    reader = CommenterFactory(user__username="slow")
    return Token.objects.create(user=reader.user).key.encode()


def short_post(port: int, token: bytes) -> socket.socket:
    """A post promising 1,000 bytes of body and sending 10, then nothing."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(
        b"POST " + THREAD.encode() + b" HTTP/1.1\r\nHost: localhost\r\n"
        b"Authorization: Token " + token + b"\r\n"
        b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n" + b'{"body": "'
    )
    return sock


def assert_error_shape(response: requests.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text[:300]
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "detail"}
    assert body["error"]["code"] == code
    return body["error"]


def raw_request(port: int, data: bytes) -> bytes:
    """Send bytes as they are (requests would refuse a malformed header) and read the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def json_body(answer: bytes) -> dict:
    return json.loads(answer.split(b"\r\n\r\n", 1)[1])


# ---- the path through ----


def test_a_thread_page_is_served_through_nginx(stack, thread):
    response = requests.get(stack["url"] + THREAD, timeout=10)
    assert response.status_code == 200, response.text[:300]
    assert response.headers["Server"] == "nginx"
    assert [c["id"] for c in response.json()["results"]] == [thread.pk]
    # Django answered it: its middleware's headers came through the proxy.
    assert response.headers["X-Frame-Options"] == "DENY"


def test_django_json_errors_pass_through_untouched(stack, transactional_db):
    response = requests.get(stack["url"] + THREAD, timeout=10)
    assert_error_shape(response, 404, "article_not_found")
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("path", ["/embed.js", "/count.js"])
def test_embed_scripts_are_served_by_nginx_from_the_collected_files(stack, static_root, path):
    response = requests.get(stack["url"] + path, timeout=10)
    assert response.status_code == 200
    assert response.content == (static_root / "embed" / path.lstrip("/")).read_bytes()
    assert response.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    # nginx's static module, not Django: a file's validators, and none of Django's middleware.
    assert response.headers["Accept-Ranges"] == "bytes"
    assert "Last-Modified" in response.headers
    assert "X-Frame-Options" not in response.headers
    assert "Content-Security-Policy" not in response.headers


def test_collected_static_files_are_served_and_a_missing_one_is_a_json_404(stack):
    found = requests.get(stack["url"] + "/static/admin/css/base.css", timeout=10)
    assert found.status_code == 200
    assert found.headers["Content-Type"].startswith("text/css")
    assert "X-Frame-Options" not in found.headers
    missing = requests.get(stack["url"] + "/static/admin/css/nope.css", timeout=10)
    assert_error_shape(missing, 404, "not_found")


# ---- limits, in the one error shape ----


def test_an_over_limit_body_is_refused_with_413_before_gunicorn(stack, thread):
    gunicorn_log = stack["gunicorn"].log
    before = gunicorn_log.read_bytes().count(b"POST ")
    response = requests.post(
        stack["url"] + THREAD,
        data=b'{"body": "' + b"x" * 300_000 + b'"}',
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    error = assert_error_shape(response, 413, "request_too_large")
    assert error["detail"] == {"max_bytes": 262144}
    assert gunicorn_log.read_bytes().count(b"POST ") == before


def test_an_over_long_header_is_a_431_in_the_error_shape(stack):
    response = requests.get(stack["url"] + THREAD, headers={"X-Padding": "a" * 9000}, timeout=10)
    error = assert_error_shape(response, 431, "header_too_large")
    assert error["detail"] == {"max_bytes": 8192}


def test_an_over_long_cookie_is_a_431_in_the_error_shape(stack):
    response = requests.get(stack["url"] + THREAD, cookies={"c": "a" * 9000}, timeout=10)
    assert_error_shape(response, 431, "header_too_large")


def test_an_over_long_request_line_is_a_414_in_the_error_shape(stack):
    response = requests.get(stack["url"] + THREAD + "?q=" + "a" * 9000, timeout=10)
    assert_error_shape(response, 414, "uri_too_long")


def test_a_malformed_request_is_a_400_in_the_error_shape(stack):
    answer = raw_request(stack["nginx"].port, b"NONSENSE\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert b"\r\nContent-Type: application/json\r\n" in answer
    assert json_body(answer)["error"]["code"] == "bad_request"


# ---- slow clients hold no worker ----


def timed_get(base: str) -> float:
    """One request that gunicorn's worker answers (Django's JSON 404 for an unknown endpoint)."""
    started = time.perf_counter()
    response = requests.get(base + "/api/v1/no-such-endpoint/", timeout=10)
    assert response.status_code == 404
    assert response.headers["X-Frame-Options"] == "DENY"  # from Django, not nginx
    return time.perf_counter() - started


def test_a_body_shorter_than_its_content_length_never_reaches_the_worker(stack, thread, token):
    """The client stops after 10 of 1,000 promised bytes. Through nginx the one sync worker
    stays free: other readers are answered at once, and nginx drops the silent client after
    client_body_timeout (logged as 408; nginx sends no answer to a client it timed out, and
    never a 500)."""
    posts_seen = stack["gunicorn"].log.read_text().count("POST ")
    sock = short_post(stack["nginx"].port, token)
    try:
        waits = [timed_get(stack["url"]) for _ in range(5)]
        # A worker held by the client would make the first of these wait 30 s.
        assert max(waits) < 2, waits
        started = time.perf_counter()
        try:
            answer = sock.recv(65536)
        except ConnectionResetError:
            answer = b""
        assert time.perf_counter() - started < CLIENT_TIMEOUT + 5
        assert b" 500 " not in answer
    finally:
        sock.close()
    access = (stack["folder"] / "nginx" / "access.log").read_text()
    assert f'"POST {THREAD} HTTP/1.1" 408 ' in access
    # gunicorn never saw that request (its access log lists every request it answered).
    assert stack["gunicorn"].log.read_text().count("POST ") == posts_seen


def test_a_trickling_client_gets_its_json_answer_while_others_are_served(stack, thread, token):
    """A client sending its body a few bytes at a time (each pause shorter than the timeout):
    nginx collects it while the worker serves others, then passes it on whole."""
    body = json.dumps({"body": " " * 40}).encode()
    answer: list[bytes] = []

    def trickle() -> None:
        with socket.create_connection(("127.0.0.1", stack["nginx"].port), timeout=10) as sock:
            sock.sendall(
                b"POST " + THREAD.encode() + b" HTTP/1.1\r\nHost: localhost\r\n"
                b"Authorization: Token " + token + b"\r\n"
                b"Connection: close\r\nContent-Type: application/json\r\n"
                b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n"
            )
            for i in range(0, len(body), 8):
                sock.sendall(body[i : i + 8])
                time.sleep(0.3)
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
            answer.append(b"".join(chunks))

    slow = threading.Thread(target=trickle)
    slow.start()
    time.sleep(0.2)
    waits = [timed_get(stack["url"]) for _ in range(5)]
    slow.join(20)
    assert max(waits) < 2, waits
    # A blank comment: Parley's own 400 in the error shape, not a timeout and not a 500.
    assert answer[0].startswith(b"HTTP/1.1 400 "), answer[0][:300]
    assert json_body(answer[0])["error"]["code"] == "empty_body"


def test_without_nginx_the_same_short_body_holds_the_worker(stack, thread, token):
    """The control: straight to gunicorn, the same client blocks its only worker, so the test
    above would fail if nginx passed requests through unbuffered."""
    port = stack["gunicorn"].port
    sock = short_post(port, token)
    try:
        time.sleep(0.3)
        with pytest.raises(requests.Timeout):
            requests.get(f"http://127.0.0.1:{port}/api/v1/no-such-endpoint/", timeout=1.5)
    finally:
        sock.close()  # the worker reads the end of the body and is free again
    assert timed_get(f"http://127.0.0.1:{port}") < 5


# ---- gunicorn down or stuck: 502 and 504 in the error shape ----


@pytest.fixture
def lone_nginx(tmp_path, static_root) -> Iterator:
    started: list[Nginx] = []

    def start(upstream: str, **settings) -> Nginx:
        proxy = Nginx(
            NGINX,
            tmp_path / f"nginx{len(started)}",
            {"upstream": upstream, "static_root": str(static_root), **settings},
        )
        started.append(proxy)
        return proxy

    yield start
    for proxy in started:
        proxy.stop()


def test_gunicorn_down_is_a_502_in_the_error_shape(lone_nginx):
    proxy = lone_nginx(f"127.0.0.1:{free_port()}")  # nothing listens there
    response = requests.get(proxy.url + THREAD, timeout=10)
    assert_error_shape(response, 502, "upstream_unavailable")
    assert response.headers["Retry-After"] == "5"


def test_gunicorn_stuck_is_a_504_in_the_error_shape(lone_nginx):
    # A socket that listens and never answers: nginx connects, sends, and waits.
    with socket.socket() as stuck:
        stuck.bind(("127.0.0.1", 0))
        stuck.listen(16)
        proxy = lone_nginx(f"127.0.0.1:{stuck.getsockname()[1]}", upstream_timeout_seconds=1)
        response = requests.get(proxy.url + THREAD, timeout=10)
    assert_error_shape(response, 504, "upstream_timeout")


# ---- the optional micro-cache ----


class Upstream:
    """Stands in for gunicorn to answer with the headers the cache rules look at, and counts
    the requests that reach it."""

    HEADERS = {
        "/api/v1/public/": {},
        "/api/v1/private/": {"Cache-Control": "private, max-age=60"},
        "/api/v1/no-store/": {"Cache-Control": "no-store"},
        "/api/v1/cookie/": {"Set-Cookie": "sessionid=abc; HttpOnly"},
    }

    def __init__(self):
        self.hits: Counter[str] = Counter()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                path = self.path.split("?")[0]
                outer.hits[path] += 1
                body = json.dumps({"path": path, "n": outer.hits[path]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for name, value in outer.HEADERS.get(path, {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.address = f"127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    server = Upstream()
    yield server
    server.close()


def get_twice(url: str, **kw) -> list[requests.Response]:
    return [requests.get(url, timeout=10, **kw) for _ in range(2)]


def test_the_micro_cache_is_off_by_default(lone_nginx, upstream):
    proxy = lone_nginx(upstream.address)
    answers = get_twice(proxy.url + "/api/v1/public/")
    assert [a.json()["n"] for a in answers] == [1, 2]
    assert "X-Micro-Cache" not in answers[1].headers


def test_the_micro_cache_shares_an_anonymous_page(lone_nginx, upstream):
    proxy = lone_nginx(upstream.address, micro_cache_seconds=30)
    answers = get_twice(proxy.url + "/api/v1/public/")
    assert [a.headers["X-Micro-Cache"] for a in answers] == ["MISS", "HIT"]
    assert [a.json()["n"] for a in answers] == [1, 1]
    assert upstream.hits["/api/v1/public/"] == 1


@pytest.mark.parametrize(
    "headers",
    [{"Authorization": "Token abc"}, {"Cookie": "csrftoken=x; sessionid=abc"}],
    ids=["authorization", "session-cookie"],
)
def test_the_micro_cache_never_serves_or_stores_a_signed_in_request(lone_nginx, upstream, headers):
    proxy = lone_nginx(upstream.address, micro_cache_seconds=30)
    signed_in = get_twice(proxy.url + "/api/v1/public/", headers=headers)
    assert [a.headers["X-Micro-Cache"] for a in signed_in] == ["BYPASS", "BYPASS"]
    assert [a.json()["n"] for a in signed_in] == [1, 2]
    # Nor was it stored for the anonymous reader who comes next.
    anonymous = requests.get(proxy.url + "/api/v1/public/", timeout=10)
    assert anonymous.json()["n"] == 3


@pytest.mark.parametrize("path", ["/api/v1/private/", "/api/v1/no-store/", "/api/v1/cookie/"])
def test_the_micro_cache_never_stores_a_private_answer_or_one_that_sets_a_cookie(
    lone_nginx, upstream, path
):
    proxy = lone_nginx(upstream.address, micro_cache_seconds=30)
    answers = get_twice(proxy.url + path)
    assert [a.json()["n"] for a in answers] == [1, 2]
    assert [a.headers["X-Micro-Cache"] for a in answers] == ["MISS", "MISS"]
