"""Notices of illegal content: anyone files one (guests with an e-mail address), a separate
queue, a decision of its own, the notifier told, abusive notifiers rate-limited."""

import pytest
from django.core import mail

from accountability.models import Notice
from accountability.services import NOTICES_PER_DAY
from comments.models import CommentEvent, CommentStatus
from tests.factories import CommentFactory
from tests.openapi import assert_matches_schema

from .conftest import ROLES, api_for, assert_error

S = CommentStatus

NOTICE = {
    "legal_ground": "Defamation",
    "explanation": "It says I stole from my employer, which is false.",
    "good_faith": True,
}


def notify(client, comment, **body):
    return client.post(f"/api/v1/comments/{comment.pk}/notices/", {**NOTICE, **body}, format="json")


def decide(client, notice_id, **body):
    return client.post(f"/api/v1/moderation/notices/{notice_id}/decision/", body, format="json")


@pytest.fixture
def published(article, policy):
    return CommentFactory(article=article, status=S.PUBLISHED)


def test_a_guest_notifies_with_an_e_mail_address_and_gets_a_receipt(published, on_commit):
    with on_commit():
        response = notify(api_for(None), published, email="victim@example.org", name="V.")
    assert response.status_code == 201, response.content
    body = assert_matches_schema(response, "post")
    assert (body["comment"], body["outcome"], body["legal_ground"]) == (
        published.pk,
        "open",
        "Defamation",
    )
    notice = Notice.objects.get()
    assert (notice.notifier, notice.notifier_email) == (None, "victim@example.org")
    assert len(notice.source_digest) == 64 and "127.0.0.1" not in notice.source_digest
    [receipt] = mail.outbox
    assert receipt.to == ["victim@example.org"]
    assert f"number {notice.pk}" in receipt.body


def test_a_signed_in_reader_notifies_without_an_address(reader, published):
    response = notify(api_for(reader.user), published)
    assert response.status_code == 201
    assert Notice.objects.get().notifier == reader


@pytest.mark.parametrize(
    ("case", "body", "status", "code"),
    [
        ("guest_without_email", {}, 400, "email_required"),
        (
            "no_good_faith",
            {"good_faith": False, "email": "a@example.org"},
            400,
            "good_faith_required",
        ),
        ("good_faith_as_text", {"good_faith": "yes", "email": "a@example.org"}, 400, "invalid"),
        ("no_ground", {"legal_ground": "", "email": "a@example.org"}, 400, "invalid"),
        ("bad_email", {"email": "not an address"}, 400, "invalid"),
    ],
)
def test_refused_notices_store_nothing(case, body, status, code, published, nothing_changes):
    with nothing_changes():
        response = notify(api_for(None), published, **body)
        assert_error(response, status, code)
        assert_matches_schema(response, "post")
    assert mail.outbox == []


def test_a_comment_nobody_can_see_cannot_be_notified(article, policy, nothing_changes):
    held = CommentFactory(article=article, status=S.HELD)
    with nothing_changes():
        response = notify(api_for(None), held, email="a@example.org")
        assert_error(response, 404, "comment_not_found")


def test_one_open_notice_per_notifier_and_comment(reader, published, nothing_changes):
    notify(api_for(reader.user), published)
    with nothing_changes():
        assert_error(notify(api_for(reader.user), published), 409, "already_notified")


def test_abusive_notifiers_are_rate_limited(article, policy, nothing_changes):
    comments = CommentFactory.create_batch(NOTICES_PER_DAY + 1, article=article)
    for comment in comments[:NOTICES_PER_DAY]:
        assert notify(api_for(None), comment, email="troll@example.org").status_code == 201
    with nothing_changes():
        response = notify(api_for(None), comments[-1], email="other@example.org")
        # Another address from the same network address is limited too.
        assert_error(response, 429, "notice_rate_limited")
        assert_matches_schema(response, "post")


def test_illegal_takes_the_comment_down_and_tells_the_notifier(moderator, published, on_commit):
    notify(api_for(None), published, email="victim@example.org")
    notice_id = Notice.objects.get().pk
    mail.outbox.clear()
    with on_commit():
        response = decide(
            api_for(moderator), notice_id, outcome="illegal", clause="civility", note="Libel."
        )
    assert response.status_code == 200, response.content
    body = assert_matches_schema(response, "post")
    assert (body["outcome"], body["reviewer"], body["comment_status"]) == (
        "illegal",
        "mod",
        "removed",
    )
    event = CommentEvent.objects.filter(comment=published).latest("id")
    assert (event.to_status, event.clause_id, event.actor_user_id) == (
        "removed",
        "civility",
        moderator.pk,
    )
    assert event.note == f"Notice {notice_id}: illegal (Defamation). Libel."
    [outcome] = mail.outbox
    assert outcome.to == ["victim@example.org"]
    assert "found illegal and has been taken down" in outcome.body


@pytest.mark.parametrize("outcome", ["not_illegal", "outside_scope"])
def test_other_outcomes_leave_the_comment(outcome, moderator, published, on_commit):
    notify(api_for(None), published, email="victim@example.org")
    with on_commit():
        response = decide(api_for(moderator), Notice.objects.get().pk, outcome=outcome)
    assert response.json()["outcome"] == outcome
    published.refresh_from_db()
    assert published.status == S.PUBLISHED
    [message] = mail.outbox  # the outcome (the receipt's commit was not run here)
    assert message.subject == "The outcome of your notice (Daily)"
    assert ("not found illegal" in message.body) == (outcome == "not_illegal")


def test_illegal_without_a_clause_is_refused(moderator, published, nothing_changes):
    notify(api_for(None), published, email="victim@example.org")
    with nothing_changes():
        response = decide(api_for(moderator), Notice.objects.get().pk, outcome="illegal")
        assert_error(response, 400, "unknown_clause")


def test_a_decided_notice_stays_decided(moderator, published, nothing_changes):
    notify(api_for(None), published, email="victim@example.org")
    notice_id = Notice.objects.get().pk
    decide(api_for(moderator), notice_id, outcome="not_illegal")
    with nothing_changes():
        assert_error(
            decide(api_for(moderator), notice_id, outcome="illegal"), 409, "already_decided"
        )


@pytest.mark.parametrize("role", ROLES)
def test_notice_queue_and_decision_permission_matrix(role, users, published, nothing_changes):
    notify(api_for(None), published, email="victim@example.org")
    notice_id = Notice.objects.get().pk
    client = api_for(users[role])
    listed = client.get("/api/v1/moderation/sites/daily/notices/")
    expected = {"anonymous": 401, "reader": 403, "other_moderator": 403}.get(role, 200)
    assert listed.status_code == expected
    body = assert_matches_schema(listed)
    if expected == 200:
        assert [n["id"] for n in body["results"]] == [notice_id]
        assert body["results"][0]["notifier"] == "victim@example.org"
        assert decide(client, notice_id, outcome="not_illegal").status_code == 200
    else:
        with nothing_changes():
            assert decide(client, notice_id, outcome="not_illegal").status_code == expected


def test_the_notice_queue_costs_the_same_queries_for_1_or_10(
    moderator, article, policy, django_assert_num_queries
):
    client = api_for(moderator)
    comments = CommentFactory.create_batch(10, article=article)
    notify(api_for(None), comments[0], email="a@example.org")
    url = "/api/v1/moderation/sites/daily/notices/"
    with django_assert_num_queries(7):  # 6, and the second-factor check of a token
        client.get(url)
    for comment in comments[1:]:
        notify(api_for(None), comment, email="b@example.org", REMOTE_ADDR="10.0.0.2")
    with django_assert_num_queries(7):  # 6, and the second-factor check of a token
        assert client.get(url).json()["count"] == 10


def test_an_e_mail_whose_task_was_lost_is_sent_by_the_sweeper(published):
    from datetime import timedelta

    from django.utils import timezone

    from accountability.models import OutcomeMessage
    from accountability.tasks import sweep_messages_task

    # Filed without running the after-commit task: as if the broker had been down.
    notify(api_for(None), published, email="victim@example.org")
    message = OutcomeMessage.objects.get()
    assert (message.status, mail.outbox) == ("pending", [])
    assert sweep_messages_task() == 0  # too recent: its task may merely be slow
    OutcomeMessage.objects.update(created_at=timezone.now() - timedelta(minutes=5))
    assert sweep_messages_task() == 1
    message.refresh_from_db()
    assert message.status == "sent"
    assert [m.to for m in mail.outbox] == [["victim@example.org"]]
    assert sweep_messages_task() == 0  # sent once
