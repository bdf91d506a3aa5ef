import pytest

from comments.models import Article

from ..factories import ArticleFactory, CommentFactory, SiteFactory
from .conftest import DAILY_ORIGIN, WEEKLY_ORIGIN

ACAO = "Access-Control-Allow-Origin"


@pytest.fixture
def weekly(db):
    return SiteFactory(slug="weekly", allowed_origins=[WEEKLY_ORIGIN, "http://localhost:8001/"])


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        (DAILY_ORIGIN, True),
        ("https://NEWS.example:443", True),  # the same origin, spelled differently
        (WEEKLY_ORIGIN, False),  # allowed, but for another site
        ("https://evil.example", False),
        ("http://news.example", False),  # another scheme is another origin
        ("https://news.example.evil.example", False),
        ("null", False),
    ],
)
def test_cors_on_a_sites_paths_allows_exactly_its_origins(api, article, weekly, origin, allowed):
    response = api.get(f"/api/v1/sites/daily/articles/{article.key}/comments/", HTTP_ORIGIN=origin)
    assert response.status_code == 200
    if allowed:
        assert response[ACAO] == origin
    else:
        assert ACAO not in response
    assert "Access-Control-Allow-Credentials" not in response
    assert "origin" in response["Vary"].lower()


def test_cors_on_comment_paths_follows_the_comments_site(api, article, weekly):
    comment = CommentFactory(article=article)
    url = f"/api/v1/comments/{comment.pk}/replies/"
    assert api.get(url, HTTP_ORIGIN=DAILY_ORIGIN)[ACAO] == DAILY_ORIGIN
    assert ACAO not in api.get(url, HTTP_ORIGIN=WEEKLY_ORIGIN)


def test_trailing_slash_in_allowed_origins_is_tolerated(api, weekly):
    response = api.get(
        "/api/v1/sites/weekly/counts/?article=a", HTTP_ORIGIN="http://localhost:8001"
    )
    assert response[ACAO] == "http://localhost:8001"


def test_cors_is_closed_on_paths_naming_no_site(api, site):
    response = api.post(
        "/api/v1/auth/token/",
        {"username": "a", "password": "b"},
        format="json",
        HTTP_ORIGIN=DAILY_ORIGIN,
    )
    assert ACAO not in response


def test_preflight_from_allowed_origin(api, article):
    response = api.options(
        f"/api/v1/sites/daily/articles/{article.key}/comments/",
        HTTP_ORIGIN=DAILY_ORIGIN,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type",
    )
    assert response.status_code == 200
    assert response[ACAO] == DAILY_ORIGIN
    assert "POST" in response["Access-Control-Allow-Methods"]
    allowed_headers = response["Access-Control-Allow-Headers"].lower()
    assert "authorization" in allowed_headers
    assert "content-type" in allowed_headers


@pytest.mark.parametrize("origin", [WEEKLY_ORIGIN, "https://evil.example"])
def test_preflight_from_other_origins_gets_no_cors_headers(api, article, weekly, origin):
    response = api.options(
        f"/api/v1/sites/daily/articles/{article.key}/comments/",
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
    )
    assert ACAO not in response
    assert "Access-Control-Allow-Methods" not in response


def test_unknown_site_and_comment_paths_allow_nothing(api, site):
    assert ACAO not in api.get("/api/v1/sites/nope/counts/?article=a", HTTP_ORIGIN=DAILY_ORIGIN)
    assert ACAO not in api.get("/api/v1/comments/999999/", HTTP_ORIGIN=DAILY_ORIGIN)


# ---- lazy article registration ----

REGISTER = "/api/v1/sites/daily/embed/articles/"


def register(api, origin=DAILY_ORIGIN, **data):
    payload = {"key": "new-story", "url": "https://news.example/new-story", "title": "New story"}
    payload.update(data)
    extra = {"HTTP_ORIGIN": origin} if origin else {}
    return api.post(REGISTER, payload, format="json", **extra)


def test_lazy_registration_from_an_allowed_origin(api, site):
    response = register(api)
    assert response.status_code == 201, response.json()
    assert response.json() == {
        "key": "new-story",
        "url": "https://news.example/new-story",
        "title": "New story",
        "accepts_comments": True,
    }
    assert response[ACAO] == DAILY_ORIGIN
    article = Article.objects.get(site=site, key="new-story")
    assert article.title == "New story"


def test_lazy_registration_is_idempotent_and_never_edits(api, site):
    ArticleFactory(site=site, key="new-story", url="https://news.example/x", title="Original")
    response = register(api, title="Defaced")
    assert response.status_code == 200
    assert response.json()["title"] == "Original"
    assert Article.objects.get(site=site, key="new-story").title == "Original"


@pytest.mark.parametrize(
    ("origin", "url"),
    [
        ("https://evil.example", "https://news.example/new-story"),
        (WEEKLY_ORIGIN, "https://news.example/new-story"),
        (None, "https://news.example/new-story"),
        (DAILY_ORIGIN, "https://evil.example/new-story"),
        (DAILY_ORIGIN, "http://news.example/new-story"),
    ],
    ids=["evil-origin", "other-sites-origin", "no-origin", "url-elsewhere", "url-other-scheme"],
)
def test_lazy_registration_refused(api, site, weekly, origin, url):
    response = register(api, origin=origin, url=url)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "origin_not_allowed"
    assert not Article.objects.filter(key="new-story").exists()


def test_lazy_registration_can_be_turned_off(api, site):
    from embed.services import embed_config_for

    config = embed_config_for(site=site)
    config.lazy_articles = False
    config.save()
    response = register(api)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "lazy_articles_disabled"
    assert not Article.objects.filter(key="new-story").exists()


@pytest.mark.parametrize("key", ["has/slash", "", "x" * 201])
def test_lazy_registration_validates_the_key(api, site, key):
    response = register(api, key=key)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_lazy_registration_unknown_site(api, db):
    response = api.post(
        "/api/v1/sites/nope/embed/articles/",
        {"key": "k", "url": "https://news.example/k"},
        format="json",
        HTTP_ORIGIN=DAILY_ORIGIN,
    )
    assert response.status_code == 404


# ---- the scripts and the embed settings ----


@pytest.mark.parametrize("path", ["/embed.js", "/count.js"])
def test_scripts_are_served_as_javascript(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert b"use strict" in response.content


def test_embed_settings(api, site):
    response = api.get("/api/v1/sites/daily/embed/", HTTP_ORIGIN=DAILY_ORIGIN)
    assert response.status_code == 200
    assert response.json() == {
        "site": {"slug": "daily", "name": site.name},
        "sso": False,
        "guests": False,
        "edit_window_seconds": site.edit_window_seconds,
        "allow_downvotes": site.allow_downvotes,
        "max_body_chars": site.max_body_chars,
        "reactions": [],
    }
    assert response[ACAO] == DAILY_ORIGIN
