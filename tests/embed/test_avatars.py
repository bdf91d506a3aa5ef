"""A host's picture of its reader (the SSO `avatar` claim) on every comment of theirs."""

from comments.models import Commenter

from ..factories import ArticleFactory, CommentFactory
from .conftest import make_token

SSO_URL = "/api/v1/sites/daily/sso/"


def test_the_sso_picture_is_the_authors_avatar_in_threads_and_follows_the_host(api, sso_site):
    reader = api.post(
        SSO_URL, {"token": make_token(avatar="https://news.example/ada.png")}, format="json"
    ).json()["reader"]
    commenter = Commenter.objects.get(public_id=reader["id"])
    assert commenter.avatar_url == "https://news.example/ada.png"
    article = ArticleFactory(site=sso_site, key="budget-2026")
    comment = CommentFactory(article=article, author=commenter)

    thread = api.get("/api/v1/sites/daily/articles/budget-2026/comments/").json()
    assert thread["results"][0]["author"] == {
        "id": reader["id"],
        "display_name": "Ada Reader",
        "avatar_url": "https://news.example/ada.png",
    }
    assert api.get(f"/api/v1/comments/{comment.pk}/").json()["author"]["avatar_url"] == (
        "https://news.example/ada.png"
    )

    # The host dropped the picture: so does Parley.
    api.post(SSO_URL, {"token": make_token()}, format="json")
    commenter.refresh_from_db()
    assert commenter.avatar_url == ""


def test_a_picture_that_is_not_http_is_ignored(api, sso_site):
    reader = api.post(
        SSO_URL, {"token": make_token(avatar="javascript:alert(1)")}, format="json"
    ).json()["reader"]
    assert Commenter.objects.get(public_id=reader["id"]).avatar_url == ""
