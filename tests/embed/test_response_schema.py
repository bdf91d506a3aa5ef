"""The embed's endpoints build their JSON by hand; their real responses match the OpenAPI
schema, strictly (tests/openapi.py)."""

from tests.openapi import assert_matches_schema

from .conftest import DAILY_ORIGIN, make_token


def test_sso_settings_and_article(api, sso_site):
    exchanged = api.post(
        f"/api/v1/sites/{sso_site.slug}/sso/", {"token": make_token()}, format="json"
    )
    assert exchanged.status_code == 200
    assert_matches_schema(exchanged, "post")
    assert_matches_schema(api.get(f"/api/v1/sites/{sso_site.slug}/embed/"))
    registered = api.post(
        f"/api/v1/sites/{sso_site.slug}/embed/articles/",
        {"key": "a-story", "url": f"{DAILY_ORIGIN}/a-story", "title": "A story"},
        format="json",
        HTTP_ORIGIN=DAILY_ORIGIN,
    )
    assert registered.status_code == 201
    assert_matches_schema(registered, "post")
