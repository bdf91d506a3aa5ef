"""Appeals through the API: the author appeals once per decision; another moderator upholds
or reverses it through the moderation services and the one state machine; the reader is
told; refusals change nothing."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accountability.models import Appeal, OutcomeMessage
from comments.models import CommentEvent, CommentStatus
from moderation.models import ModeratorAction
from moderation.services import comment_reject, standing_set
from policy.models import Standing
from tests.factories import CommentFactory
from tests.openapi import assert_matches_schema

from .conftest import ROLES, api_for, assert_error

S = CommentStatus


def appeal(client, comment, explanation="It was a joke between friends."):
    return client.post(
        f"/api/v1/comments/{comment.pk}/appeals/", {"explanation": explanation}, format="json"
    )


def decide(client, appeal_id, **body):
    return client.post(f"/api/v1/moderation/appeals/{appeal_id}/decision/", body, format="json")


@pytest.fixture
def rejected(reader, moderator, make_held):
    """Held by a rule, then rejected by `moderator`."""
    held = make_held(author=reader)
    comment_reject(by=moderator, comment_id=held.pk, clause_id="civility")
    held.refresh_from_db()
    return held


def test_the_author_appeals_once(reader, make_held):
    held = make_held(author=reader)
    response = appeal(api_for(reader.user), held)
    assert response.status_code == 201, response.content
    body = assert_matches_schema(response, "post")
    assert (body["kind"], body["comment"], body["state"]) == ("comment", held.pk, "open")
    assert body["contested_status"] == "held"
    assert body["explanation"] == "It was a joke between friends."
    stored = Appeal.objects.get()
    assert stored.decision_event == CommentEvent.objects.filter(comment=held).latest("id")
    assert stored.decided_by_user is None  # automated
    assert stored.due_at - stored.created_at == timedelta(days=14)
    statement = api_for(reader.user).get(f"/api/v1/comments/{held.pk}/statement/").json()
    assert statement["appeal"]["possible"] is False
    assert statement["appeal"]["appeal"]["id"] == stored.pk


def test_a_second_appeal_of_the_same_decision_is_refused(reader, make_held, nothing_changes):
    held = make_held(author=reader)
    appeal(api_for(reader.user), held)
    with nothing_changes():
        response = appeal(api_for(reader.user), held, "Again.")
        assert_error(response, 409, "already_appealed")
        assert_matches_schema(response, "post")


@pytest.mark.parametrize(
    ("case", "status", "code"),
    [
        ("anonymous", 401, "not_authenticated"),
        ("not_the_author", 404, "comment_not_found"),
        ("published", 409, "nothing_to_appeal"),
        ("too_late", 409, "appeal_window_closed"),
        ("no_explanation", 400, "invalid"),
        ("too_long", 400, "invalid"),
    ],
)
def test_refused_appeals_change_nothing(
    case, status, code, reader, other_reader, article, make_held, nothing_changes
):
    held = make_held(author=reader)
    client, explanation = api_for(reader.user), "Please look again."
    if case == "anonymous":
        client = api_for(None)
    elif case == "not_the_author":
        client = api_for(other_reader.user)
    elif case == "published":
        held = CommentFactory(article=article, author=reader, status=S.PUBLISHED)
    elif case == "too_late":
        CommentEvent.objects.filter(comment=held).update(
            created_at=timezone.now() - timedelta(days=200)
        )
    elif case == "no_explanation":
        explanation = ""
    elif case == "too_long":
        explanation = "x" * 2001
    with nothing_changes():
        response = appeal(client, held, explanation)
        assert_error(response, status, code)


def test_another_moderator_reverses_and_the_reader_is_told(
    reader, moderator, second_moderator, rejected, on_commit
):
    appeal(api_for(reader.user), rejected)
    appeal_id = Appeal.objects.get().pk
    with on_commit():
        response = decide(
            api_for(second_moderator), appeal_id, outcome="reversed", note="Banter, not abuse."
        )
    assert response.status_code == 200, response.content
    body = assert_matches_schema(response, "post")
    assert (body["state"], body["reviewer"], body["decided_by"]) == ("reversed", "mod2", "mod")
    assert body["comment_status"] == "published"
    rejected.refresh_from_db()
    assert rejected.status == S.PUBLISHED
    # The audit history: the state machine's row and the moderator's log, naming the appeal.
    event = CommentEvent.objects.filter(comment=rejected).latest("id")
    assert (event.from_status, event.to_status) == ("rejected", "published")
    assert (event.actor_kind, event.actor_user_id) == ("moderator", second_moderator.pk)
    assert event.note == f"Appeal {appeal_id} reversed: Banter, not abuse."
    action = ModeratorAction.objects.filter(comment=rejected).latest("id")
    assert (action.kind, action.actor_id) == ("approve", second_moderator.pk)
    # The reader is told: the appeal's e-mail (and the pipeline's "published" one).
    outcome = [m for m in mail.outbox if m.subject.startswith("The outcome of your appeal")]
    assert len(outcome) == 1
    assert outcome[0].to == ["alice@example.org"]
    assert "reversed the decision" in outcome[0].body
    assert "Banter, not abuse." in outcome[0].body
    assert OutcomeMessage.objects.get().status == "sent"


def test_the_moderator_who_decided_may_not_review(
    reader, moderator, second_moderator, rejected, nothing_changes
):
    appeal(api_for(reader.user), rejected)
    appeal_id = Appeal.objects.get().pk
    listed = api_for(moderator).get("/api/v1/moderation/sites/daily/appeals/").json()
    assert listed["results"][0]["may_review"] is False
    with nothing_changes():
        response = decide(api_for(moderator), appeal_id, outcome="reversed")
        assert_error(response, 403, "same_moderator")
        assert_matches_schema(response, "post")


def test_the_only_moderator_of_a_site_reviews_their_own_decision(reader, moderator, rejected):
    appeal(api_for(reader.user), rejected)
    response = decide(api_for(moderator), Appeal.objects.get().pk, outcome="upheld")
    assert response.status_code == 200, response.content


def test_upholding_a_rejection_keeps_it_and_records_the_review(
    reader, second_moderator, rejected, on_commit
):
    appeal(api_for(reader.user), rejected)
    appeal_id = Appeal.objects.get().pk
    with on_commit():
        response = decide(api_for(second_moderator), appeal_id, outcome="upheld", note="Abuse.")
    assert response.json()["state"] == "upheld"
    rejected.refresh_from_db()
    assert rejected.status == S.REJECTED
    event = CommentEvent.objects.filter(comment=rejected).latest("id")
    assert (event.kind, event.to_status) == ("review", "rejected")
    assert event.note == f"Appeal {appeal_id} upheld: Abuse."
    [message] = [m for m in mail.outbox if "appeal" in m.subject]
    assert "upheld the decision" in message.body


def test_upholding_a_hold_rejects_it_under_its_clause(reader, moderator, make_held):
    held = make_held(author=reader)
    appeal(api_for(reader.user), held)
    response = decide(api_for(moderator), Appeal.objects.get().pk, outcome="upheld")
    assert response.status_code == 200, response.content
    held.refresh_from_db()
    assert (held.status, held.moderation_clause_id) == (S.REJECTED, "civility")
    statement = api_for(reader.user).get(f"/api/v1/comments/{held.pk}/statement/").json()
    assert statement["automation"] == "automated_then_confirmed"
    # A new decision: the reader may appeal it too.
    assert statement["appeal"]["possible"] is True
    assert appeal(api_for(reader.user), held).status_code == 201


def test_a_decided_appeal_cannot_be_decided_again(reader, moderator, make_held, nothing_changes):
    held = make_held(author=reader)
    appeal(api_for(reader.user), held)
    appeal_id = Appeal.objects.get().pk
    decide(api_for(moderator), appeal_id, outcome="reversed")
    with nothing_changes():
        assert_error(
            decide(api_for(moderator), appeal_id, outcome="upheld"), 409, "already_decided"
        )


def test_an_appeal_on_a_comment_that_moved_on_is_superseded(
    reader, moderator, make_held, nothing_changes
):
    held = make_held(author=reader)
    appeal(api_for(reader.user), held)
    api_for(moderator).post(
        f"/api/v1/moderation/comments/{held.pk}/decision/", {"action": "approve"}, format="json"
    )
    with nothing_changes():
        response = decide(api_for(moderator), Appeal.objects.get().pk, outcome="reversed")
        assert_error(response, 409, "decision_superseded")


@pytest.mark.parametrize("role", ROLES)
def test_deciding_appeals_permission_matrix(role, users, reader, make_held, nothing_changes):
    held = make_held(author=reader)
    appeal(api_for(reader.user), held)
    appeal_id = Appeal.objects.get().pk
    expected = {
        "anonymous": (401, "not_authenticated"),
        "reader": (403, "not_moderator"),
        "other_moderator": (403, "not_moderator"),
    }
    if role in expected:
        with nothing_changes():
            response = decide(api_for(users[role]), appeal_id, outcome="reversed")
            assert_error(response, *expected[role])
    else:
        response = decide(api_for(users[role]), appeal_id, outcome="reversed")
        assert response.status_code == 200, response.content


@pytest.mark.parametrize("role", ROLES)
def test_appeal_queue_permission_matrix(role, users, reader, make_held):
    appeal(api_for(reader.user), make_held(author=reader))
    response = api_for(users[role]).get("/api/v1/moderation/sites/daily/appeals/")
    expected = {"anonymous": 401, "reader": 403, "other_moderator": 403}.get(role, 200)
    assert response.status_code == expected
    body = assert_matches_schema(response)
    if expected == 200:
        assert body["count"] == 1
        assert body["counts"] == {"open": 1, "overdue": 0, "upheld": 0, "reversed": 0}


def test_an_unknown_appeal_is_404_to_moderators_only(moderator, reader):
    assert_error(decide(api_for(moderator), 999, outcome="upheld"), 404, "appeal_not_found")
    assert_error(decide(api_for(reader.user), 999, outcome="upheld"), 403, "not_moderator")


def test_the_queue_shows_overdue_first_and_counts_them(reader, moderator, article, make_held):
    first, second = make_held(author=reader), make_held(author=reader)
    appeal(api_for(reader.user), first)
    appeal(api_for(reader.user), second)
    Appeal.objects.filter(comment=second).update(due_at=timezone.now() - timedelta(days=1))
    body = api_for(moderator).get("/api/v1/moderation/sites/daily/appeals/").json()
    assert [r["comment"] for r in body["results"]] == [second.pk, first.pk]
    assert [r["overdue"] for r in body["results"]] == [True, False]
    assert body["counts"]["overdue"] == 1


def test_the_appeal_queue_costs_the_same_queries_for_1_or_10(
    reader, moderator, make_held, django_assert_num_queries
):
    client = api_for(moderator)
    appeal(api_for(reader.user), make_held(author=reader))
    url = "/api/v1/moderation/sites/daily/appeals/"
    client.get(url)  # warm the site's policy cache
    with django_assert_num_queries(8):  # 7, and the second-factor check of a token
        client.get(url)
    for _ in range(9):
        appeal(api_for(reader.user), make_held(author=reader))
    with django_assert_num_queries(8):  # 7, and the second-factor check of a token
        assert client.get(url).json()["count"] == 10


def test_a_standing_appeal_reversed_restores_the_reader(
    reader, moderator, second_moderator, site, on_commit
):
    standing_set(
        by=moderator,
        site=site,
        commenter=reader,
        state="suspended",
        until=timezone.now() + timedelta(days=3),
        reason="Flooding",
    )
    response = api_for(reader.user).post(
        "/api/v1/sites/daily/me/standing/appeals/", {"explanation": "I was not"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert_matches_schema(response, "post")
    assert response.json()["kind"] == "standing"
    with on_commit():
        done = decide(api_for(second_moderator), response.json()["id"], outcome="reversed")
    assert done.status_code == 200, done.content
    assert Standing.objects.get(commenter=reader).state == "active"
    log = ModeratorAction.objects.filter(kind="standing").latest("id")
    assert (log.standing_from, log.standing_to, log.actor_id) == (
        "suspended",
        "active",
        second_moderator.pk,
    )
    assert "Your standing on the site is active again." in mail.outbox[-1].body


def test_an_active_reader_has_nothing_to_appeal(reader, site, policy, nothing_changes):
    with nothing_changes():
        response = api_for(reader.user).post(
            "/api/v1/sites/daily/me/standing/appeals/", {"explanation": "x"}, format="json"
        )
        assert_error(response, 409, "nothing_to_appeal")


@pytest.mark.parametrize("outcome", ["maybe", "open", ""])
def test_an_unknown_outcome_is_refused(outcome, reader, moderator, make_held, nothing_changes):
    appeal(api_for(reader.user), make_held(author=reader))
    with nothing_changes():
        response = decide(api_for(moderator), Appeal.objects.get().pk, outcome=outcome)
        assert_error(response, 400, "invalid")


@pytest.mark.parametrize("state", ["bogus", ""])
def test_an_unknown_queue_state_is_refused(state, moderator, site, policy):
    response = api_for(moderator).get("/api/v1/moderation/sites/daily/appeals/", {"state": state})
    assert_error(response, 400, "invalid")
    assert_matches_schema(response)


def test_the_outcome_e_mail_is_in_the_language_the_reader_appealed_in(
    reader, second_moderator, rejected, on_commit
):
    api_for(reader.user).post(
        f"/api/v1/comments/{rejected.pk}/appeals/",
        {"explanation": "Bitte noch einmal prüfen."},
        format="json",
        HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9",
    )
    assert Appeal.objects.get().language == "de"
    with on_commit():
        decide(api_for(second_moderator), Appeal.objects.get().pk, outcome="reversed")
    [message] = [m for m in mail.outbox if "Einspruch" in m.subject]
    assert message.subject == "Das Ergebnis Ihres Einspruchs (Daily)"
    assert "hat Ihren Einspruch geprüft und die Entscheidung aufgehoben" in message.body
    assert "Ihr Kommentar ist wieder veröffentlicht." in message.body


def test_a_standing_appeal_after_the_standing_changed_is_superseded(
    reader, moderator, second_moderator, site, nothing_changes
):
    standing_set(by=moderator, site=site, commenter=reader, state="banned")
    created = api_for(reader.user).post(
        "/api/v1/sites/daily/me/standing/appeals/", {"explanation": "Why?"}, format="json"
    )
    standing_set(by=moderator, site=site, commenter=reader, state="warned", message="Last one.")
    with nothing_changes():
        response = decide(api_for(second_moderator), created.json()["id"], outcome="reversed")
        assert_error(response, 409, "decision_superseded")


def test_the_reader_lists_their_appeals_in_constant_queries(
    reader, other_reader, make_held, django_assert_num_queries
):
    client = api_for(reader.user)
    for _ in range(3):
        appeal(client, make_held(author=reader))
    appeal(api_for(other_reader.user), make_held(author=other_reader))
    with django_assert_num_queries(2):  # the token with its reader, the appeals
        response = client.get("/api/v1/me/appeals/")
    body = assert_matches_schema(response)
    assert len(body["results"]) == 3
    assert {a["state"] for a in body["results"]} == {"open"}
    assert_error(api_for(None).get("/api/v1/me/appeals/"), 401, "not_authenticated")
