"""The root landing page, the API's JSON 404 for unknown URLs, and the article endpoint with
or without its trailing slash."""

import pytest
from django.test import Client

from comments.models import Article
from comments.services import site_rotate_api_key

from ..factories import ArticleFactory, SiteFactory

NOT_FOUND = {"error": {"code": "not_found", "message": "No such API endpoint.", "detail": {}}}


@pytest.mark.django_db
def test_landing_without_the_demo_links_the_api_docs_and_admin(client: Client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    for href in ('href="/api/docs/"', 'href="/api/v1/"', 'href="/admin/moderation/queuecomment/"'):
        assert href in html
    assert 'id="demo-links"' not in html


@pytest.mark.django_db
def test_landing_with_the_demo_links_the_host_page_and_every_thread(client: Client):
    site = SiteFactory(slug="demo", name="The Daily Demo", allowed_origins=["http://h.test:9"])
    ArticleFactory(site=site, key="a-story", title="A story", url="http://h.test:9/articles/a")
    html = client.get("/").content.decode()
    assert 'href="http://h.test:9/"' in html
    assert 'href="http://h.test:9/articles/a">A story</a>' in html
    assert 'href="/api/v1/sites/demo/articles/a-story/comments/"' in html
    assert "moderator-demo-pass" in html


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
@pytest.mark.parametrize("path", ["/api/v1/nope/", "/api/v2/", "/api/", "/api/v1/comments/x/"])
def test_unknown_api_urls_answer_the_json_error_shape(client: Client, method, path):
    response = getattr(client, method)(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == NOT_FOUND


@pytest.mark.django_db
def test_a_missing_trailing_slash_is_named_in_the_404(client: Client):
    response = client.post("/api/v1/auth/token")
    assert response.status_code == 404
    assert response.json()["error"]["detail"] == {"did_you_mean": "/api/v1/auth/token/"}


@pytest.mark.django_db
def test_a_wrong_method_on_an_api_endpoint_is_a_json_405(client: Client):
    response = client.delete("/api/v1/auth/token/")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


@pytest.mark.django_db
def test_unknown_urls_outside_the_api_are_not_swallowed(client: Client):
    assert client.get("/nope/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("suffix", ["", "/"])
def test_the_article_endpoint_takes_the_trailing_slash_or_not(api, suffix):
    site = SiteFactory(slug="daily")
    key = site_rotate_api_key(site=site)
    response = api.put(
        f"/api/v1/sites/daily/articles/budget-2027{suffix}",
        {"title": "Budget 2027"},
        format="json",
        HTTP_AUTHORIZATION=f"SiteKey {key}",
    )
    assert response.status_code == 201
    assert Article.objects.get(site=site, key="budget-2027").title == "Budget 2027"


def test_the_schema_documents_the_article_endpoint_once(api, db):
    paths = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    assert [p for p in paths if "/articles/{key}" in p and "comments" not in p] == [
        "/api/v1/sites/{site}/articles/{key}"
    ]
