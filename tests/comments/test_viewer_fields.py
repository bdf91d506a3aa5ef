"""A signed-in reader sees their own vote on every comment, and the text of their own."""

from comments.models import CommentStatus

from ..factories import CommentFactory
from .conftest import thread_url


def _flat(results: list[dict]) -> dict[int, dict]:
    out: dict[int, dict] = {}
    for c in results:
        out[c["id"]] = c
        out.update(_flat(c["replies"]))
    return out


def test_thread_shows_the_readers_votes_and_own_bodies(
    reader, reader_api, other_reader, article, django_assert_num_queries
):
    theirs = CommentFactory(article=article, author=other_reader, body="Their *view*")
    reply = CommentFactory(article=article, author=other_reader, parent=theirs)
    mine = CommentFactory(article=article, author=reader, parent=theirs, body="My **reply**")
    for comment, value in ((theirs, 1), (reply, 1)):
        reader_api.put(f"/api/v1/comments/{comment.pk}/vote/", {"value": value}, format="json")
    reader_api.delete(f"/api/v1/comments/{reply.pk}/vote/")

    # token, article, the shared page and its replies (comments.pagecache), the reader's
    # comments hidden from others, their votes, their own comments the page shows
    with django_assert_num_queries(7):
        body = reader_api.get(thread_url(article)).json()

    shown = _flat(body["results"])
    assert {pk: c["your_vote"] for pk, c in shown.items()} == {
        theirs.pk: 1,
        reply.pk: 0,
        mine.pk: 0,
    }
    assert shown[mine.pk]["body"] == "My **reply**"
    assert "body" not in shown[theirs.pk]


def test_anonymous_readers_get_neither(api, article, other_reader):
    CommentFactory(article=article, author=other_reader)

    (comment,) = api.get(thread_url(article)).json()["results"]

    assert "your_vote" not in comment
    assert "body" not in comment


def test_permalink_shows_the_readers_vote(reader_api, article, other_reader):
    theirs = CommentFactory(article=article, author=other_reader)
    reader_api.put(f"/api/v1/comments/{theirs.pk}/vote/", {"value": 1}, format="json")

    body = reader_api.get(f"/api/v1/comments/{theirs.pk}/").json()

    assert (body["your_vote"], body["score"]) == (1, 1)


def test_own_held_comment_carries_its_text_for_editing(reader, reader_api, article):
    mine = CommentFactory(article=article, author=reader, status=CommentStatus.HELD, body="Draft")

    body = reader_api.get(f"/api/v1/comments/{mine.pk}/replies/").json()
    permalink = reader_api.get(f"/api/v1/comments/{mine.pk}/").json()

    assert body["results"] == []
    assert (permalink["body"], permalink["status"]) == ("Draft", "held")
