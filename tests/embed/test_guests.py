"""Guests: off by default; where a site allows them, every guest comment waits for a moderator."""

import pytest
from rest_framework.test import APIClient

from comments.models import Comment, CommentStatus
from embed.models import SiteEmbedConfig
from policy.models import Standing

pytestmark = pytest.mark.django_db


def guests_url(site) -> str:
    return f"/api/v1/sites/{site.slug}/guests/"


@pytest.fixture
def guest_site(site):
    SiteEmbedConfig.objects.create(site=site, guests=True)
    return site


def test_guests_are_refused_unless_the_site_allows_them(api, site):
    response = api.post(guests_url(site), {"name": "Passer-by"}, format="json")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "guests_not_allowed"
    assert not Standing.objects.exists()


def test_a_guests_comment_is_held_for_a_moderator(api, guest_site, article):
    response = api.post(guests_url(guest_site), {"name": "Passer-by"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["reader"]["display_name"] == "Passer-by"

    guest = APIClient()
    guest.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    posted = guest.post(
        f"/api/v1/sites/{guest_site.slug}/articles/{article.key}/comments/",
        {"body": "A fair point about the budget."},
        format="json",
    )

    assert posted.status_code == 202
    comment = Comment.objects.get(pk=posted.json()["id"])
    assert comment.status == CommentStatus.HELD
    assert comment.moderation_clause_id == "moderation"  # the default policy's standing clause
    assert comment.author.user.has_usable_password() is False


def test_the_guest_token_is_valid_on_its_site_only(api, guest_site, other_site):
    token = api.post(guests_url(guest_site), {"name": "Passer-by"}, format="json").json()["token"]
    article = other_site.articles.create(key="elsewhere", title="Elsewhere")
    guest = APIClient()
    guest.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    response = guest.post(
        f"/api/v1/sites/{other_site.slug}/articles/{article.key}/comments/",
        {"body": "Hello"},
        format="json",
    )

    assert response.status_code == 401
    assert not Comment.objects.exists()


@pytest.mark.parametrize("name", ["", "x", "y" * 61, None, ["list"], "a\x00b"])
def test_a_guest_name_must_be_a_short_text(api, guest_site, name):
    response = api.post(guests_url(guest_site), {"name": name}, format="json")

    assert response.status_code == 400
    assert not Standing.objects.exists()


def test_the_embed_settings_say_whether_guests_may_comment(api, guest_site):
    body = api.get(f"/api/v1/sites/{guest_site.slug}/embed/").json()

    assert body["guests"] is True
