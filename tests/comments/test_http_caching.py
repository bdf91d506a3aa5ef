"""HTTP caching of the reader API (docs/api.md, Caching): strong ETags and 304s, public
anonymous pages with the site's times and surrogate keys, private answers for signed-in
readers."""

import pytest
from django.db import transaction

from comments.lifecycle import Actor, transition
from comments.models import ActorKind, Comment, CommentStatus

from ..factories import CommentFactory
from .conftest import comment_url, counts_url, replies_url, thread_url, vote_url

S = CommentStatus


@pytest.fixture
def theirs(article, other_reader):
    return CommentFactory(article=article, author=other_reader)


def test_an_anonymous_page_is_public_for_the_sites_times(api, site, article, theirs):
    site.http_max_age, site.http_s_maxage, site.http_stale_while_revalidate = 7, 120, 45
    site.save()

    response = api.get(thread_url(article))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == (
        "public, max-age=7, s-maxage=120, stale-while-revalidate=45"
    )
    assert response["Surrogate-Key"] == f"parley-site-{site.pk} parley-article-{article.pk}"
    assert response["Cache-Tag"] == f"parley-site-{site.pk},parley-article-{article.pk}"
    assert {"Authorization", "Cookie"} <= {v.strip() for v in response["Vary"].split(",")}


def test_the_default_times(api, article, theirs):
    assert api.get(thread_url(article))["Cache-Control"] == (
        "public, max-age=5, s-maxage=30, stale-while-revalidate=30"
    )


def test_a_strong_etag_answers_304_without_a_body(api, article, theirs):
    first = api.get(thread_url(article))
    etag = first["ETag"]
    assert etag.startswith('"') and etag.endswith('"') and not etag.startswith("W/")

    again = api.get(thread_url(article), HTTP_IF_NONE_MATCH=etag)

    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert again["Cache-Control"] == first["Cache-Control"]
    assert again["Surrogate-Key"] == first["Surrogate-Key"]


@pytest.mark.parametrize("header", ['"other", {etag}', "W/{etag}", "*"])
def test_if_none_match_compares_weakly_and_takes_lists(api, article, theirs, header):
    etag = api.get(thread_url(article))["ETag"]

    response = api.get(thread_url(article), HTTP_IF_NONE_MATCH=header.format(etag=etag))

    assert response.status_code == 304


def test_a_change_gives_a_new_etag_and_a_full_answer(api, reader_api, article, theirs):
    etag = api.get(thread_url(article))["ETag"]
    reader_api.put(vote_url(theirs), {"value": 1}, format="json")

    response = api.get(thread_url(article), HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 200
    assert response["ETag"] != etag
    assert response.json()["results"][0]["score"] == 1


def test_an_unknown_etag_gets_the_page(api, article, theirs):
    response = api.get(thread_url(article), HTTP_IF_NONE_MATCH='"stale"')

    assert response.status_code == 200
    assert [c["id"] for c in response.json()["results"]] == [theirs.pk]


def test_the_etag_is_the_digest_of_the_bytes_sent(api, article, theirs):
    first = api.get(thread_url(article))  # rendered
    second = api.get(thread_url(article))  # from the cache

    assert (first["X-Parley-Cache"], second["X-Parley-Cache"]) == ("miss", "hit")
    assert first["ETag"] == second["ETag"]
    assert first.content == second.content


def test_a_signed_in_page_is_private_with_its_own_etag(api, reader_api, article, theirs):
    reader_api.put(vote_url(theirs), {"value": 1}, format="json")
    anonymous = api.get(thread_url(article))

    response = reader_api.get(thread_url(article))

    assert response["Cache-Control"] == "private, no-cache"
    assert "Surrogate-Key" not in response and "Cache-Tag" not in response
    assert response["ETag"] != anonymous["ETag"]
    assert response.json()["results"][0]["your_vote"] == 1
    not_modified = reader_api.get(thread_url(article), HTTP_IF_NONE_MATCH=response["ETag"])
    assert (not_modified.status_code, not_modified["Cache-Control"]) == (304, "private, no-cache")


def test_an_authors_view_of_their_held_comment_is_private(reader, reader_api, article):
    held = CommentFactory(article=article, author=reader, status=S.HELD)

    for response in (
        reader_api.get(comment_url(held)),
        reader_api.get(thread_url(article)),
        reader_api.post(thread_url(article), {"body": "HOLD this one."}, format="json"),
    ):
        assert response.status_code in (200, 202), response.content
        assert response["Cache-Control"] == "private, no-cache"


def test_signed_in_replies_are_private(reader_api, article, theirs):
    response = reader_api.get(replies_url(theirs))

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-cache"


def test_counts_are_public_with_an_etag_and_every_articles_key(api, site, article, theirs):
    response = api.get(counts_url(site), {"article": [article.key, "not-yet"]})

    assert response["Cache-Control"].startswith("public, max-age=5, s-maxage=30")
    assert response["Surrogate-Key"] == f"parley-site-{site.pk} parley-article-{article.pk}"
    again = api.get(
        counts_url(site), {"article": [article.key, "not-yet"]}, HTTP_IF_NONE_MATCH=response["ETag"]
    )
    assert again.status_code == 304


def test_errors_are_not_cached(api, site):
    response = api.get(f"/api/v1/sites/{site.slug}/articles/nowhere/comments/")

    assert response.status_code == 404
    assert "ETag" not in response
    assert "public" not in response.get("Cache-Control", "")


def test_a_signed_in_304_costs_no_more_than_the_page(
    reader, reader_api, article, theirs, django_assert_num_queries
):
    etag = reader_api.get(thread_url(article))["ETag"]

    # token, article, the reader's own comments, their votes: the page is not built
    with django_assert_num_queries(4):
        response = reader_api.get(thread_url(article), HTTP_IF_NONE_MATCH=etag)

    assert (response.status_code, response.content) == (304, b"")


def test_a_change_only_the_reader_sees_gives_them_a_new_etag(
    api, reader, reader_api, article, theirs
):
    # A moderator holding the reader's pending comment changes no one else's page (the
    # article's version stays), but changes theirs.
    pending = reader_api.post(thread_url(article), {"body": "WAIT for it."}, format="json")
    assert pending.json()["status"] == "pending"
    anonymous = api.get(thread_url(article))["ETag"]
    etag = reader_api.get(thread_url(article))["ETag"]
    comment = Comment.objects.get(pk=pending.json()["id"])
    with transaction.atomic():
        transition(comment, to=S.HELD, actor=Actor(ActorKind.MODERATOR, "mod"))

    response = reader_api.get(thread_url(article), HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 200
    mine = [c for c in response.json()["results"] if c["id"] == comment.pk]
    assert mine[0]["status"] == "held"
    assert api.get(thread_url(article), HTTP_IF_NONE_MATCH=anonymous).status_code == 304


def test_another_readers_etag_is_not_this_readers(reader_api, other_api, article, theirs):
    mine = reader_api.get(thread_url(article))
    theirs_page = other_api.get(thread_url(article))

    assert mine["ETag"] != theirs_page["ETag"]
    assert other_api.get(thread_url(article), HTTP_IF_NONE_MATCH=mine["ETag"]).status_code == 200
