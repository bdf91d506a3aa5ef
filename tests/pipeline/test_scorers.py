"""Scorers at the HTTP boundary (a fake service via `responses`): scores reach the engine and
the decision; a scorer that is down is retried a bounded number of times, then the comment is
held for a moderator, never published unchecked."""

import json
from urllib.parse import parse_qs

import pytest
import requests
import responses
from django.test import override_settings

from comments.models import ActorKind, Comment, CommentStatus
from pipeline.models import ModerationDecision
from pipeline.services import SCORER_UNAVAILABLE
from pipeline.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify

from .conftest import AKISMET_URL, HOUSE_URL

S = CommentStatus


def post(client, body="Fine weather for a budget, isn't it?"):
    return client.post(
        "/api/v1/sites/daily/articles/budget-2026/comments/",
        {"body": body},
        format="json",
        REMOTE_ADDR="203.0.113.7",
        HTTP_USER_AGENT="Mozilla/5.0 (test)",
    )


def pipeline_decision() -> ModerationDecision:
    return ModerationDecision.objects.get(stage="pipeline")


@responses.activate
def test_akismet_spam_rejects_with_the_scorer_as_actor(
    reader_api, reader, article, scored_policy, akismet, on_commit
):
    reader.user.email = "alice@example.org"
    reader.user.save()
    responses.post(AKISMET_URL, body="true", headers={"X-akismet-pro-tip": "discard"})
    with on_commit():
        assert post(reader_api).status_code == 202
    comment = Comment.objects.get()
    assert comment.status == S.REJECTED
    assert comment.moderation_clause_id == "spam-service"
    decision = pipeline_decision()
    assert decision.action == "reject"
    assert decision.scores == {"akismet": {"spam": 1.0, "discard": 1.0}}
    event = comment.events.get(to_status=S.REJECTED)
    assert (event.actor_kind, event.actor_label) == (ActorKind.SCORER, "score")

    form = parse_qs(responses.calls[0].request.body)
    assert form["api_key"] == ["ak-key"]
    assert form["blog"] == ["https://news.example"]
    assert form["comment_type"] == ["comment"]
    assert form["comment_author"] == ["Alice"]
    assert form["comment_author_email"] == ["alice@example.org"]
    assert form["comment_content"] == ["Fine weather for a budget, isn't it?"]
    assert form["permalink"] == [article.url]
    assert (form["user_ip"], form["user_agent"]) == (["203.0.113.7"], ["Mozilla/5.0 (test)"])


@responses.activate
def test_akismet_ham_publishes_and_records_the_scores(
    reader_api, article, scored_policy, akismet, on_commit
):
    responses.post(AKISMET_URL, body="false")
    with on_commit():
        post(reader_api)
    assert Comment.objects.get().status == S.PUBLISHED
    assert pipeline_decision().scores == {"akismet": {"spam": 0.0, "discard": 0.0}}


@responses.activate
def test_an_akismet_answer_we_cannot_read_holds_at_once_without_retrying(
    reader_api, article, scored_policy, akismet, on_commit
):
    responses.post(AKISMET_URL, body="invalid", headers={"X-akismet-debug-help": "Bad key"})
    with on_commit():
        post(reader_api)
    comment = Comment.objects.get()
    assert comment.status == S.HELD
    assert comment.moderation_clause_id == SCORER_UNAVAILABLE
    assert "not a judgement on the comment" in comment.moderation_reason
    assert len(responses.calls) == 1
    decision = pipeline_decision()
    assert (decision.action, decision.clause_id) == ("hold", SCORER_UNAVAILABLE)
    assert decision.hits[0]["evidence"]["scorer"] == "akismet"


@responses.activate
def test_the_http_scorer_request_is_signed_and_its_scores_decide(
    reader_api, article, scored_policy, house, on_commit
):
    responses.post(HOUSE_URL, json={"scores": {"toxic": 0.93, "spam": 0.1}})
    with on_commit():
        post(reader_api)
    comment = Comment.objects.get()
    assert comment.status == S.HELD
    assert comment.moderation_clause_id == "classifier"
    assert pipeline_decision().scores == {"house": {"toxic": 0.93, "spam": 0.1}}

    request = responses.calls[0].request
    assert verify(
        "house-secret",
        request.body,
        timestamp=request.headers[TIMESTAMP_HEADER],
        signature_header=request.headers[SIGNATURE_HEADER],
    )
    assert not verify(
        "another-secret",
        request.body,
        timestamp=request.headers[TIMESTAMP_HEADER],
        signature_header=request.headers[SIGNATURE_HEADER],
    )
    sent = json.loads(request.body)["comment"]
    assert sent["id"] == comment.pk
    assert sent["body"] == comment.body
    assert sent["site"] == "daily"


@pytest.mark.parametrize(
    "failure",
    [
        {"status": 503},
        {"status": 429},
        {"body": requests.ConnectTimeout("slow")},
        {"body": requests.ConnectionError("refused")},
    ],
    ids=["503", "429", "timeout", "refused"],
)
@responses.activate
def test_a_scorer_that_stays_down_is_retried_then_the_comment_is_held(
    reader_api, article, scored_policy, house, on_commit, settings, failure
):
    responses.post(HOUSE_URL, **failure)
    with on_commit():
        assert post(reader_api).status_code == 202
    comment = Comment.objects.get()
    assert comment.status == S.HELD  # never published unchecked
    assert comment.moderation_clause_id == SCORER_UNAVAILABLE
    # One attempt plus the bounded retries, then no more.
    assert len(responses.calls) == settings.PARLEY_SCORER_MAX_RETRIES + 1
    assert ModerationDecision.objects.filter(stage="pipeline").count() == 1
    event = comment.events.get(to_status=S.HELD)
    assert (event.actor_kind, event.actor_label) == (ActorKind.SCORER, "house")


@responses.activate
def test_a_scorer_back_after_one_failure_decides_normally(
    reader_api, article, scored_policy, house, on_commit
):
    responses.post(HOUSE_URL, status=502)
    responses.post(HOUSE_URL, json={"scores": {"toxic": 0.2}})
    with on_commit():
        post(reader_api)
    assert Comment.objects.get().status == S.PUBLISHED
    assert len(responses.calls) == 2
    assert pipeline_decision().scores == {"house": {"toxic": 0.2}}


@pytest.mark.parametrize(
    "answer",
    [{"status": 400}, {"json": {"score": 1}}, {"json": {"scores": {"toxic": "high"}}}],
    ids=["4xx", "no-scores", "not-a-number"],
)
@responses.activate
def test_a_terminal_scorer_error_holds_without_retry(
    reader_api, article, scored_policy, house, on_commit, answer
):
    responses.post(HOUSE_URL, **answer)
    with on_commit():
        post(reader_api)
    assert Comment.objects.get().status == S.HELD
    assert len(responses.calls) == 1


@responses.activate
def test_a_disabled_scorer_is_not_called(reader_api, article, scored_policy, house, on_commit):
    house.enabled = False
    house.save()
    with on_commit():
        response = post(reader_api)
    # The policy has score rules, so the comment waits for the pipeline; with no scorer
    # enabled there is nothing to call, and an absent score does not fire its rule.
    assert response.status_code == 202
    assert Comment.objects.get().status == S.PUBLISHED
    assert len(responses.calls) == 0
    assert pipeline_decision().scores == {}


@override_settings(PARLEY_SCORER_MAX_RETRIES=0)
@responses.activate
def test_zero_retries_means_one_attempt(reader_api, article, scored_policy, house, on_commit):
    responses.post(HOUSE_URL, status=500)
    with on_commit():
        post(reader_api)
    assert Comment.objects.get().status == S.HELD
    assert len(responses.calls) >= 1
