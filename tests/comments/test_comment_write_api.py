"""Posting, editing and deleting comments through the API, and reader tokens."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.authtoken.models import Token

from comments.models import Comment, Commenter, CommentEvent, CommentStatus

from ..conftest import client_for
from ..factories import ArticleFactory, CommentFactory, SiteFactory, UserFactory
from .conftest import assert_error, comment_url, thread_url

S = CommentStatus
E = CommentEvent.Kind


def events(comment_id: int) -> list[tuple[str, str, str, str]]:
    return list(
        CommentEvent.objects.filter(comment_id=comment_id)
        .order_by("id")
        .values_list("kind", "from_status", "to_status", "actor_kind")
    )


# Posting.


def test_post_published_is_201_and_stored(reader_api, reader, article):
    response = reader_api.post(thread_url(article), {"body": "  Hello *there*  "}, format="json")

    assert response.status_code == 201
    body = response.json()
    comment = Comment.objects.get()
    assert body["id"] == comment.pk
    assert body["html"] == "<p>Hello <em>there</em></p>"
    assert body["status"] == "published"
    assert body["moderation"] is None
    assert body["author"] == {"id": reader.public_id, "display_name": "Alice", "avatar_url": ""}
    assert (comment.body, comment.status, comment.depth, comment.parent_id) == (
        "Hello *there*",
        S.PUBLISHED,
        0,
        None,
    )
    assert events(comment.pk) == [
        (E.CREATED, "", S.PENDING, "author"),
        (E.STATUS, S.PENDING, S.PUBLISHED, "rule"),
    ]


def test_post_held_is_202_with_the_clause(reader_api, article, moderation):
    response = reader_api.post(thread_url(article), {"body": "HOLD this one"}, format="json")

    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "held"
    assert body["moderation"] == {
        "clause_id": "civility",
        "clause_title": "Be civil",
        "reason": "Held for a moderator.",
    }
    assert Comment.objects.get().status == S.HELD


def test_post_left_pending_is_202(reader_api, article, moderation):
    response = reader_api.post(thread_url(article), {"body": "WAIT for the queue"}, format="json")

    assert response.status_code == 202
    assert response.json()["status"] == "pending"
    assert Comment.objects.get().status == S.PENDING


def test_post_rejected_is_422_with_the_clause_and_kept_for_its_author(
    reader_api, article, moderation
):
    response = reader_api.post(thread_url(article), {"body": "REJECT buy watches"}, format="json")

    error = assert_error(response, 422, "policy_rejected")
    assert error["message"] == "Advertising is not allowed."
    assert error["detail"]["clause"] == {"id": "spam", "title": "No advertising"}
    comment = Comment.objects.get()
    assert comment.status == S.REJECTED
    assert error["detail"]["comment"]["id"] == comment.pk
    assert reader_api.get(comment_url(comment)).json()["status"] == "rejected"


def test_reply_is_stored_under_its_parent(reader_api, article):
    parent = CommentFactory(article=article)

    response = reader_api.post(
        thread_url(article), {"body": "Agreed", "parent": parent.pk}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["parent"] == parent.pk
    reply = Comment.objects.get(pk=response.json()["id"])
    assert (reply.parent_id, reply.root_id, reply.depth) == (parent.pk, parent.pk, 1)
    parent.refresh_from_db()
    assert parent.reply_count == 1


@pytest.mark.parametrize("parent", [None, "null"])
def test_explicit_null_parent_is_top_level(reader_api, article, parent):
    payload = '{"body": "Top", "parent": null}' if parent else '{"body": "Top"}'

    response = reader_api.post(thread_url(article), payload, content_type="application/json")

    assert response.status_code == 201
    assert response.json()["parent"] is None


@pytest.mark.parametrize(
    ("max_depth", "reply_to_depth", "lands_under_depth"),
    [
        (4, 3, 3),
        (4, 4, 3),
        (2, 2, 1),
        (2, 4, 1),  # stored before the limit was lowered: climbs several levels
        (1, 3, 0),
    ],
)
def test_too_deep_reply_attaches_to_the_deepest_allowed_ancestor(
    reader_api, article, max_depth, reply_to_depth, lands_under_depth
):
    chain = [CommentFactory(article=article)]
    for _ in range(reply_to_depth):
        chain.append(CommentFactory(article=article, parent=chain[-1]))
    article.site.max_depth = max_depth
    article.site.save()
    before = {c.pk: Comment.objects.get(pk=c.pk).reply_count for c in chain}

    response = reader_api.post(
        thread_url(article), {"body": "Deep", "parent": chain[-1].pk}, format="json"
    )

    assert response.status_code == 201
    expected_parent = chain[lands_under_depth]
    reply = Comment.objects.get(pk=response.json()["id"])
    assert (reply.parent_id, reply.root_id, reply.depth) == (
        expected_parent.pk,
        chain[0].pk,
        lands_under_depth + 1,
    )
    assert reply.depth <= max_depth
    after = {c.pk: Comment.objects.get(pk=c.pk).reply_count for c in chain}
    assert after == {pk: n + (pk == expected_parent.pk) for pk, n in before.items()}


def test_anonymous_cannot_post(api, article, unchanged):
    with unchanged():
        response = api.post(thread_url(article), {"body": "Hi"}, format="json")

    assert_error(response, 401, "not_authenticated")


def test_invalid_token_is_401(api, article, unchanged):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    with unchanged():
        response = api.post(thread_url(article), {"body": "Hi"}, format="json")

    assert_error(response, 401, "authentication_failed")


@pytest.mark.parametrize(
    ("article_fields", "status"),
    [
        ({"is_open": False}, 403),
        ({"closes_at": timezone.now() - timedelta(seconds=1)}, 403),
        ({"closes_at": timezone.now() + timedelta(hours=1)}, 201),
        ({"is_open": False, "closes_at": timezone.now() + timedelta(hours=1)}, 403),
    ],
)
def test_closed_articles_refuse_comments(reader_api, site, article_fields, status):
    article = ArticleFactory(site=site, **article_fields)
    before = Comment.objects.count()

    response = reader_api.post(thread_url(article), {"body": "Hi"}, format="json")

    if status == 201:
        assert response.status_code == 201
        assert Comment.objects.count() == before + 1
    else:
        assert_error(response, 403, "article_closed")
        assert Comment.objects.count() == before


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"body": ""}, 400, "empty_body"),
        ({"body": " \n\t "}, 400, "empty_body"),
        ({"body": "x" * 5001}, 400, "body_too_long"),
        ({"body": "x" * 100_001}, 400, "body_too_long"),
        ({}, 400, "invalid"),
        ({"body": None}, 400, "invalid"),
        ({"body": 42}, 201, None),  # DRF's CharField accepts numbers as text
        ({"body": ["a"]}, 400, "invalid"),
        ({"body": {"a": 1}}, 400, "invalid"),
        ({"body": "Hi", "parent": "abc"}, 400, "invalid"),
        ({"body": "Hi", "parent": 0}, 400, "invalid"),
        ({"body": "Hi", "parent": -5}, 400, "invalid"),
        ({"body": "Hi", "parent": 2**63}, 400, "invalid"),
        ({"body": "Hi", "parent": 10**40}, 400, "invalid"),
        ({"body": "Hi", "parent": 1.5}, 400, "invalid"),
        ({"body": "Hi", "parent": True}, 400, "invalid"),
        ({"body": "Hi", "parent": 999_999}, 400, "invalid_parent"),
        ({"body": "Hi", "parent": 2**63 - 1}, 400, "invalid_parent"),
    ],
)
def test_invalid_posts_store_nothing(reader_api, article, unchanged, payload, status, code):
    with unchanged() if status != 201 else _noop():
        response = reader_api.post(thread_url(article), payload, format="json")

    if status == 201:
        assert response.status_code == 201
        assert response.json()["html"] == "<p>42</p>"
    else:
        assert_error(response, status, code)


class _noop:
    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False


def test_body_too_long_says_the_limit(reader_api, article, unchanged):
    article.site.max_body_chars = 10
    article.site.save()

    with unchanged():
        response = reader_api.post(thread_url(article), {"body": "x" * 11}, format="json")

    error = assert_error(response, 400, "body_too_long")
    assert error["detail"] == {"max_chars": 10, "chars": 11}


def test_body_at_the_limit_is_accepted(reader_api, article):
    article.site.max_body_chars = 10
    article.site.save()

    response = reader_api.post(thread_url(article), {"body": " " + "x" * 10 + " "}, format="json")

    assert response.status_code == 201


def test_parent_from_another_article_is_refused(reader_api, article, unchanged):
    elsewhere = CommentFactory(article=ArticleFactory(site=article.site))

    with unchanged():
        response = reader_api.post(
            thread_url(article), {"body": "Hi", "parent": elsewhere.pk}, format="json"
        )

    error = assert_error(response, 400, "invalid_parent")
    assert error["detail"] == {"parent": elsewhere.pk}


def test_parent_from_another_site_with_the_same_article_key_is_refused(
    reader_api, article, unchanged
):
    twin = ArticleFactory(site=SiteFactory(slug="weekly"), key=article.key)
    elsewhere = CommentFactory(article=twin)

    with unchanged():
        response = reader_api.post(
            thread_url(article), {"body": "Hi", "parent": elsewhere.pk}, format="json"
        )

    assert_error(response, 400, "invalid_parent")


@pytest.mark.parametrize("status", [S.PENDING, S.HELD, S.REJECTED, S.REMOVED, S.DELETED])
def test_reply_to_someone_elses_unpublished_comment_is_as_if_it_did_not_exist(
    reader_api, article, unchanged, status
):
    parent = CommentFactory(article=article, status=status)

    with unchanged():
        response = reader_api.post(
            thread_url(article), {"body": "Hi", "parent": parent.pk}, format="json"
        )

    assert_error(response, 400, "invalid_parent")


@pytest.mark.parametrize("status", [S.PENDING, S.HELD, S.REJECTED])
def test_reply_to_ones_own_unpublished_comment_is_refused(
    reader, reader_api, article, unchanged, status
):
    parent = CommentFactory(article=article, author=reader, status=status)

    with unchanged():
        response = reader_api.post(
            thread_url(article), {"body": "Hi", "parent": parent.pk}, format="json"
        )

    assert_error(response, 409, "parent_not_published")


def test_unknown_article_is_404(reader_api, article, unchanged):
    with unchanged():
        response = reader_api.post(
            f"/api/v1/sites/{article.site.slug}/articles/nope/comments/",
            {"body": "Hi"},
            format="json",
        )

    assert_error(response, 404, "article_not_found")


def test_first_post_creates_the_commenter_profile(article):
    user = UserFactory(username="carol")

    response = client_for_user(user).post(thread_url(article), {"body": "Hi"}, format="json")

    assert response.status_code == 201
    assert Commenter.objects.get(user=user).display_name == "carol"
    assert response.json()["author"]["display_name"] == "carol"


def client_for_user(user):
    from rest_framework.test import APIClient

    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


# Editing.


def test_author_edits_within_the_window(reader_api, article, reader):
    comment = CommentFactory(article=article, author=reader, body="Frist")

    response = reader_api.patch(comment_url(comment), {"body": "First *edit*"}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert body["html"] == "<p>First <em>edit</em></p>"
    assert body["status"] == "published"
    assert body["edited_at"] is not None
    comment.refresh_from_db()
    assert (comment.body, comment.status) == ("First *edit*", S.PUBLISHED)
    assert events(comment.pk) == [
        (E.EDIT, S.PUBLISHED, S.PUBLISHED, "author"),
        (E.STATUS, S.PUBLISHED, S.PENDING, "author"),
        (E.STATUS, S.PENDING, S.PUBLISHED, "rule"),
    ]


def test_edit_that_moderation_holds_is_202(reader_api, article, reader, moderation):
    comment = CommentFactory(article=article, author=reader)

    response = reader_api.patch(comment_url(comment), {"body": "HOLD now"}, format="json")

    assert response.status_code == 202
    assert response.json()["status"] == "held"


def test_edit_with_the_same_text_changes_nothing(reader_api, article, reader, unchanged):
    comment = CommentFactory(article=article, author=reader, body="Same")

    with unchanged():
        response = reader_api.patch(comment_url(comment), {"body": " Same "}, format="json")

    assert response.status_code == 200
    assert response.json()["edited_at"] is None


@pytest.mark.parametrize(
    ("window", "age_seconds", "allowed"),
    [(300, 10, True), (300, 299, True), (300, 301, False), (60, 120, False), (3600, 3000, True)],
)
def test_edit_window(reader_api, article, reader, unchanged, window, age_seconds, allowed):
    article.site.edit_window_seconds = window
    article.site.save()
    comment = CommentFactory(
        article=article,
        author=reader,
        body="Old",
        created_at=timezone.now() - timedelta(seconds=age_seconds),
    )

    if allowed:
        response = reader_api.patch(comment_url(comment), {"body": "New"}, format="json")
        assert response.status_code == 200
        comment.refresh_from_db()
        assert comment.body == "New"
    else:
        with unchanged():
            response = reader_api.patch(comment_url(comment), {"body": "New"}, format="json")
        error = assert_error(response, 403, "edit_window_closed")
        assert error["detail"] == {"edit_window_seconds": window}


def test_default_edit_window_is_five_minutes(site):
    assert site.edit_window_seconds == 300


@pytest.mark.parametrize(
    ("who", "status", "code"),
    [
        ("anonymous", 401, "not_authenticated"),
        ("other", 403, "not_author"),
    ],
)
def test_only_the_author_edits(api, other_api, article, reader, unchanged, who, status, code):
    comment = CommentFactory(article=article, author=reader)
    client = {"anonymous": api, "other": other_api}[who]

    with unchanged():
        response = client.patch(comment_url(comment), {"body": "Mine now"}, format="json")

    assert_error(response, status, code)


@pytest.mark.parametrize(
    ("status", "http", "code"),
    [
        (S.DELETED, 404, "comment_not_found"),
        (S.REMOVED, 409, "not_editable"),
    ],
)
def test_gone_comments_cannot_be_edited(reader_api, article, reader, unchanged, status, http, code):
    comment = CommentFactory(article=article, author=reader, status=status)

    with unchanged():
        response = reader_api.patch(comment_url(comment), {"body": "Back"}, format="json")

    assert_error(response, http, code)


def test_others_unpublished_comment_is_404_on_edit(other_api, article, reader, unchanged):
    comment = CommentFactory(article=article, author=reader, status=S.HELD)

    with unchanged():
        response = other_api.patch(comment_url(comment), {"body": "x"}, format="json")

    assert_error(response, 404, "comment_not_found")


@pytest.mark.parametrize(
    ("payload", "code"),
    [({"body": ""}, "empty_body"), ({}, "invalid"), ({"body": None}, "invalid")],
)
def test_invalid_edits_change_nothing(reader_api, article, reader, unchanged, payload, code):
    comment = CommentFactory(article=article, author=reader)

    with unchanged():
        response = reader_api.patch(comment_url(comment), payload, format="json")

    assert_error(response, 400, code)


# Deleting.


def test_delete_without_replies_removes_it_from_every_view(reader_api, api, article, reader):
    parent = CommentFactory(article=article)
    comment = CommentFactory(article=article, author=reader, parent=parent)

    response = reader_api.delete(comment_url(comment))

    assert response.status_code == 204
    assert response.content == b""
    comment.refresh_from_db()
    assert (comment.status, comment.body, comment.html) == (S.DELETED, "", "")
    parent.refresh_from_db()
    assert parent.reply_count == 0
    for client in (api, reader_api):
        assert_error(client.get(comment_url(comment)), 404, "comment_not_found")
    assert api.get(thread_url(article)).json()["results"][0]["replies"] == []
    assert events(comment.pk)[-1] == (E.STATUS, S.PUBLISHED, S.DELETED, "author")


def test_delete_with_replies_leaves_a_tombstone(reader_api, api, article, reader):
    comment = CommentFactory(article=article, author=reader, body="Regret")
    reply = CommentFactory(article=article, parent=comment)

    assert reader_api.delete(comment_url(comment)).status_code == 204

    for client in (api, reader_api):
        [shown] = client.get(thread_url(article)).json()["results"]
        assert shown["id"] == comment.pk
        assert (shown["deleted"], shown["author"], shown["html"]) == (True, None, "")
        assert "status" not in shown
        assert [r["id"] for r in shown["replies"]] == [reply.pk]
    comment.refresh_from_db()
    assert (comment.body, comment.html) == ("", "")


@pytest.mark.parametrize(
    ("who", "status", "code"),
    [("anonymous", 401, "not_authenticated"), ("other", 403, "not_author")],
)
def test_only_the_author_deletes(api, other_api, article, reader, unchanged, who, status, code):
    comment = CommentFactory(article=article, author=reader)
    client = {"anonymous": api, "other": other_api}[who]

    with unchanged():
        response = client.delete(comment_url(comment))

    assert_error(response, status, code)


def test_deleting_twice_is_404(reader_api, article, reader):
    comment = CommentFactory(article=article, author=reader)
    assert reader_api.delete(comment_url(comment)).status_code == 204

    assert_error(reader_api.delete(comment_url(comment)), 404, "comment_not_found")


def test_author_can_delete_a_held_comment(reader_api, article, reader):
    comment = CommentFactory(article=article, author=reader, status=S.HELD)

    assert reader_api.delete(comment_url(comment)).status_code == 204

    comment.refresh_from_db()
    assert comment.status == S.DELETED


# Reader tokens.


def test_token_for_username_and_password(api, db):
    user = UserFactory(username="dora")

    response = api.post(
        "/api/v1/auth/token/", {"username": "dora", "password": "reader-pass-123"}, format="json"
    )

    assert response.status_code == 200
    token = response.json()["token"]
    assert token == Token.objects.get(user=user).key
    assert Commenter.objects.filter(user=user).count() == 1
    again = api.post(
        "/api/v1/auth/token/", {"username": "dora", "password": "reader-pass-123"}, format="json"
    )
    assert again.json() == {"token": token}


def test_token_then_post(api, article):
    UserFactory(username="erin")
    token = api.post(
        "/api/v1/auth/token/", {"username": "erin", "password": "reader-pass-123"}, format="json"
    ).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    response = api.post(thread_url(article), {"body": "Hi"}, format="json")

    assert response.status_code == 201
    assert response.json()["author"]["display_name"] == "erin"


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"username": "dora", "password": "wrong"}, 401, "invalid_credentials"),
        ({"username": "nobody", "password": "reader-pass-123"}, 401, "invalid_credentials"),
        ({"username": "inactive", "password": "reader-pass-123"}, 401, "invalid_credentials"),
        ({"username": "dora"}, 400, "invalid"),
        ({"username": "do\x00ra", "password": "x"}, 400, "invalid"),
        ({"username": "dora", "password": "x" * 513}, 400, "invalid"),
    ],
)
def test_token_refused(api, db, unchanged, payload, status, code):
    UserFactory(username="dora")
    UserFactory(username="inactive", is_active=False)

    with unchanged():
        response = api.post("/api/v1/auth/token/", payload, format="json")

    assert_error(response, status, code)
    assert Token.objects.count() == 0


def test_inactive_users_token_is_refused(article, reader, unchanged):
    client = client_for(reader)
    get_user_model().objects.filter(pk=reader.user_id).update(is_active=False)

    with unchanged():
        response = client.post(thread_url(article), {"body": "Hi"}, format="json")

    assert_error(response, 401, "authentication_failed")
