"""After a change, the readers of a hot page all miss at once: the threads of one process that
ask for the same page at the same article version render it once between them
(comments.pagecache._render_once), and a reader asking at another version never gets those
bytes."""

import threading
import time

import pytest

from comments import pagecache
from comments.models import Article


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


def test_when_the_first_render_fails_the_others_render_for_themselves(hot):
    rendering, release = threading.Event(), threading.Event()

    def failing() -> bytes:
        rendering.set()
        assert release.wait(10)
        raise RuntimeError("the database went away")

    errors: list = []

    def first_reader() -> None:
        try:
            _read(hot, failing, [None], 0)
        except RuntimeError as error:
            errors.append(error)

    first = threading.Thread(target=first_reader)
    first.start()
    assert rendering.wait(10)
    results: list = [None]
    second = threading.Thread(target=_read, args=(hot, lambda: b"second", results, 0))
    second.start()
    release.set()
    first.join(10)
    second.join(10)

    assert len(errors) == 1
    assert results[0].content == b"second"
