"""Readers' data rights: a copy of everything held about a reader, and erasure that keeps
threads whole and leaves nothing of the reader in logs, the outbox or client information."""

import json

import pytest
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token

from accountability.data_rights import ERASED_NAME, ERASED_PREFIX, reader_erase
from accountability.models import Appeal, Erasure, SiteDataPolicy
from comments.models import Comment, Commenter, CommentEvent, CommentStatus, Report, Vote
from comments.services import vote_set
from embed.models import SSOIdentity
from moderation.services import standing_set
from pipeline.models import NotificationLog, WebhookDelivery
from policy.models import Standing
from tests.factories import (
    CommentFactory,
    SSOIdentityFactory,
    WebhookEndpointFactory,
)
from tests.openapi import assert_matches_schema

from .conftest import api_for, assert_error

S = CommentStatus
User = get_user_model()


@pytest.fixture
def history(reader, other_reader, moderator, site, article, make_held):
    """The reader wrote a published comment (with a reply), a held one; voted, reported,
    appealed, was warned, had an e-mail; a webhook delivery names them."""
    WebhookEndpointFactory(site=site)
    mine = CommentFactory(
        article=article, author=reader, user_ip="192.0.2.7", user_agent="Firefox", body="Mine."
    )
    reply = CommentFactory(article=article, parent=mine, author=other_reader, body="A reply.")
    held = make_held(author=reader)
    theirs = CommentFactory(article=article, author=other_reader)
    vote_set(comment_id=theirs.pk, voter=reader, value=1)
    Report.objects.create(comment=theirs, reporter=reader, clause_id="civility", note="rude")
    api_for(reader.user).post(
        f"/api/v1/comments/{held.pk}/appeals/", {"explanation": "My words."}, format="json"
    )
    standing_set(by=moderator, site=site, commenter=reader, state="warned", message="Careful.")
    NotificationLog.objects.create(comment=mine, kind="published", recipient=reader)
    WebhookDelivery.objects.create(
        endpoint=site.webhooks.get(),
        event="comment.published",
        payload={
            "comment": {
                "id": mine.pk,
                "author": {"id": reader.public_id, "display_name": "Alice"},
                "body": "Mine.",
            }
        },
    )
    return {"mine": mine, "reply": reply, "held": held, "theirs": theirs}


def test_the_reader_downloads_everything_held_about_them(reader, history):
    response = api_for(reader.user).get("/api/v1/me/data/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="parley-{reader.public_id}.json"'
    )
    data = json.loads(response.content)
    assert data["profile"]["display_name"] == "Alice"
    assert data["profile"]["email"] == "alice@example.org"
    by_id = {c["id"]: c for c in data["comments"]}
    assert by_id[history["mine"].pk]["client"] == {"ip": "192.0.2.7", "user_agent": "Firefox"}
    held = by_id[history["held"].pk]
    assert held["status"] == "held"
    assert held["statement"].startswith("Your comment on Daily is waiting for a moderator")
    assert data["votes"] == [
        {"comment": history["theirs"].pk, "value": 1, "created_at": data["votes"][0]["created_at"]}
    ]
    assert [r["note"] for r in data["reports"]] == ["rude"]
    assert [a["explanation"] for a in data["appeals"]] == ["My words."]
    assert data["standings"][0]["state"] == "warned"
    assert [n["kind"] for n in data["notifications"]] == ["published"]
    assert history["reply"].pk not in by_id  # others' comments are not theirs


def test_the_copy_needs_a_signed_in_reader(db):
    assert_error(api_for(None).get("/api/v1/me/data/"), 401, "not_authenticated")


@pytest.mark.parametrize("mode", ["anonymise", "remove"])
def test_erasure_leaves_nothing_of_the_reader(mode, reader, site, history):
    SiteDataPolicy.objects.create(site=site, erasure=mode)
    user_id, public_id = reader.user_id, reader.public_id
    theirs_score = Comment.objects.get(pk=history["theirs"].pk).score
    response = api_for(reader.user).post("/api/v1/me/erasure/", {"confirm": True}, format="json")
    assert response.status_code == 200, response.content
    body = assert_matches_schema(response, "post")
    assert body == {
        "erased": True,
        "comments_removed": 2 if mode == "remove" else 0,
        "comments_anonymised": 0 if mode == "remove" else 2,
        "votes": 1,
        "reports": 1,
    }
    # The account and profile stay, emptied: nothing that refers to them breaks.
    user = User.objects.get(pk=user_id)
    assert user.username.startswith(ERASED_PREFIX)
    assert (user.email, user.is_active, user.has_usable_password()) == ("", False, False)
    assert not Token.objects.filter(user_id=user_id).exists()
    assert not Commenter.objects.filter(public_id=public_id).exists()
    placeholder = Commenter.objects.get(user_id=user_id)
    assert (placeholder.display_name, placeholder.avatar_url) == (ERASED_NAME, "")
    mine = Comment.objects.get(pk=history["mine"].pk)
    assert mine.author == placeholder
    assert (mine.user_ip, mine.user_agent) == (None, "")
    if mode == "remove":
        assert (mine.status, mine.body) == (S.DELETED, "")
    else:
        assert (mine.status, mine.body) == (S.PUBLISHED, "Mine.")
    # The reply keeps its place under the comment either way.
    assert Comment.objects.get(pk=history["reply"].pk).parent_id == mine.pk
    # Their vote is gone and the score follows; their report, standing, e-mails too.
    assert not Vote.objects.filter(comment=history["theirs"]).exists()
    assert Comment.objects.get(pk=history["theirs"].pk).score == theirs_score - 1
    assert not Report.objects.filter(note="rude").exists()
    assert not Standing.objects.filter(commenter__public_id=public_id).exists()
    assert not NotificationLog.objects.exists()
    # Nothing names them in the audit rows or the webhook outbox.
    assert not CommentEvent.objects.filter(actor_user_id=user_id).exists()
    payload = WebhookDelivery.objects.get().payload
    assert payload["comment"]["author"] == {
        "id": placeholder.public_id,
        "display_name": ERASED_NAME,
    }
    assert payload["comment"]["body"] is None
    assert public_id not in json.dumps(list(WebhookDelivery.objects.values_list("payload")))
    # The appeal stays for the transparency report, without their words.
    appeal = Appeal.objects.get()
    assert (appeal.appellant, appeal.explanation) == (placeholder, "")
    assert not SSOIdentity.objects.filter(commenter=placeholder).exists()
    assert Erasure.objects.get().via == "reader"


def test_a_thread_still_reads_after_erasure(reader, site, article, history, api):
    SiteDataPolicy.objects.create(site=site, erasure="remove")
    api_for(reader.user).post("/api/v1/me/erasure/", {"confirm": True}, format="json")
    response = api.get("/api/v1/sites/daily/articles/budget-2026/comments/")
    assert response.status_code == 200
    assert "Alice" not in response.content.decode()
    assert "A reply." in response.content.decode()


@pytest.mark.parametrize("body", [{}, {"confirm": False}, {"confirm": "yes"}])
def test_erasure_needs_confirmation_and_changes_nothing(body, reader, history, nothing_changes):
    with nothing_changes():
        response = api_for(reader.user).post("/api/v1/me/erasure/", body, format="json")
        assert response.status_code == 400
    assert User.objects.filter(pk=reader.user_id).exists()


def test_erasing_twice_changes_nothing_more(reader, history):
    first = reader_erase(commenter=reader, via="reader")
    assert first.comments_anonymised == 2
    again = reader_erase(commenter=reader, via="reader")
    assert (again.votes, again.reports) == (0, 0)
    reader.refresh_from_db()
    assert reader.display_name == ERASED_NAME
    assert Erasure.objects.count() == 2


def test_an_erased_reader_cannot_sign_in_with_the_old_token(reader, history):
    client = api_for(reader.user)
    client.post("/api/v1/me/erasure/", {"confirm": True}, format="json")
    assert client.get("/api/v1/me/data/").status_code == 401


@pytest.fixture
def sso_reader(site, article):
    identity = SSOIdentityFactory(site=site, external_id="host-42", email="h@example.org")
    CommentFactory(article=article, author=identity.commenter, body="From the host.")
    return identity


def site_client(key):
    client = api_for(None)
    client.credentials(HTTP_AUTHORIZATION=f"SiteKey {key}")
    return client


def test_a_host_site_exports_and_erases_its_sso_reader(site_key, sso_reader, policy):
    client = site_client(site_key)
    data = client.get("/api/v1/sites/daily/readers/host-42/data/")
    assert data.status_code == 200
    copy = json.loads(data.content)
    assert copy["single_sign_on"][0]["external_id"] == "host-42"
    assert [c["body"] for c in copy["comments"]] == ["From the host."]
    erased = client.post(
        "/api/v1/sites/daily/readers/host-42/erasure/", {"confirm": True}, format="json"
    )
    assert erased.status_code == 200, erased.content
    assert_matches_schema(erased, "post")
    assert not SSOIdentity.objects.exists()
    assert Erasure.objects.get().site.slug == "daily"
    again = client.get("/api/v1/sites/daily/readers/host-42/data/")
    assert_error(again, 404, "reader_not_found")


@pytest.mark.parametrize(
    ("auth", "status", "code"),
    [
        (None, 401, "site_key_required"),
        ("SiteKey wrong", 403, "invalid_site_key"),
        ("Token abc", 401, "site_key_required"),
    ],
)
def test_host_requests_need_the_site_key(auth, status, code, site_key, sso_reader, policy):
    client = api_for(None)
    if auth:
        client.credentials(HTTP_AUTHORIZATION=auth)
    for response in (
        client.get("/api/v1/sites/daily/readers/host-42/data/"),
        client.post(
            "/api/v1/sites/daily/readers/host-42/erasure/", {"confirm": True}, format="json"
        ),
    ):
        assert_error(response, status, code)
    assert SSOIdentity.objects.exists()


def test_a_host_cannot_reach_another_sites_reader(site_key, sso_reader, other_site, policy):
    other = SSOIdentityFactory(site=other_site, external_id="host-7")
    response = site_client(site_key).get("/api/v1/sites/daily/readers/host-7/data/")
    assert_error(response, 404, "reader_not_found")
    assert SSOIdentity.objects.filter(pk=other.pk).exists()


def test_erasure_makes_cached_pages_of_the_readers_articles_stale(reader, article, history):
    before = type(article).objects.get(pk=article.pk).version
    api_for(reader.user).post("/api/v1/me/erasure/", {"confirm": True}, format="json")
    assert type(article).objects.get(pk=article.pk).version > before
