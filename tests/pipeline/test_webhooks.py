"""Signed webhooks from an outbox, retried with backoff, logged (receiver faked at HTTP)."""

import json

import pytest
import requests
import responses
from django.db import transaction

from comments.lifecycle import Actor, transition
from comments.models import Comment, CommentStatus
from pipeline.models import WebhookDelivery, WebhookEndpoint
from pipeline.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from pipeline.webhooks import webhook_deliver
from tests.factories import CommentFactory

S = CommentStatus
HOOK = "https://host.test/parley-hook"


@pytest.fixture
def endpoint(site):
    return WebhookEndpoint.objects.create(site=site, url=HOOK, secret="whsec")


def post(client, body="A civil remark on the budget."):
    return client.post(
        "/api/v1/sites/daily/articles/budget-2026/comments/", {"body": body}, format="json"
    )


@responses.activate
def test_created_and_published_are_delivered_signed(reader_api, article, endpoint, on_commit):
    responses.post(HOOK, status=204)
    with on_commit():
        assert post(reader_api).status_code == 201
    comment = Comment.objects.get()
    events = [json.loads(call.request.body)["event"] for call in responses.calls]
    assert events == ["comment.created", "comment.published"]
    request = responses.calls[1].request
    assert verify(
        "whsec",
        request.body,
        timestamp=request.headers[TIMESTAMP_HEADER],
        signature_header=request.headers[SIGNATURE_HEADER],
    )
    payload = json.loads(request.body)
    assert payload["site"] == "daily"
    assert payload["comment"]["id"] == comment.pk
    assert payload["comment"]["body"] == "A civil remark on the budget."
    assert payload["change"]["to"] == "published"
    assert request.headers["X-Parley-Delivery"] == str(payload["id"])
    deliveries = WebhookDelivery.objects.order_by("id")
    assert [(d.event, d.status, d.attempts, d.response_code) for d in deliveries] == [
        ("comment.created", "delivered", 1, 204),
        ("comment.published", "delivered", 1, 204),
    ]
    # A second delivery of the task does not POST again.
    assert webhook_deliver(deliveries[0].pk) is None
    assert len(responses.calls) == 2


@responses.activate
def test_only_subscribed_events_are_sent(reader_api, article, endpoint, on_commit):
    endpoint.events = ["comment.rejected", "comment.removed"]
    endpoint.save()
    with on_commit():
        post(reader_api)
    assert not WebhookDelivery.objects.exists()
    assert len(responses.calls) == 0


@responses.activate
def test_rejected_carries_the_clause_not_the_text(
    article, reader, endpoint, django_user_model, on_commit
):
    responses.post(HOOK, status=200)
    comment = CommentFactory(article=article, author=reader, status=S.HELD)
    moderator = django_user_model.objects.create_user("mod")
    with on_commit(), transaction.atomic():
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        transition(
            locked,
            to=S.REJECTED,
            actor=Actor.moderator(moderator),
            clause_id="civility",
            clause_title="Be civil",
        )
    payload = json.loads(responses.calls[0].request.body)
    assert payload["event"] == "comment.rejected"
    assert payload["comment"]["body"] is None
    assert (payload["change"]["clause_id"], payload["change"]["from"]) == ("civility", "held")


@responses.activate
def test_a_failing_receiver_is_retried_with_backoff_until_it_answers(
    reader_api, article, endpoint, on_commit
):
    endpoint.events = ["comment.published"]
    endpoint.save()
    responses.post(HOOK, status=503)
    responses.post(HOOK, body=requests.ConnectionError("down"))
    responses.post(HOOK, status=200)
    with on_commit():
        post(reader_api)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("delivered", 3, 200)
    assert delivery.delivered_at is not None


@responses.activate
def test_a_receiver_that_stays_down_is_given_up_after_the_bounded_retries(
    reader_api, article, endpoint, on_commit, settings
):
    endpoint.events = ["comment.published"]
    endpoint.save()
    responses.post(HOOK, status=500)
    with on_commit():
        post(reader_api)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed"
    assert delivery.attempts == settings.PARLEY_WEBHOOK_MAX_RETRIES + 1
    assert len(responses.calls) == settings.PARLEY_WEBHOOK_MAX_RETRIES + 1
    assert "gave up" in delivery.error


@responses.activate
def test_a_4xx_is_final_and_not_retried(reader_api, article, endpoint, on_commit):
    endpoint.events = ["comment.published"]
    endpoint.save()
    responses.post(HOOK, status=410)
    with on_commit():
        post(reader_api)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("failed", 1, 410)
    assert len(responses.calls) == 1


@responses.activate
def test_removed_by_a_moderator_is_sent(article, reader, endpoint, django_user_model, on_commit):
    responses.post(HOOK, status=200)
    comment = CommentFactory(article=article, author=reader)
    moderator = django_user_model.objects.create_user("mod")
    with on_commit(), transaction.atomic():
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        transition(locked, to=S.REMOVED, actor=Actor.moderator(moderator), clause_id="civility")
    payload = json.loads(responses.calls[0].request.body)
    assert payload["event"] == "comment.removed"
    assert payload["change"]["actor"] == "moderator"


@responses.activate
def test_nothing_is_sent_when_the_change_rolls_back(
    article, reader, endpoint, django_user_model, on_commit
):
    comment = CommentFactory(article=article, author=reader)
    moderator = django_user_model.objects.create_user("mod")
    with on_commit() as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        transition(locked, to=S.REMOVED, actor=Actor.moderator(moderator))
        raise RuntimeError
    assert callbacks == []
    assert not WebhookDelivery.objects.exists()
    assert len(responses.calls) == 0


@responses.activate
def test_an_inactive_endpoint_gets_nothing(reader_api, article, endpoint, on_commit):
    endpoint.active = False
    endpoint.save()
    with on_commit():
        post(reader_api)
    assert not WebhookDelivery.objects.exists()
