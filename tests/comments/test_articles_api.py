"""The host's server registers and updates articles with its site key."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from comments.models import Article
from comments.services import site_rotate_api_key

from ..factories import SiteFactory
from .conftest import article_url, assert_error, thread_url


def put(api, site, key, payload, site_key):
    return api.put(
        article_url(site, key), payload, format="json", HTTP_AUTHORIZATION=f"SiteKey {site_key}"
    )


def test_register_then_update(api, site, site_key):
    created = put(
        api,
        site,
        "budget-2027",
        {
            "url": "https://news.example/budget-2027",
            "title": "Budget 2027",
            "published_at": "2026-03-01T09:00:00Z",
        },
        site_key,
    )

    assert created.status_code == 201
    assert created.json() == {
        "key": "budget-2027",
        "url": "https://news.example/budget-2027",
        "title": "Budget 2027",
        "published_at": "2026-03-01T09:00:00Z",
        "is_open": True,
        "closes_at": None,
        "premoderated": False,
        "accepts_comments": True,
    }

    updated = put(
        api,
        site,
        "budget-2027",
        {
            "url": "https://news.example/budget-2027",
            "title": "Budget 2027 (updated)",
            "is_open": False,
        },
        site_key,
    )

    assert updated.status_code == 200
    assert updated.json()["title"] == "Budget 2027 (updated)"
    assert updated.json()["published_at"] == "2026-03-01T09:00:00Z"
    assert (updated.json()["is_open"], updated.json()["accepts_comments"]) == (False, False)
    article = Article.objects.get(site=site, key="budget-2027")
    assert (article.title, article.is_open) == ("Budget 2027 (updated)", False)
    assert Article.objects.count() == 1


def test_a_past_closing_time_closes_the_article(api, reader_api, site, site_key):
    past = (timezone.now() - timedelta(minutes=1)).isoformat()

    body = put(api, site, "closed", {"closes_at": past}, site_key).json()

    assert (body["is_open"], body["accepts_comments"]) == (True, False)
    article = Article.objects.get(key="closed")
    response = reader_api.post(thread_url(article), {"body": "Hi"}, format="json")
    assert_error(response, 403, "article_closed")


def test_clearing_the_closing_time_reopens_the_article(api, reader_api, site, site_key):
    past = (timezone.now() - timedelta(minutes=1)).isoformat()
    put(api, site, "k", {"closes_at": past, "published_at": past}, site_key)

    body = put(api, site, "k", {"closes_at": None, "published_at": None}, site_key).json()

    assert (body["closes_at"], body["published_at"], body["accepts_comments"]) == (
        None,
        None,
        True,
    )
    article = Article.objects.get(key="k")
    assert reader_api.post(thread_url(article), {"body": "Hi"}, format="json").status_code == 201


def test_fields_left_out_keep_their_value(api, site, site_key):
    put(api, site, "k", {"premoderated": True, "closes_at": "2030-01-01T00:00:00Z"}, site_key)

    body = put(api, site, "k", {"title": "New title"}, site_key).json()

    assert (body["premoderated"], body["closes_at"]) == (True, "2030-01-01T00:00:00Z")
    assert Article.objects.get(key="k").closes_at == datetime(2030, 1, 1, tzinfo=UTC)


def test_url_and_title_left_out_keep_their_value(api, site, site_key):
    put(api, site, "k", {"url": "https://news.example/k", "title": "First"}, site_key)

    body = put(api, site, "k", {"is_open": False}, site_key).json()

    expected = ("https://news.example/k", "First", False)
    assert (body["url"], body["title"], body["is_open"]) == expected


@pytest.mark.parametrize(
    ("authorization", "status", "code"),
    [
        # No SiteKey credentials at all: 401, as for any missing credentials.
        (None, 401, "site_key_required"),
        ("", 401, "site_key_required"),
        ("Token {key}", 401, "site_key_required"),
        ("sitekey {key}", 401, "site_key_required"),
        ("Bearer {key}", 401, "site_key_required"),
        # A SiteKey that is not the site's key: 403.
        ("SiteKey", 403, "invalid_site_key"),
        ("SiteKey ", 403, "invalid_site_key"),
        ("SiteKey wrong", 403, "invalid_site_key"),
        ("SiteKey {key}x", 403, "invalid_site_key"),
    ],
)
def test_a_valid_site_key_is_required(api, site, site_key, unchanged, authorization, status, code):
    headers = {}
    if authorization is not None:
        headers["HTTP_AUTHORIZATION"] = authorization.format(key=site_key)

    with unchanged():
        response = api.put(article_url(site, "k"), {"title": "T"}, format="json", **headers)

    assert_error(response, status, code)


@pytest.mark.parametrize("flag", [0, 1, "true", "yes", None])
def test_article_flags_are_json_booleans(api, site, site_key, unchanged, flag):
    with unchanged():
        response = put(api, site, "k", {"is_open": flag}, site_key)

    assert assert_error(response, 400, "invalid")["detail"]["fields"]["is_open"]


def test_another_sites_key_is_refused(api, site, unchanged):
    other_key = site_rotate_api_key(site=SiteFactory(slug="weekly"))

    with unchanged():
        response = put(api, site, "k", {"title": "T"}, other_key)

    assert_error(response, 403, "invalid_site_key")


def test_a_site_without_a_key_refuses_everyone(api, site, unchanged):
    with unchanged():
        response = put(api, site, "k", {"title": "T"}, "")

    assert_error(response, 403, "invalid_site_key")


def test_a_rotated_key_replaces_the_old_one(api, site, site_key, unchanged):
    new_key = site_rotate_api_key(site=site)

    with unchanged():
        assert_error(put(api, site, "k", {}, site_key), 403, "invalid_site_key")
    assert put(api, site, "k", {}, new_key).status_code == 201


def test_unknown_site_is_404(api, db, unchanged):
    with unchanged():
        response = api.put(
            "/api/v1/sites/nowhere/articles/k", {}, format="json", HTTP_AUTHORIZATION="SiteKey x"
        )

    assert_error(response, 404, "site_not_found")


@pytest.mark.parametrize(
    "payload",
    [
        {"url": "not a url"},
        {"url": "javascript:alert(1)"},
        {"url": "https://news.example/" + "a" * 2000},
        {"title": "t" * 301},
        {"title": "a\x00b"},
        {"published_at": "yesterday"},
        {"closes_at": 12},
        {"is_open": "perhaps"},
        {"premoderated": [True]},
    ],
)
def test_invalid_fields_store_nothing(api, site, site_key, unchanged, payload):
    with unchanged():
        response = put(api, site, "k", payload, site_key)

    error = assert_error(response, 400, "invalid")
    assert list(error["detail"]["fields"]) == list(payload)


def test_keys_may_hold_any_printable_character_but_slash(api, site, site_key):
    response = put(api, site, "2026/budget", {}, site_key)
    assert_error(response, 404, "not_found")

    response = put(api, site, "budget:2026?x", {}, site_key)
    assert response.status_code == 201  # "?x" is the query string
    assert Article.objects.get().key == "budget:2026"
