"""The reader API's hot paths build their JSON by hand for speed (comments.apis.represent):
their real responses are checked against the OpenAPI schema, strictly (tests/openapi.py)."""

from comments.models import CommentStatus
from policy.documents import default_policy_source
from policy.services import policy_save
from tests.factories import CommentFactory
from tests.openapi import assert_matches_schema

from .conftest import article_url, comment_url, counts_url, replies_url, thread_url, vote_url

S = CommentStatus


def test_thread_read_and_replies(api, reader_api, article, reader):
    parent = CommentFactory(article=article, author=reader)
    CommentFactory(article=article, parent=parent)
    CommentFactory(article=article, status=S.REMOVED, parent=parent)

    body = assert_matches_schema(reader_api.get(thread_url(article)))
    assert len(body["results"]) == 1
    assert_matches_schema(api.get(thread_url(article), {"sort": "top", "limit": 1}))
    assert_matches_schema(reader_api.get(replies_url(parent)))
    assert_matches_schema(reader_api.get(comment_url(parent)))
    assert_matches_schema(api.get(counts_url(article.site), {"article": article.key}))


def test_post_edit_and_vote(reader_api, article, reader, other_reader, moderation):
    published = reader_api.post(thread_url(article), {"body": "Hello *there*"}, format="json")
    assert published.status_code == 201
    body = assert_matches_schema(published, "post")
    held = reader_api.post(thread_url(article), {"body": "HOLD this one"}, format="json")
    assert held.status_code == 202
    assert_matches_schema(held, "post")

    edited = reader_api.patch(comment_url(body["id"]), {"body": "Edited"}, format="json")
    assert edited.status_code == 200
    assert_matches_schema(edited, "patch")
    other = CommentFactory(article=article, author=other_reader)
    voted = reader_api.put(vote_url(other), {"value": 1}, format="json")
    assert voted.status_code == 200
    assert_matches_schema(voted, "put")


def test_article_upsert_and_errors(api, reader_api, site, site_key, article):
    response = api.put(
        article_url(site, "new-article"),
        {"title": "New", "url": "https://example.com/new"},
        format="json",
        HTTP_AUTHORIZATION=f"SiteKey {site_key}",
    )
    assert response.status_code == 201
    assert_matches_schema(response, "put")

    for response, method, status in (
        (reader_api.get(thread_url(article), {"limit": 0}), "get", 400),
        (api.post(thread_url(article), {"body": "x"}, format="json"), "post", 401),
        (reader_api.get(comment_url(999_999)), "get", 404),
    ):
        assert response.status_code == status
        assert list(assert_matches_schema(response, method)) == ["error"]


def test_report_token_policy_standing_and_preferences(api, reader_api, article, site, other_reader):
    policy_save(site=site, source=default_policy_source(), note="schema test")
    comment = CommentFactory(article=article, author=other_reader)
    reported = reader_api.post(
        f"{comment_url(comment)}reports/", {"clause": "civility"}, format="json"
    )
    assert reported.status_code == 201
    assert_matches_schema(reported, "post")

    other_reader.user.set_password("a long enough password")
    other_reader.user.save()
    token = api.post(
        "/api/v1/auth/token/",
        {"username": other_reader.user.username, "password": "a long enough password"},
        format="json",
    )
    assert token.status_code == 200
    assert_matches_schema(token, "post")

    assert_matches_schema(api.get(f"/api/v1/sites/{site.slug}/policy/"))
    checked = api.post(
        f"/api/v1/sites/{site.slug}/policy/check/", {"body": "A fine remark."}, format="json"
    )
    assert checked.status_code == 200
    assert_matches_schema(checked, "post")
    assert_matches_schema(reader_api.get(f"/api/v1/sites/{site.slug}/me/standing/"))
    assert_matches_schema(reader_api.get("/api/v1/me/preferences/"))
    updated = reader_api.put("/api/v1/me/preferences/", {"reply_emails": False}, format="json")
    assert updated.status_code == 200
    assert_matches_schema(updated, "put")
