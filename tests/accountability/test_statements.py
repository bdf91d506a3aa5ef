"""Statements of reasons through the reader API: what the author of a restricted comment, or
a reader whose standing was restricted, is told and may appeal."""

import pytest
from django.db import transaction

from comments.lifecycle import Actor, transition
from comments.models import ActorKind, Comment, CommentStatus
from moderation.services import comment_reject, comment_remove, standing_set
from policy.services import policy_save
from tests.factories import CommentFactory
from tests.openapi import assert_matches_schema

from .conftest import TEST_POLICY, api_for, assert_error

S = CommentStatus


def statement(client, comment, **params):
    return client.get(f"/api/v1/comments/{comment.pk}/statement/", params)


def test_an_automated_hold_names_clause_rule_evidence_and_version(reader, make_held):
    held = make_held(author=reader)
    response = statement(api_for(reader.user), held)
    assert response.status_code == 200, response.content
    body = assert_matches_schema(response)
    assert body["kind"] == "comment"
    assert body["comment"] == held.pk
    assert body["action"] == "held"
    assert body["automation"] == "automated"
    assert body["decided_by"] == "rule"
    assert body["clause"] == {
        "id": "civility",
        "number": 1,
        "title": "Be civil",
        "html": "<p>No personal attacks.</p>",
        "policy_version": 1,
    }
    [fact] = body["facts"]["rules"]
    assert (fact["rule"], fact["clause_id"], fact["action"]) == (
        "suspect_words",
        "civility",
        "hold",
    )
    assert "nincompoop" in str(fact["evidence"])
    assert body["facts"]["reports"] == []
    assert body["appeal"]["possible"] is True
    assert body["appeal"]["appeal"] is None
    assert body["appeal"]["url"] == f"/api/v1/comments/{held.pk}/appeals/"
    assert body["text"].startswith("Your comment on Daily is waiting for a moderator")
    assert 'clause 1 of the comment policy, "Be civil" (policy version 1)' in body["text"]
    assert "taken automatically, without a moderator" in body["text"]
    assert "you can appeal it once" in body["text"]


def test_a_moderator_confirming_an_automated_hold(reader, moderator, make_held):
    held = make_held(author=reader)
    comment_reject(by=moderator, comment_id=held.pk, clause_id="spam", note="Links to a shop.")
    body = assert_matches_schema(statement(api_for(reader.user), held))
    assert body["action"] == "rejected"
    assert body["automation"] == "automated_then_confirmed"
    assert body["decided_by"] == "moderator"
    assert body["clause"]["id"] == "spam"
    assert body["clause"]["number"] == 2
    assert body["note"] == "Links to a shop."
    assert body["facts"]["rules"][0]["rule"] == "suspect_words"  # what held it first
    assert "a moderator confirmed the decision" in body["text"]
    assert "Reason given: Links to a shop." in body["text"]


def test_a_moderator_removing_a_published_comment(reader, moderator, article, policy):
    comment = CommentFactory(article=article, author=reader, status=S.PUBLISHED)
    comment_remove(by=moderator, comment_id=comment.pk, clause_id="civility")
    body = assert_matches_schema(statement(api_for(reader.user), comment))
    assert (body["action"], body["automation"]) == ("removed", "moderator")
    assert body["facts"] == {"rules": [], "reports": []}
    assert body["text"].startswith("Your comment on Daily was removed after it had been")


def test_a_reported_hold_counts_the_readers_reports(reader, make_reported):
    comment = make_reported(3, hold=True)
    Comment.objects.filter(pk=comment.pk).update(author=reader)
    body = assert_matches_schema(statement(api_for(reader.user), comment))
    assert (body["automation"], body["decided_by"]) == ("automated", "readers")
    assert body["facts"]["reports"] == [{"clause_id": "civility", "count": 3}]
    assert body["clause"]["policy_version"] == 1  # the version in force at the time


def test_the_clause_text_is_the_one_of_the_version_decided_under(reader, site, make_held):
    held = make_held(author=reader)
    policy_save(site=site, source=TEST_POLICY.replace("No personal attacks.", "Be nice."))
    body = statement(api_for(reader.user), held).json()
    assert body["clause"]["html"] == "<p>No personal attacks.</p>"
    assert body["clause"]["policy_version"] == 1


def test_a_system_hold_without_a_policy_clause(reader, article, policy):
    comment = CommentFactory(article=article, author=reader, status=S.PENDING)
    with transaction.atomic():
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        transition(
            locked,
            to=S.HELD,
            actor=Actor(ActorKind.SCORER, "akismet"),
            clause_id="scorer_unavailable",
            clause_title="Automatic check unavailable",
            note="A moderator will review this comment.",
        )
    body = assert_matches_schema(statement(api_for(reader.user), comment))
    assert body["clause"]["id"] == "scorer_unavailable"
    assert body["clause"]["number"] is None
    assert 'The decision cites "scorer_unavailable".' in body["text"]


@pytest.mark.parametrize("lang", ["de", "fr"])
def test_the_language_asked_for_is_named(reader, make_held, lang):
    body = statement(api_for(reader.user), make_held(author=reader), lang=lang).json()
    assert body["language"] == lang


def test_accept_language_chooses_the_language(reader, make_held):
    held = make_held(author=reader)
    response = api_for(reader.user).get(
        f"/api/v1/comments/{held.pk}/statement/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9"
    )
    assert response.json()["language"] == "de"


def test_published_comments_have_no_statement(reader, article, policy):
    comment = CommentFactory(article=article, author=reader, status=S.PUBLISHED)
    response = statement(api_for(reader.user), comment)
    assert_error(response, 404, "no_statement")
    assert_matches_schema(response)


@pytest.mark.parametrize("who", ["anonymous", "other_reader", "moderator"])
def test_only_the_author_sees_the_statement(who, reader, other_reader, moderator, make_held):
    held = make_held(author=reader)
    user = {"anonymous": None, "other_reader": other_reader.user, "moderator": moderator}[who]
    response = statement(api_for(user), held)
    if who == "anonymous":
        assert_error(response, 401, "not_authenticated")
    else:
        assert_error(response, 404, "comment_not_found")


def test_an_unknown_language_is_refused(reader, make_held):
    response = statement(api_for(reader.user), make_held(author=reader), lang="xx")
    assert_error(response, 400, "invalid")


def test_a_banned_reader_sees_why_and_may_appeal(reader, moderator, site, policy):
    standing_set(
        by=moderator, site=site, commenter=reader, state="banned", reason="Spam", message="Spam."
    )
    response = api_for(reader.user).get("/api/v1/sites/daily/me/standing/statement/")
    body = assert_matches_schema(response)
    assert (body["kind"], body["action"], body["comment"]) == ("standing", "banned", None)
    assert body["automation"] == "moderator"
    assert body["clause"]["id"] == "standing"
    assert body["note"] == "Spam."
    assert body["text"].startswith("You can no longer comment on Daily.")
    assert body["appeal"]["url"] == "/api/v1/sites/daily/me/standing/appeals/"


def test_an_active_reader_has_no_standing_statement(reader, site, policy):
    response = api_for(reader.user).get("/api/v1/sites/daily/me/standing/statement/")
    assert_error(response, 404, "no_statement")


def test_a_german_reader_reads_the_statement_in_german(reader, make_held):
    held = make_held(author=reader)
    response = api_for(reader.user).get(
        f"/api/v1/comments/{held.pk}/statement/", HTTP_ACCEPT_LANGUAGE="de"
    )
    body = assert_matches_schema(response)
    assert body["language"] == "de"
    assert body["text"].startswith("Ihr Kommentar auf Daily wartet auf die Moderation")
    assert "Regel 1 der Kommentarregeln, „Be civil“ (Fassung 1)" in body["text"]
    assert "ohne Moderation" in body["text"]
    # The facts and the clause stay as stored: the policy is written in the site's language.
    assert body["clause"]["title"] == "Be civil"


def test_a_statement_costs_a_fixed_number_of_queries(reader, make_held, django_assert_num_queries):
    held = make_held(author=reader)
    client = api_for(reader.user)
    url = f"/api/v1/comments/{held.pk}/statement/"
    client.get(url)  # compiles the policy version once per process
    # The token with its reader, the comment, its status rows, the engine's decision, the
    # policy version, the appeal.
    with django_assert_num_queries(6):
        assert client.get(url).status_code == 200
