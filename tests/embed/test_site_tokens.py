from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from embed.models import SiteToken

from ..factories import ArticleFactory, CommentFactory
from .conftest import OTHER_SECRET, make_token


def signed_in(site_slug: str, token: str) -> APIClient:
    client = APIClient()
    body = client.post(f"/api/v1/sites/{site_slug}/sso/", {"token": token}, format="json").json()
    client.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    client.reader = body["reader"]
    return client


def thread_url(article) -> str:
    return f"/api/v1/sites/{article.site.slug}/articles/{article.key}/comments/"


def test_site_token_posts_on_its_own_site(sso_site, article):
    client = signed_in("daily", make_token())

    response = client.post(thread_url(article), {"body": "Hello from SSO"}, format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["author"]["id"] == client.reader["id"]


def test_site_token_is_refused_on_another_sites_endpoints(sso_site, other_site):
    weekly_article = ArticleFactory(site=other_site, key="w1")
    weekly_comment = CommentFactory(article=weekly_article)
    client = signed_in("daily", make_token())

    post = client.post(thread_url(weekly_article), {"body": "Cross-site"}, format="json")
    vote = client.put(f"/api/v1/comments/{weekly_comment.pk}/vote/", {"value": 1}, format="json")
    read = client.get(thread_url(weekly_article))

    for response in (post, vote, read):
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "token_wrong_site"
    weekly_comment.refresh_from_db()
    assert weekly_comment.score == 0
    assert weekly_article.comments.count() == 1


def test_site_token_votes_on_its_own_sites_comment(sso_site, article):
    comment = CommentFactory(article=article)
    client = signed_in("daily", make_token())

    response = client.put(f"/api/v1/comments/{comment.pk}/vote/", {"value": 1}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["score"] == 1


def test_site_token_is_refused_on_paths_naming_no_site(sso_site):
    client = signed_in("daily", make_token())
    response = client.post("/api/v1/auth/token/", {"username": "x", "password": "y"}, format="json")
    # The token endpoint authenticates nobody; the site token simply is not used there.
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_credentials"


@pytest.mark.parametrize("key", ["pst_unknown", "pst_"])
def test_unknown_site_token_is_401(api, article, key):
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api.post(thread_url(article), {"body": "x"}, format="json")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_token"


def test_expired_site_token_is_401(sso_site, article):
    client = signed_in("daily", make_token())
    SiteToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.post(thread_url(article), {"body": "late"}, format="json")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_token"
    assert article.comments.count() == 0


def test_plain_reader_tokens_still_work(reader_api, article):
    response = reader_api.post(thread_url(article), {"body": "Classic token"}, format="json")
    assert response.status_code == 201


def test_sign_out_revokes_the_site_token(sso_site, article):
    client = signed_in("daily", make_token())
    assert client.delete("/api/v1/sites/daily/sso/session/").status_code == 204
    assert SiteToken.objects.count() == 0
    assert client.post(thread_url(article), {"body": "x"}, format="json").status_code == 401


def test_other_sites_token_cannot_sign_out_here(sso_site, other_site):
    client = signed_in("weekly", make_token(secret=OTHER_SECRET, aud="weekly"))
    response = client.delete("/api/v1/sites/daily/sso/session/")
    assert response.status_code == 401
    assert SiteToken.objects.count() == 1
