"""Signed-in readers on the fast path (comments.fastpath.FastPathApp): a reader with an API
token gets, header for header and byte for byte, the page Django's handler gives them (their
votes filled into the shared page), at one query that checks their token and reads their
part; never another reader's votes, never a page older than their own latest vote or comment,
never after their token is gone or their account is deactivated; anything else about them
takes the normal path."""

import json
import time

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from prometheus_client import REGISTRY
from rest_framework.authtoken.models import Token

from comments.fastpath import FastPathApp
from comments.models import Comment, CommentStatus, Vote

from ..conftest import client_for
from ..factories import CommenterFactory, CommentFactory
from .conftest import comment_url, thread_url, vote_url
from .test_fast_path import ALLOWED
from .test_fast_path_wsgi import Answer, call, environ, normal, same

S = CommentStatus


def token_of(commenter) -> str:
    return Token.objects.get_or_create(user=commenter.user)[0].key


def signed(token: str, **headers) -> dict:
    return {"HTTP_AUTHORIZATION": f"Token {token}", **headers}


def reads(answer) -> int:
    """Its statements, less the one-time PREPARE of the reader's statement (PostgreSQL: once
    per connection)."""
    return len([sql for sql in answer.sql if not sql.startswith("PREPARE ")])


def votes_of(answer) -> dict[int, int]:
    out: dict[int, int] = {}

    def walk(nodes):
        for node in nodes:
            out[node["id"]] = node["your_vote"]
            walk(node["replies"])

    walk(json.loads(answer.content)["results"])
    return out


def tops(article) -> list[Comment]:
    return list(Comment.objects.filter(article=article, parent=None).order_by("pk"))


@pytest.mark.parametrize("params", [{}, {"sort": "newest"}, {"limit": 2}], ids=str)
@pytest.mark.parametrize(
    "headers",
    [{}, {"HTTP_ORIGIN": ALLOWED}, {"HTTP_ORIGIN": "https://evil.example"}],
    ids=str,
)
@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("voted", [False, True])
def test_a_readers_page_is_djangos_answer(
    wsgi, settings, thread, reader, params, headers, method, voted
):
    django, app = wsgi
    if voted:
        for comment, value in zip(tops(thread)[:2], (1, -1), strict=True):
            Vote.objects.create(comment=comment, voter=reader, value=value)
    path, token = thread_url(thread), token_of(reader)
    call(app, path, params)  # the shared page, rendered and cached

    for _ in range(2):  # the first builds the headers from a request, the second reuses them
        fast = call(app, path, params, method, **signed(token, **headers))
        assert reads(fast) == 1  # the token, the user, the commenter and the votes
        assert fast.header("Cache-Control") == "private, no-cache"
        same(fast, normal(settings, django, path, params, method, **signed(token, **headers)))
    if method == "GET":
        expected = {tops(thread)[0].pk: 1, tops(thread)[1].pk: -1} if voted else {}
        assert {k: v for k, v in votes_of(fast).items() if v} == expected


def test_if_none_match_answers_304_as_django(wsgi, settings, thread, reader):
    django, app = wsgi
    path, token = thread_url(thread), token_of(reader)
    call(app, path)
    etag = call(app, path, **signed(token)).header("ETag")

    for _ in range(2):
        fast = call(app, path, **signed(token, HTTP_IF_NONE_MATCH=etag))
        assert (fast.status, reads(fast), fast.content) == ("304 Not Modified", 1, b"")
        same(fast, normal(settings, django, path, **signed(token, HTTP_IF_NONE_MATCH=etag)))
    # The anonymous page's ETag is not the reader's: a 200.
    anonymous_etag = call(app, path).header("ETag")
    fast = call(app, path, **signed(token, HTTP_IF_NONE_MATCH=anonymous_etag))
    assert fast.status == "200 OK"
    same(fast, normal(settings, django, path, **signed(token, HTTP_IF_NONE_MATCH=anonymous_etag)))


def test_no_reader_is_given_another_readers_votes(wsgi, settings, thread, reader, other_reader):
    django, app = wsgi
    first, second = tops(thread)[:2]
    carol = CommenterFactory(user__username="carol", display_name="Carol")
    Vote.objects.create(comment=first, voter=reader, value=1)
    Vote.objects.create(comment=second, voter=carol, value=-1)
    path = thread_url(thread)
    call(app, path)

    answers = {}
    for who in [reader, carol, reader, carol, reader]:
        answer = call(app, path, **signed(token_of(who)))
        assert reads(answer) == 1
        same(answer, normal(settings, django, path, **signed(token_of(who))))
        answers.setdefault(who.pk, set()).add((answer.header("ETag"), answer.content))

    assert len(answers[reader.pk]) == len(answers[carol.pk]) == 1  # each always the same
    ((reader_etag, reader_page),) = answers[reader.pk]
    ((carol_etag, carol_page),) = answers[carol.pk]
    assert reader_etag != carol_etag
    assert {k: v for k, v in votes_of(type("A", (), {"content": reader_page})).items() if v} == {
        first.pk: 1
    }
    assert {k: v for k, v in votes_of(type("A", (), {"content": carol_page})).items() if v} == {
        second.pk: -1
    }
    # The anonymous page is not either reader's.
    anonymous = call(app, path)
    assert anonymous.header("ETag") not in (reader_etag, carol_etag)
    assert b"your_vote" not in anonymous.content


def test_a_readers_vote_shows_at_once(wsgi, settings, thread, reader, committed):
    django, app = wsgi
    first = tops(thread)[0]
    path, token = thread_url(thread), token_of(reader)
    call(app, path)
    assert votes_of(call(app, path, **signed(token)))[first.pk] == 0

    with committed():
        response = client_for(reader).put(vote_url(first), {"value": 1}, format="json")
    assert response.status_code == 200, response.content

    # The vote bumped the article: the shared page is rendered again, then fast again.
    after = call(app, path, **signed(token))
    assert votes_of(after)[first.pk] == 1
    again = call(app, path, **signed(token))
    assert (reads(again), votes_of(again)[first.pk]) == (1, 1)
    same(again, normal(settings, django, path, **signed(token)))


@pytest.mark.parametrize("status", [S.PENDING, S.HELD, S.REJECTED, S.REMOVED])
def test_a_readers_hidden_comment_shows_at_once_through_the_normal_path(
    wsgi, settings, thread, reader, status
):
    django, app = wsgi
    path, token = thread_url(thread), token_of(reader)
    call(app, path, {"sort": "newest"})
    assert reads(call(app, path, {"sort": "newest"}, **signed(token))) == 1

    # No version bump: a comment only its author sees (the moderation queue decides later).
    mine = CommentFactory(article=thread, author=reader, status=status, body="Only mine.")

    answer = call(app, path, {"sort": "newest"}, **signed(token))
    assert reads(answer) > 1  # the normal path merged it
    results = json.loads(answer.content)["results"]
    assert results[0]["id"] == mine.pk and results[0]["status"] == status
    same(answer, normal(settings, django, path, {"sort": "newest"}, **signed(token)))


@pytest.mark.parametrize("voted", [False, True])
@pytest.mark.parametrize("flagged", [False, True])
@pytest.mark.parametrize("params", [{}, {"sort": "newest"}, {"limit": 2}], ids=str)
def test_an_author_with_comments_on_the_page_sees_them_as_their_author(
    wsgi, settings, thread, other_reader, reader, voted, flagged, params
):
    django, app = wsgi
    mine = tops(thread)[0]  # the thread's comments are all other_reader's, replies too
    if flagged:  # published, and a moderator knows why it was looked at
        Comment.objects.filter(pk=mine.pk).update(
            moderation_clause_id="civility",
            moderation_clause_title="Be civil",
            moderation_reason='Flagged for a moderator: <it\'s "borderline">',
            body='Mine, as I wrote it: <b>bold</b> & "quoted" \u2014 \U0001f600',
        )
    if voted:  # on someone else's comment on the page
        theirs = CommentFactory(article=thread, author=reader)
        Vote.objects.create(comment=theirs, voter=other_reader, value=1)
    path, token = thread_url(thread), token_of(other_reader)
    call(app, path, params)

    for _ in range(2):
        answer = call(app, path, params, **signed(token))
        # Their token, votes and hidden comments; then their comments on the page.
        assert (answer.status, reads(answer)) == ("200 OK", 2)
        same(answer, normal(settings, django, path, params, **signed(token)))
    shown = json.loads(answer.content)["results"]
    assert shown[-1 if params.get("sort") == "newest" else 0]["body"]  # as its author sees it
    nodes: list[dict] = []

    def walk(items):
        for item in items:
            nodes.append(item)
            walk(item["replies"])

    walk(shown)
    assert nodes and all(
        "status" in n for n in nodes if n["author"]["id"] == other_reader.public_id
    )
    assert all("body" not in n for n in nodes if n["author"]["id"] != other_reader.public_id)
    # A reader with nothing on the page sees none of it.
    carol = CommenterFactory(user__username="carol", display_name="Carol")
    stranger = call(app, path, params, **signed(token_of(carol)))
    assert b'"body"' not in stranger.content and b'"status"' not in stranger.content


def test_an_authors_edit_shows_at_once_on_the_fast_path(
    wsgi, settings, thread, other_reader, committed
):
    django, app = wsgi
    mine = tops(thread)[0]
    path, token = thread_url(thread), token_of(other_reader)
    call(app, path)
    assert reads(call(app, path, **signed(token))) == 2

    with committed():
        response = client_for(other_reader).patch(
            comment_url(mine), {"body": "Edited, as its author now sees it."}, format="json"
        )
    assert response.status_code == 200, response.content

    call(app, path)  # the shared page of the new version
    answer = call(app, path, **signed(token))
    node = next(n for n in json.loads(answer.content)["results"] if n["id"] == mine.pk)
    assert node["body"] == "Edited, as its author now sees it."
    assert reads(answer) == 2
    same(answer, normal(settings, django, path, **signed(token)))


def test_a_deleted_token_is_refused_at_once(wsgi, thread, reader):
    _, app = wsgi
    path, token = thread_url(thread), token_of(reader)
    call(app, path)
    assert call(app, path, **signed(token)).status == "200 OK"

    Token.objects.filter(key=token).delete()

    refused = call(app, path, **signed(token))
    assert refused.status == "401 Unauthorized"
    assert b"your_vote" not in refused.content


def test_a_deactivated_reader_is_refused_at_once(wsgi, thread, reader):
    _, app = wsgi
    path, token = thread_url(thread), token_of(reader)
    call(app, path)
    assert call(app, path, **signed(token)).status == "200 OK"

    reader.user.is_active = False
    reader.user.save(update_fields=["is_active"])

    assert call(app, path, **signed(token)).status == "401 Unauthorized"


@pytest.mark.parametrize(
    "authorization",
    [
        "Token nope-not-a-key",
        "Token pst_abcdef",  # a site token: embed's
        "token {key}",
        "Token  {key}",
        "Bearer {key}",
        "Token {key} extra",
    ],
)
def test_any_other_authorization_is_djangos_to_answer(
    wsgi, settings, thread, reader, authorization
):
    django, app = wsgi
    path, header = thread_url(thread), authorization.format(key=token_of(reader))
    call(app, path)

    answer = call(app, path, HTTP_AUTHORIZATION=header)

    # Refused (401), or the normal path's answer for whoever DRF says this is (a `Bearer`
    # header is no one's: the public page, after the article's query).
    assert answer.queries > 0 or int(answer.status[:3]) >= 400
    same(answer, normal(settings, django, path, HTTP_AUTHORIZATION=header))


def test_a_reader_with_a_cookie_and_counts_take_the_normal_path(wsgi, thread, site, reader):
    _, app = wsgi
    path, token = thread_url(thread), token_of(reader)
    call(app, path)
    with_cookie = call(app, path, **signed(token, HTTP_COOKIE="sessionid=x"))
    assert reads(with_cookie) > 1
    counts = f"/api/v1/sites/{site.slug}/counts/"
    call(app, counts, {"article": thread.key})
    assert call(app, counts, {"article": thread.key}, **signed(token)).queries > 0


def test_a_readers_answer_is_timed_and_counted_as_a_hit(wsgi, thread, reader):
    def sample(name: str, labels: dict) -> float:
        return REGISTRY.get_sample_value(name, labels) or 0

    _, app = wsgi
    path, token = thread_url(thread), token_of(reader)
    call(app, path)
    timed = {"view": "thread", "method": "GET", "status": "2xx"}
    before = sample("parley_http_request_duration_seconds_count", timed)
    hits = sample("parley_page_cache_requests_total", {"result": "hit"})

    assert reads(call(app, path, **signed(token))) == 1

    assert sample("parley_http_request_duration_seconds_count", timed) == before + 1
    assert sample("parley_page_cache_requests_total", {"result": "hit"}) == hits + 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the SQLite test database is in memory, and Django never closes its connection",
)
def test_the_fast_path_recycles_a_connection_older_than_conn_max_age(thread, reader):
    # No request signals run on the fast path, so it does what close_old_connections would.
    app = FastPathApp(WSGIHandler())
    path, token = thread_url(thread), token_of(reader)
    call(app, path)
    assert call(app, path, **signed(token)).status == "200 OK"
    first = connection.connection
    assert call(app, path, **signed(token)).status == "200 OK"
    assert connection.connection is first  # kept while younger than CONN_MAX_AGE

    connection.close_at = time.monotonic() - 1
    answer = call(app, path, **signed(token))
    assert (answer.status, reads(answer)) == ("200 OK", 1)
    assert connection.connection is not None and connection.connection is not first


def served(app, path: str, params=None, method: str = "GET", **headers) -> Answer:
    """One request through `app` as a server runs it: Django's request signals close a
    connection that has failed (unlike `call`, which keeps the test's connection)."""
    started: list = []
    with CaptureQueriesContext(connection) as queries:
        body = app(
            environ(path, params, method, **headers), lambda s, h, e=None: started.append((s, h))
        )
        content = b"".join(body)
        if hasattr(body, "close"):
            body.close()
    status, header_list = started[0]
    return Answer(status, list(header_list), content, [q["sql"] for q in queries.captured_queries])


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs a database server that can drop a connection (PostgreSQL)",
)
def test_a_connection_the_database_dropped_costs_one_normal_answer_not_a_health_check(
    thread, reader, monkeypatch, caplog
):
    import psycopg

    checks = []
    wrapper = type(connections["default"])
    real_is_usable = wrapper.is_usable

    def counted(self):
        checks.append(self.alias)
        return real_is_usable(self)

    monkeypatch.setattr(wrapper, "is_usable", counted)
    app = FastPathApp(WSGIHandler())
    path, token = thread_url(thread), token_of(reader)
    served(app, path)
    first = served(app, path, **signed(token))
    assert (first.status, reads(first)) == ("200 OK", 1)
    checks.clear()
    again = served(app, path, **signed(token))
    assert (again.status, reads(again), checks) == ("200 OK", 1, [])  # no `SELECT 1` first

    # The server drops the connection between two requests.
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [connection.connection.info.backend_pid])

    with caplog.at_level("WARNING", logger="comments.fastpath"):
        answer = served(app, path, **signed(token))
    assert answer.status == "200 OK" and answer.content == first.content  # the normal path's
    assert "the database connection failed" in caplog.text
    after = served(app, path, **signed(token))
    assert (after.status, reads(after), after.content) == ("200 OK", 1, first.content)
