"""After a change, the readers of a hot page all miss at once: the threads of one process that
ask for the same page at the same article version render it once between them
(comments.pagecache._render_once), and a reader asking at another version never gets those
bytes."""

import threading
import time

import pytest
from django.conf import settings as django_settings

from comments import pagecache, pagestore
from comments.models import Article
from comments.pagestore import RedisStore


def _read(article: Article, render, results: list, index: int) -> None:
    body = pagecache.thread_body(
        article=article, sort="oldest", cursor=None, limit=20, render=render
    )
    results[index] = body


def _until_waiting(count: int) -> None:
    """Until `count` threads wait for the one rendering (on its flight's event: white-box, so
    that none arrives after the render and finds the stored entry instead)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        flights = list(pagecache._flights.values())
        if flights and len(flights[0].done._cond._waiters) >= count:
            return
        time.sleep(0.01)
    raise AssertionError(f"{count} threads never waited")


@pytest.fixture
def hot(article) -> Article:
    return Article.objects.select_related("site").get(pk=article.pk)


def test_threads_asking_for_the_same_page_render_it_once(hot):
    rendering, release = threading.Event(), threading.Event()
    calls: list[str] = []

    def render() -> bytes:
        calls.append(threading.current_thread().name)
        rendering.set()
        assert release.wait(10)
        return b'{"results":[],"next_cursor":null}'

    results: list = [None] * 4
    first = threading.Thread(target=_read, args=(hot, render, results, 0), name="first")
    first.start()
    assert rendering.wait(10)
    others = [
        threading.Thread(target=_read, args=(hot, render, results, i), name=f"other-{i}")
        for i in range(1, 4)
    ]
    for thread in others:
        thread.start()
    _until_waiting(3)
    release.set()
    for thread in [first, *others]:
        thread.join(10)

    assert calls == ["first"]
    assert {(r.content, r.etag, r.hit) for r in results} == {
        (b'{"results":[],"next_cursor":null}', results[0].etag, False)
    }
    # Stored once, for the next reader.
    again = pagecache.thread_body(
        article=hot, sort="oldest", cursor=None, limit=20, render=lambda: b"not rendered"
    )
    assert (again.content, again.hit) == (b'{"results":[],"next_cursor":null}', True)


def test_a_reader_at_another_version_renders_for_itself(hot):
    rendering, release = threading.Event(), threading.Event()

    def old_render() -> bytes:
        rendering.set()
        assert release.wait(10)
        return b"old"

    results: list = [None, None]
    first = threading.Thread(target=_read, args=(hot, old_render, results, 0))
    first.start()
    assert rendering.wait(10)
    newer = Article.objects.select_related("site").get(pk=hot.pk)
    newer.version += 1  # as read after a change committed
    try:
        _read(newer, lambda: b"new", results, 1)
    finally:
        release.set()
        first.join(10)

    assert (results[0].content, results[1].content) == (b"old", b"new")


def _first_fails_then_second(first_call, second_call, *, check_waiting: bool = False):
    """`first_call(render)` renders with a render that fails once released; `second_call(render,
    results)` asks meanwhile. Returns (errors of the first, results of the second)."""
    rendering, release = threading.Event(), threading.Event()

    def failing() -> bytes:
        rendering.set()
        assert release.wait(10)
        raise RuntimeError("the database went away")

    errors: list = []

    def first() -> None:
        try:
            first_call(failing)
        except RuntimeError as error:
            errors.append(error)

    first_thread = threading.Thread(target=first)
    first_thread.start()
    assert rendering.wait(10)
    results: list = [None]
    second = threading.Thread(target=second_call, args=(lambda: b"second", results))
    second.start()
    if check_waiting:
        time.sleep(0.1)
        assert results == [None]  # waiting for the first
    release.set()
    first_thread.join(10)
    second.join(10)
    return errors, results


def test_when_the_first_render_fails_the_others_render_for_themselves(hot):
    errors, results = _first_fails_then_second(
        lambda render: _read(hot, render, [None], 0),
        lambda render, results: _read(hot, render, results, 0),
    )

    assert len(errors) == 1
    assert results[0].content == b"second"


# Across processes: each process's first reader takes its turn through the cache
# (comments.pagecache._render_shared). Threads calling it directly stand for processes: the
# in-process flight above is not in the way, and Redis cannot tell a thread from a process.

needs_redis = pytest.mark.skipif(
    not django_settings.REDIS_URL, reason="set REDIS_URL to share renders through the real Redis"
)
PAGE_KEY = "page:test:thread:shared"


def _shared(stamp: list, render, results: list, index: int) -> None:
    results[index] = pagecache._render_shared(PAGE_KEY, stamp, render)


def _blocking(name: str, calls: list, rendering: threading.Event, release: threading.Event):
    def render() -> bytes:
        calls.append(name)
        rendering.set()
        assert release.wait(10)
        return name.encode()

    return render


@needs_redis
def test_processes_asking_for_the_same_page_render_it_once():
    assert isinstance(pagecache.page_store(), RedisStore)
    calls: list[str] = []
    rendering, release = threading.Event(), threading.Event()
    results: list = [None] * 3
    first = threading.Thread(
        target=_shared, args=([1, 7], _blocking("first", calls, rendering, release), results, 0)
    )
    first.start()
    assert rendering.wait(10)
    others = [
        threading.Thread(
            target=_shared,
            args=([1, 7], _blocking(f"other-{i}", calls, threading.Event(), release), results, i),
        )
        for i in (1, 2)
    ]
    for thread in others:
        thread.start()
    time.sleep(0.2)  # they ask while the first renders
    release.set()
    for thread in [first, *others]:
        thread.join(10)

    assert calls == ["first"]
    assert [content for content, _ in results] == [b"first"] * 3
    assert len({etag for _, etag in results}) == 1
    # Stored at the stamp, with no flight left behind.
    assert pagecache.page_store().get_entry(PAGE_KEY).endswith(b"\nfirst")
    assert pagecache.page_store().claim_render(PAGE_KEY, b"[1,8]\n", "next", "t") is True


@needs_redis
def test_a_process_at_another_version_renders_for_itself():
    calls: list[str] = []
    rendering, release = threading.Event(), threading.Event()
    results: list = [None, None]
    first = threading.Thread(
        target=_shared, args=([1, 7], _blocking("old", calls, rendering, release), results, 0)
    )
    first.start()
    assert rendering.wait(10)
    try:
        _shared([1, 8], lambda: b"new", results, 1)
    finally:
        release.set()
        first.join(10)

    assert (results[0][0], results[1][0]) == (b"old", b"new")


@needs_redis
def test_when_the_rendering_process_fails_the_waiting_one_renders():
    errors, results = _first_fails_then_second(
        lambda render: pagecache._render_shared(PAGE_KEY, [1, 7], render),
        lambda render, results: _shared([1, 7], render, results, 0),
        check_waiting=True,
    )

    assert len(errors) == 1
    assert results[0][0] == b"second"


@needs_redis
def test_a_claim_whose_process_died_lapses(monkeypatch):
    monkeypatch.setattr(pagestore, "FLIGHT_SECONDS", 0.3)
    store = pagecache.page_store()
    # A process claimed the page, then died before rendering it.
    flight = pagecache.key_digest("[1,7]\n")
    assert store.claim_render(PAGE_KEY, b"[1,7]\n", flight, "dead") is True

    results: list = [None]
    started = time.monotonic()
    _shared([1, 7], lambda: b"after", results, 0)

    assert results[0][0] == b"after"
    assert time.monotonic() - started >= 0.2  # it waited for the claim to lapse
    assert store.get_entry(PAGE_KEY).endswith(b"\nafter")


def test_without_a_shared_cache_a_process_renders_for_itself(settings):
    # Local memory (the demo, the SQLite tests): nothing is shared between processes, so no
    # claim holds another off; each asker renders, and the entry is stored at its stamp.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "x"}
    }
    assert isinstance(pagecache.page_store(), pagestore.LocalStore)
    calls: list[str] = []

    def render(name: str):
        def inner() -> bytes:
            calls.append(name)
            return name.encode()

        return inner

    results: list = [None, None]
    _shared([1, 7], render("first"), results, 0)
    _shared([1, 7], render("second"), results, 1)

    assert calls == ["first", "second"]
    assert [content for content, _ in results] == [b"first", b"second"]
    assert pagecache.page_store().get_entry(PAGE_KEY).endswith(b"\nsecond")
