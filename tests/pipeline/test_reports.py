"""POST /api/v1/comments/{id}/reports/: one report per reader, threshold holds the comment."""

import pytest
from django.db import transaction

from comments.lifecycle import Actor, transition
from comments.models import ActorKind, Comment, CommentEvent, CommentStatus, Report
from tests.conftest import client_for
from tests.factories import CommenterFactory, CommentFactory

S = CommentStatus


def report(client, comment_id, clause="civility", **extra):
    return client.post(
        f"/api/v1/comments/{comment_id}/reports/", {"clause": clause, **extra}, format="json"
    )


@pytest.fixture
def comment(article, reader):
    return CommentFactory(article=article, author=reader, status=S.PUBLISHED)


def test_a_reader_reports_a_comment(other_api, other_reader, comment):
    response = report(other_api, comment.pk, note="Calls another reader names.")
    assert response.status_code == 201
    body = response.json()
    assert body["comment"] == comment.pk
    assert body["clause"] == "civility"
    assert body["note"] == "Calls another reader names."
    stored = Report.objects.get()
    assert (stored.reporter_id, stored.clause_id) == (other_reader.pk, "civility")
    assert Comment.objects.get(pk=comment.pk).status == S.PUBLISHED  # under the threshold


def test_a_second_report_by_the_same_reader_is_a_conflict(other_api, comment):
    assert report(other_api, comment.pk).status_code == 201
    response = report(other_api, comment.pk, clause="spam")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "already_reported"
    assert Report.objects.count() == 1


def test_readers_cannot_report_their_own_comment(reader_api, comment):
    response = report(reader_api, comment.pk)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "own_comment"
    assert not Report.objects.exists()


def test_an_unknown_clause_is_refused_with_the_allowed_ones(other_api, comment):
    response = report(other_api, comment.pk, clause="not-a-clause")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "unknown_clause"
    assert "civility" in error["detail"]["allowed"]
    assert not Report.objects.exists()


def test_a_missing_clause_is_invalid(other_api, comment):
    response = other_api.post(f"/api/v1/comments/{comment.pk}/reports/", {}, format="json")
    assert response.status_code == 400
    assert "clause" in response.json()["error"]["detail"]["fields"]


@pytest.mark.parametrize("status", [S.HELD, S.PENDING, S.REJECTED, S.DELETED])
def test_a_comment_the_reader_cannot_see_is_not_found(other_api, article, reader, status):
    hidden = CommentFactory(article=article, author=reader, status=status)
    response = report(other_api, hidden.pk)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "comment_not_found"
    assert not Report.objects.exists()


def test_a_tombstone_cannot_be_reported(other_api, article, reader):
    removed = CommentFactory(article=article, author=reader, status=S.REMOVED)
    Comment.objects.filter(pk=removed.pk).update(reply_count=1)  # kept for its replies
    assert report(other_api, removed.pk).status_code == 404


def test_reporting_needs_a_signed_in_reader(api, comment):
    response = report(api, comment.pk)
    assert response.status_code == 401
    assert not Report.objects.exists()


def _readers(n):
    return [client_for(CommenterFactory()) for _ in range(n)]


def test_reaching_the_threshold_holds_the_comment_under_the_most_reported_clause(site, comment):
    site.report_threshold = 3
    site.save()
    clients = _readers(3)
    assert report(clients[0], comment.pk, clause="spam").status_code == 201
    assert report(clients[1], comment.pk, clause="civility").status_code == 201
    assert Comment.objects.get(pk=comment.pk).status == S.PUBLISHED
    assert report(clients[2], comment.pk, clause="civility").status_code == 201

    held = Comment.objects.get(pk=comment.pk)
    assert held.status == S.HELD
    assert held.moderation_clause_id == "civility"
    assert held.moderation_clause_title == "Be civil: no personal attacks"
    event = held.events.get(kind=CommentEvent.Kind.STATUS)
    assert (event.from_status, event.to_status) == (S.PUBLISHED, S.HELD)
    assert event.actor_kind == ActorKind.READERS
    assert event.clause_id == "civility"
    assert "3 reader reports" in event.note

    # Later reports are still recorded; the comment is not moved again.
    assert report(_readers(1)[0], comment.pk).status_code == 404  # held: no longer visible
    assert held.events.filter(kind=CommentEvent.Kind.STATUS).count() == 1


def test_a_tie_goes_to_the_clause_reported_first(site, comment):
    site.report_threshold = 2
    site.save()
    a, b = _readers(2)
    report(a, comment.pk, clause="spam")
    report(b, comment.pk, clause="civility")
    assert Comment.objects.get(pk=comment.pk).moderation_clause_id == "spam"


def test_reports_a_moderator_saw_do_not_count_after_re_publishing(site, comment, django_user_model):
    site.report_threshold = 2
    site.save()
    a, b, c = _readers(3)
    report(a, comment.pk)
    report(b, comment.pk)
    moderator = django_user_model.objects.create_user("mod", is_staff=True)
    with transaction.atomic():
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        transition(locked, to=S.PUBLISHED, actor=Actor.moderator(moderator))
    assert report(c, comment.pk).status_code == 201
    assert Comment.objects.get(pk=comment.pk).status == S.PUBLISHED
