"""Decisions on comments through the moderation API: the state machine, the audit trail,
idempotence, and nothing changed when a decision is refused."""

import pytest
from django.db import transaction

from comments.lifecycle import Actor, transition
from comments.models import ActorKind, Comment, CommentEvent, CommentStatus
from moderation.models import ModeratorAction
from moderation.selectors import QueueFilters, queue_comments
from pipeline.services import decide_pending
from policy.services import policy_save
from tests.factories import CommenterFactory, CommentFactory, ReportFactory

from .conftest import api_for, assert_error

S = CommentStatus


def decide(client, comment, **body):
    return client.post(
        f"/api/v1/moderation/comments/{getattr(comment, 'pk', comment)}/decision/",
        body,
        format="json",
    )


def reader_view(comment) -> dict:
    """The comment as its author sees it through the reader API."""
    response = api_for(comment.author.user).get(f"/api/v1/comments/{comment.pk}/")
    assert response.status_code == 200, response.content
    return response.json()


def queue_ids(site, queue: str) -> list[int]:
    return [c.pk for c in queue_comments(site=site, filters=QueueFilters(queue=queue))]


def test_approve_a_held_comment(mod_api, moderator, held):
    response = decide(mod_api, held, action="approve", note="Robust, not abusive.")
    assert response.status_code == 200
    assert response.json() == {
        "id": held.pk,
        "status": "published",
        "featured": False,
        "changed": True,
        "moderation": {"clause_id": "", "clause_title": "", "reason": ""},
        "allowed_actions": ["approve", "remove", "feature"],
    }
    event = CommentEvent.objects.filter(comment=held).latest("id")
    assert (event.from_status, event.to_status) == ("held", "published")
    assert (event.actor_kind, event.actor_user_id) == (ActorKind.MODERATOR, moderator.pk)
    assert event.note == "Robust, not abusive."
    action = ModeratorAction.objects.get(comment=held)
    assert (action.kind, action.from_status, action.to_status) == ("approve", "held", "published")
    assert reader_view(held)["status"] == "published"
    assert queue_ids(held.site, "held") == []


def test_reject_cites_the_clause_the_reader_then_sees(mod_api, held):
    response = decide(mod_api, held, action="reject", clause="spam", note="Links to a shop.")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "rejected"
    assert body["moderation"] == {
        "clause_id": "spam",
        "clause_title": "No advertising",
        "reason": "Links to a shop.",
    }
    event = CommentEvent.objects.filter(comment=held).latest("id")
    assert (event.to_status, event.clause_id, event.policy_version) == ("rejected", "spam", 1)
    seen = reader_view(held)
    assert seen["status"] == "rejected"
    assert seen["moderation"] == {
        "clause_id": "spam",
        "clause_title": "No advertising",
        "reason": "Links to a shop.",
    }


def test_reject_without_a_note_explains_the_clause(mod_api, held):
    decide(mod_api, held, action="reject", clause="civility")
    held.refresh_from_db()
    assert held.moderation_reason == (
        "This comment breaks clause 1 of the comment policy: Be civil."
    )


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"action": "reject"}, 400, "unknown_clause"),
        ({"action": "reject", "clause": ""}, 400, "unknown_clause"),
        ({"action": "reject", "clause": "made-up"}, 400, "unknown_clause"),
        ({"action": "remove", "clause": "made-up"}, 400, "unknown_clause"),
        ({"action": "obliterate"}, 400, "invalid"),
        ({}, 400, "invalid"),
        ({"action": "reject", "clause": "x" * 65}, 400, "invalid"),
        ({"action": "approve", "note": "n" * 501}, 400, "invalid"),
        ({"action": ["approve"]}, 400, "invalid"),
        ({"action": "remove", "clause": "spam"}, 409, "illegal_transition"),
        ({"action": "feature"}, 409, "illegal_transition"),
    ],
)
def test_refused_decisions_change_nothing(mod_api, held, body, status, code, unchanged):
    with unchanged():
        response = decide(mod_api, held, **body)
    assert_error(response, status, code)


def test_a_clause_of_another_sites_policy_is_refused(mod_api, held, other_site, unchanged):
    policy_save(
        site=other_site,
        source="""
title = "Other"
introduction = "Other"
[[clauses]]
id = "only-elsewhere"
number = 1
title = "Elsewhere"
text = "x"
""",
    )
    with unchanged():
        response = decide(mod_api, held, action="reject", clause="only-elsewhere")
    error = assert_error(response, 400, "unknown_clause")
    assert error["detail"]["allowed"] == ["civility", "spam", "standing"]


def test_malformed_json_is_a_400_not_a_500(mod_api, held, unchanged):
    with unchanged():
        response = mod_api.post(
            f"/api/v1/moderation/comments/{held.pk}/decision/",
            "{not json",
            content_type="application/json",
        )
    assert_error(response, 400)


def test_decision_on_a_missing_comment_is_404(mod_api):
    assert_error(decide(mod_api, 10**17, action="approve"), 404, "comment_not_found")


def test_approving_a_published_comment_is_a_no_op(mod_api, article, unchanged):
    comment = CommentFactory(article=article, status=S.PUBLISHED)
    with unchanged():
        response = decide(mod_api, comment, action="approve")
    assert response.status_code == 200
    assert response.json()["changed"] is False


def test_repeating_a_reject_is_a_no_op(mod_api, held, unchanged):
    decide(mod_api, held, action="reject", clause="civility")
    with unchanged():
        response = decide(mod_api, held, action="reject", clause="civility")
    assert response.status_code == 200
    assert response.json()["changed"] is False


def test_a_published_comment_is_removed_not_rejected(mod_api, article, unchanged):
    comment = CommentFactory(article=article, status=S.PUBLISHED, featured=True)
    with unchanged():
        refused = decide(mod_api, comment, action="reject", clause="civility")
    error = assert_error(refused, 409, "illegal_transition")
    assert error["detail"]["allowed_actions"] == ["approve", "remove", "feature", "unfeature"]

    response = decide(mod_api, comment, action="remove", clause="civility", note="Abusive.")
    assert response.status_code == 200
    assert response.json()["status"] == "removed"
    assert response.json()["featured"] is False
    seen = reader_view(comment)
    assert (seen["status"], seen["moderation"]["clause_id"]) == ("removed", "civility")
    # and a moderator can reverse it
    assert decide(mod_api, comment, action="approve").json()["status"] == "published"


def test_reversing_a_rejection(mod_api, held):
    decide(mod_api, held, action="reject", clause="civility")
    response = decide(mod_api, held, action="approve")
    assert response.json()["status"] == "published"
    assert reader_view(held)["moderation"] is None
    transitions = list(
        CommentEvent.objects.filter(comment=held, kind="status").values_list(
            "from_status", "to_status", "actor_kind"
        )
    )
    assert transitions == [
        ("pending", "held", "rule"),
        ("held", "rejected", "moderator"),
        ("rejected", "published", "moderator"),
    ]


def test_a_deleted_comment_cannot_be_decided(mod_api, article, unchanged):
    comment = CommentFactory(article=article, status=S.DELETED, body="", html="")
    with unchanged():
        response = decide(mod_api, comment, action="approve")
    assert_error(response, 409, "illegal_transition")


def test_feature_and_unfeature(mod_api, article):
    comment = CommentFactory(article=article, status=S.PUBLISHED)
    assert decide(mod_api, comment, action="feature").json()["featured"] is True
    assert decide(mod_api, comment, action="feature").json()["changed"] is False
    assert reader_view(comment)["featured"] is True
    assert decide(mod_api, comment, action="unfeature").json()["featured"] is False
    kinds = list(
        ModeratorAction.objects.filter(comment=comment)
        .order_by("id")
        .values_list("kind", flat=True)
    )
    assert kinds == ["feature", "unfeature"]


def test_approving_a_reported_comment_dismisses_its_reports(mod_api, make_reported):
    comment = make_reported(2)
    assert queue_ids(comment.site, "reported") == [comment.pk]
    response = decide(mod_api, comment, action="approve")
    assert response.json() == {**response.json(), "status": "published", "changed": True}
    assert queue_ids(comment.site, "reported") == []
    # Approving again changes nothing: the reports are dealt with.
    assert decide(mod_api, comment, action="approve").json()["changed"] is False
    # A new report opens it again.
    ReportFactory(comment=comment, reporter=CommenterFactory(), clause_id="spam")
    assert queue_ids(comment.site, "reported") == [comment.pk]


def test_approving_a_comment_held_by_reports_publishes_it_and_closes_them(mod_api, make_reported):
    comment = make_reported(3, hold=True)
    assert queue_ids(comment.site, "reported") == [comment.pk]
    assert queue_ids(comment.site, "held") == []
    assert decide(mod_api, comment, action="approve").json()["status"] == "published"
    assert queue_ids(comment.site, "reported") == []
    assert queue_ids(comment.site, "published") == [comment.pk]


def test_a_held_comment_reported_by_readers_can_be_rejected(mod_api, make_reported):
    comment = make_reported(3, hold=True)
    response = decide(mod_api, comment, action="reject", clause="civility")
    assert response.json()["status"] == "rejected"
    assert queue_ids(comment.site, "rejected") == [comment.pk]


def test_a_moderator_overrides_the_system_while_it_is_still_pending(mod_api, article, policy):
    comment = CommentFactory(article=article, status=S.PENDING, body="Fine words.")
    assert decide(mod_api, comment, action="approve").json()["status"] == "published"
    # The pipeline, arriving later, finds nothing pending and leaves the decision alone.

    assert decide_pending(comment.pk) is None
    comment.refresh_from_db()
    assert comment.status == S.PUBLISHED


def test_reply_counts_follow_decisions(mod_api, article, policy):
    parent = CommentFactory(article=article, status=S.PUBLISHED)
    reply = CommentFactory(article=article, parent=parent, status=S.HELD)
    decide(mod_api, reply, action="approve")
    parent.refresh_from_db()
    assert parent.reply_count == 1
    decide(mod_api, reply, action="remove", clause="civility")
    parent.refresh_from_db()
    assert parent.reply_count == 0


def test_the_history_endpoint(mod_api, moderator, held):
    decide(mod_api, held, action="reject", clause="spam", note="Advert.")
    response = mod_api.get(f"/api/v1/moderation/comments/{held.pk}/history/")
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["status"]) == (held.pk, "rejected")
    rows = [(e["kind"], e["actor_kind"], e["summary"], e["clause_id"]) for e in body["history"]]
    assert rows == [
        ("decision", "engine", "decided: hold", "civility"),
        ("event", "rule", "pending → held", "civility"),
        ("event", "moderator", "held → rejected", "spam"),
        ("action", "moderator", "rejected", "spam"),
    ]
    engine = body["history"][0]
    assert engine["policy_version"] == 1
    assert engine["hits"][0]["evidence"]["matches"] == [[7, 17, "nincompoop"]]
    assert body["history"][2]["actor"] == moderator.username
    assert body["history"][2]["note"] == "Advert."


def test_a_second_moderator_finds_it_done(mod_api, users, held):
    """Two moderators approving the same comment: one event, the second answer unchanged."""
    first = decide(mod_api, held, action="approve")
    second = decide(api_for(users["site_admin"]), held, action="approve")
    assert (first.json()["changed"], second.json()["changed"]) == (True, False)
    assert CommentEvent.objects.filter(comment=held, to_status="published").count() == 1


def test_a_removal_by_anyone_can_be_reversed(mod_api, article, policy):
    comment = CommentFactory(article=article, status=S.PUBLISHED)
    with transaction.atomic():
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        transition(locked, to=S.REMOVED, actor=Actor(ActorKind.SYSTEM, "test"))
    assert decide(mod_api, comment, action="approve").json()["status"] == "published"
