"""The per-process cache of a site's moderation configuration: what a post costs, and that no
change (policy version, scorer, webhook endpoint; by service, model save, queryset or admin
form) leaves a process deciding with the old configuration."""

import pytest
import responses
from django.db import connection
from django.test.utils import CaptureQueriesContext

from comments.models import Comment, CommentStatus, Site
from pipeline.config import site_moderation
from pipeline.models import ModerationDecision, ScorerConfig, WebhookDelivery, WebhookEndpoint
from policy.documents import default_policy_source
from policy.models import PolicyVersion
from policy.services import policy_save

from .conftest import HOUSE_URL

S = CommentStatus
URL = "/api/v1/sites/daily/articles/budget-2026/comments/"
HOOK = "https://host.test/parley-hook"
# A clause that rejects one word, so a test can tell which policy version decided.
BAN_BUDGET = """

[[clauses]]
id = "no-budget"
number = 77
title = "No budget talk"
text = "Not here."

  [[clauses.rules]]
  rule = "banned_words"
  action = "reject"
  words = ["budget"]
"""


def post(client, body="A civil remark on the budget."):
    return client.post(URL, {"body": body}, format="json")


def fresh_site(site) -> Site:
    return Site.objects.get(pk=site.pk)


def test_a_published_post_costs_ten_queries(reader_api, article, on_commit):
    assert post(reader_api, "A first remark.").status_code == 201  # warms the cache
    with CaptureQueriesContext(connection) as queries, on_commit():
        assert post(reader_api).status_code == 201
    # token, article + site, (BEGIN), comment insert, created event, moderation context (one
    # query), decision insert (no savepoint: the comment is new), status update, status event,
    # the article's version bump (comments.pagecache), (COMMIT). The site's policy, scorers
    # and webhooks come from the cache.
    sql = [q["sql"] for q in queries.captured_queries]
    control = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE")
    statements = [s for s in sql if s.split()[0] not in control]
    assert len(statements) == 9, "\n".join(s[:90] for s in sql)
    # One savepoint: comment_create's own atomic block inside the test's transaction.
    assert sum(s.startswith("SAVEPOINT") for s in sql) == 1
    assert not any("policy_policyversion" in s or "policy_scorerconfig" in s for s in sql)
    assert not any("policy_webhookendpoint" in s for s in sql)


def test_a_new_policy_version_is_used_at_once(reader_api, article, site):
    assert post(reader_api, "The budget is fine.").status_code == 201
    policy_save(site=site, source=default_policy_source() + BAN_BUDGET, note="no budget")
    response = post(reader_api, "The budget is still fine.")
    assert response.status_code == 422
    assert response.json()["error"]["detail"]["clause"]["id"] == "no-budget"
    decision = ModerationDecision.objects.latest("id")
    assert decision.policy_version_number == 2


def test_a_policy_version_saved_directly_is_used_at_once(reader_api, article, site):
    assert post(reader_api, "The budget is fine.").status_code == 201
    PolicyVersion.objects.create(
        site=site, version=2, source=default_policy_source() + BAN_BUDGET, title="v2"
    )
    assert post(reader_api, "The budget is still fine.").status_code == 422


def test_a_stamp_changes_with_each_configuration_change(site):
    stamps = [fresh_site(site).config_stamp]
    scorer = ScorerConfig.objects.create(site=site, name="house", kind="http", endpoint=HOUSE_URL)
    stamps.append(fresh_site(site).config_stamp)
    ScorerConfig.objects.filter(pk=scorer.pk).update(enabled=False)
    stamps.append(fresh_site(site).config_stamp)
    endpoint = WebhookEndpoint.objects.create(site=site, url=HOOK, secret="s")
    stamps.append(fresh_site(site).config_stamp)
    endpoint.delete()
    stamps.append(fresh_site(site).config_stamp)
    WebhookEndpoint.objects.bulk_create([WebhookEndpoint(site=site, url=HOOK, secret="s")])
    stamps.append(fresh_site(site).config_stamp)
    ScorerConfig.objects.filter(site=site).delete()
    stamps.append(fresh_site(site).config_stamp)
    assert len(set(stamps)) == len(stamps)


def test_other_sites_keep_their_stamp(site):
    other = Site.objects.create(slug="other", name="Other")
    before = fresh_site(other).config_stamp
    ScorerConfig.objects.create(site=site, name="house", kind="http", endpoint=HOUSE_URL)
    assert fresh_site(other).config_stamp == before


def test_an_enabled_scorer_makes_posts_wait_at_once(reader_api, article, site, on_commit):
    assert post(reader_api, "A first remark.").status_code == 201
    with responses.RequestsMock() as mock:
        mock.post(HOUSE_URL, json={"scores": {"toxic": 0.01}})
        ScorerConfig.objects.create(site=site, name="house", kind="http", endpoint=HOUSE_URL)
        with on_commit():
            response = post(reader_api)
        assert response.status_code == 202
    # Decided by the pipeline after commit (tasks are eager in tests), with the scorer's scores.
    comment = Comment.objects.get(pk=response.json()["id"])
    assert comment.status == S.PUBLISHED
    decision = comment.decisions.get(stage="pipeline")
    assert decision.scores == {"house": {"toxic": 0.01}}


def test_a_disabled_scorer_stops_the_wait_at_once(reader_api, article, site):
    house = ScorerConfig.objects.create(site=site, name="house", kind="http", endpoint=HOUSE_URL)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post(HOUSE_URL, json={"scores": {"toxic": 0.01}})
        assert post(reader_api, "A first remark.").status_code == 202
    house.enabled = False
    house.save()
    assert post(reader_api).status_code == 201


def test_a_new_webhook_endpoint_gets_the_next_event(reader_api, article, site, on_commit):
    assert post(reader_api, "A first remark.").status_code == 201
    assert not WebhookDelivery.objects.exists()
    WebhookEndpoint.objects.create(site=site, url=HOOK, secret="whsec")
    with responses.RequestsMock() as mock:
        mock.post(HOOK, status=204)
        mock.post(HOOK, status=204)
        with on_commit():
            assert post(reader_api).status_code == 201
    assert sorted(WebhookDelivery.objects.values_list("event", flat=True)) == [
        "comment.created",
        "comment.published",
    ]


def test_a_deactivated_endpoint_gets_nothing_more(reader_api, article, site, on_commit):
    endpoint = WebhookEndpoint.objects.create(site=site, url=HOOK, secret="whsec")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post(HOOK, status=204)
        with on_commit():
            assert post(reader_api, "A first remark.").status_code == 201
    sent = WebhookDelivery.objects.count()
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(active=False)
    with on_commit():
        assert post(reader_api).status_code == 201
    assert WebhookDelivery.objects.count() == sent


def test_another_process_sees_the_change_by_the_stamp(site):
    """Other processes keep their entry (nothing tells them) until their next site row carries
    the new stamp: simulated by an entry this process keeps for a stale site object."""
    stale = fresh_site(site)
    first = site_moderation(site=stale)
    ScorerConfig.objects.create(site=site, name="house", kind="http", endpoint=HOUSE_URL)
    current = site_moderation(site=fresh_site(site))
    assert current.stamp != first.stamp
    assert [s.name for s in current.scorers] == ["house"]
    assert site_moderation(site=fresh_site(site)) is current  # a hit: no reload


@pytest.mark.parametrize("model", ["scorer", "webhook"])
def test_admin_form_saves_change_the_stamp(admin_client, site, model):
    before = fresh_site(site).config_stamp
    if model == "scorer":
        url = "/admin/pipeline/scorerconfig/add/"
        data = {
            "site": site.pk,
            "name": "house",
            "kind": "http",
            "endpoint": HOUSE_URL,
            "key": "k",
            "timeout_seconds": "3",
            "enabled": "on",
            "created_at_0": "2026-11-27",
            "created_at_1": "12:00:00",
        }
    else:
        url = "/admin/pipeline/webhookendpoint/add/"
        data = {"site": site.pk, "url": HOOK, "secret": "s", "events": "[]", "active": "on"}
        data.update(created_at_0="2026-11-27", created_at_1="12:00:00")
    response = admin_client.post(url, data)
    errors = response.context["adminform"].form.errors if response.status_code == 200 else None
    assert response.status_code == 302, errors
    assert fresh_site(site).config_stamp != before
