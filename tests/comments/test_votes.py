"""Votes: one per reader per comment, up only unless the site allows down, exact under races."""

import threading

import pytest
from django.db import close_old_connections, connection

from comments.models import CommentStatus, Vote
from comments.services import vote_set

from ..conftest import client_for
from ..factories import CommenterFactory, CommentFactory
from .conftest import assert_error, vote_url

S = CommentStatus


def counters(comment) -> tuple[int, int, int]:
    comment.refresh_from_db()
    return comment.score, comment.upvotes, comment.downvotes


@pytest.fixture
def comment(article, other_reader):
    return CommentFactory(article=article, author=other_reader)


def test_upvote(reader_api, reader, comment):
    response = reader_api.put(vote_url(comment), {"value": 1}, format="json")

    assert response.status_code == 200
    assert response.json() == {"score": 1, "upvotes": 1, "downvotes": 0, "your_vote": 1}
    assert counters(comment) == (1, 1, 0)
    assert list(Vote.objects.values_list("voter_id", "value")) == [(reader.pk, 1)]


def test_a_vote_without_a_body_is_an_upvote(reader_api, comment):
    response = reader_api.put(vote_url(comment))

    assert response.json() == {"score": 1, "upvotes": 1, "downvotes": 0, "your_vote": 1}


def test_voting_twice_counts_once(reader_api, comment):
    reader_api.put(vote_url(comment), {"value": 1}, format="json")

    response = reader_api.put(vote_url(comment), {"value": 1}, format="json")

    assert response.json()["score"] == 1
    assert counters(comment) == (1, 1, 0)
    assert Vote.objects.count() == 1


def test_clearing_a_vote(reader_api, comment):
    reader_api.put(vote_url(comment), {"value": 1}, format="json")

    response = reader_api.delete(vote_url(comment))

    assert response.status_code == 200
    assert response.json() == {"score": 0, "upvotes": 0, "downvotes": 0, "your_vote": 0}
    assert Vote.objects.count() == 0
    assert counters(comment) == (0, 0, 0)


def test_clearing_a_vote_never_cast_changes_nothing(reader_api, comment, unchanged):
    with unchanged():
        response = reader_api.delete(vote_url(comment))

    assert response.json() == {"score": 0, "upvotes": 0, "downvotes": 0, "your_vote": 0}


def test_downvote_refused_unless_the_site_allows_it(reader_api, comment, unchanged):
    with unchanged():
        response = reader_api.put(vote_url(comment), {"value": -1}, format="json")

    error = assert_error(response, 400, "invalid_vote")
    assert error["message"] == "This site accepts up-votes only."


def test_downvotes_and_switching_when_allowed(reader_api, other_api, article, comment):
    article.site.allow_downvotes = True
    article.site.save()
    third = client_for(CommenterFactory())

    assert reader_api.put(vote_url(comment), {"value": -1}, format="json").json() == {
        "score": -1,
        "upvotes": 0,
        "downvotes": 1,
        "your_vote": -1,
    }
    third.put(vote_url(comment), {"value": -1}, format="json")
    assert counters(comment) == (-2, 0, 2)

    switched = reader_api.put(vote_url(comment), {"value": 1}, format="json")

    assert switched.json() == {"score": 0, "upvotes": 1, "downvotes": 1, "your_vote": 1}
    assert counters(comment) == (0, 1, 1)
    assert reader_api.delete(vote_url(comment)).json()["score"] == -1
    assert counters(comment) == (-1, 0, 1)


@pytest.mark.parametrize(
    "payload",
    [{"value": 2}, {"value": 0}, {"value": True}, {"value": "up"}, {"value": None}, [1], "1"],
)
def test_invalid_vote_values(reader_api, comment, unchanged, payload):
    with unchanged():
        response = reader_api.put(vote_url(comment), payload, format="json")

    assert_error(response, 400, "invalid")


def test_own_comment_cannot_be_voted(other_api, comment, unchanged):
    with unchanged():
        response = other_api.put(vote_url(comment), {"value": 1}, format="json")

    assert_error(response, 403, "own_comment")


def test_anonymous_cannot_vote(api, comment, unchanged):
    with unchanged():
        put = api.put(vote_url(comment), {"value": 1}, format="json")
        delete = api.delete(vote_url(comment))

    assert_error(put, 401, "not_authenticated")
    assert_error(delete, 401, "not_authenticated")


@pytest.mark.parametrize("status", [S.PENDING, S.HELD, S.REJECTED, S.REMOVED, S.DELETED])
def test_unpublished_comments_cannot_be_voted(reader_api, article, unchanged, status):
    hidden = CommentFactory(article=article, status=status)

    with unchanged():
        response = reader_api.put(vote_url(hidden), {"value": 1}, format="json")

    assert_error(response, 404)


def test_authors_own_pending_comment_cannot_be_voted_either(reader_api, reader, article):
    mine = CommentFactory(article=article, author=reader, status=S.PENDING)

    assert_error(reader_api.put(vote_url(mine), {"value": 1}, format="json"), 404)


def test_unknown_comment(reader_api, db, unchanged):
    with unchanged():
        response = reader_api.put(vote_url(123456), {"value": 1}, format="json")

    assert_error(response, 404, "comment_not_found")


def test_many_readers_sum_exactly(article, comment):
    voters = [CommenterFactory() for _ in range(12)]
    for voter in voters:
        vote_set(comment_id=comment.pk, voter=voter, value=1)

    assert counters(comment) == (12, 12, 0)
    assert Vote.objects.filter(comment=comment).count() == 12


@pytest.mark.django_db(transaction=True)
def test_concurrent_votes_keep_the_score_exact(article, other_reader):
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(
        ("file:memorydb", ":memory:")
    ):
        pytest.skip(
            "The SQLite test database is in memory with a shared cache, where concurrent "
            "writers get 'database table is locked' at once instead of waiting; "
            "the race is exercised on PostgreSQL."
        )
    comment = CommentFactory(article=article, author=other_reader)
    voters = [CommenterFactory() for _ in range(16)]
    start = threading.Barrier(len(voters))
    failures: list[BaseException] = []

    def vote(voter):
        try:
            start.wait()
            vote_set(comment_id=comment.pk, voter=voter, value=1)
        except BaseException as exc:
            failures.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=vote, args=(v,)) for v in voters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert counters(comment) == (16, 16, 0)
    assert Vote.objects.filter(comment=comment).count() == 16
