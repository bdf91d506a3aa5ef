"""The pipeline's models moved from the policy app without moving data: a database built by
the migrations as they were before the move (policy 0002, no pipeline app) keeps its rows,
and after migrating forward the pipeline's models find them in the same tables."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from pipeline.models import (
    ModerationDecision,
    NotificationLog,
    NotificationPreference,
    RemoderationRun,
    ScorerConfig,
    WebhookDelivery,
    WebhookEndpoint,
)
from policy.models import PolicyVersion

from ..factories import CommenterFactory, CommentFactory

pytestmark = pytest.mark.django_db(transaction=True)  # migrations run outside a transaction

BEFORE = [("policy", "0002_pipeline_scorers_webhooks_notifications"), ("pipeline", None)]
MOVED = {
    "moderationdecision",
    "notificationlog",
    "notificationpreference",
    "remoderationrun",
    "scorerconfig",
    "webhookdelivery",
    "webhookendpoint",
}


def migrate(targets):
    """Migrate the test database to `targets`; the project state there (historical models)."""
    executor = MigrationExecutor(connection)
    return executor.migrate(targets)


def latest() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.fixture
def before_the_move():
    yield migrate(BEFORE).apps
    migrate(latest())  # whatever happened, leave the database as the other tests expect it


def test_rows_written_before_the_move_are_found_after_it(before_the_move):
    old = before_the_move
    assert old.get_model("policy", "ModerationDecision")._meta.db_table == (
        ModerationDecision._meta.db_table
    )
    with pytest.raises(LookupError):
        old.get_model("pipeline", "ModerationDecision")
    comment = CommentFactory()  # the comments tables are the same on both sides
    reader = CommenterFactory()
    now = timezone.now()
    version = old.get_model("policy", "PolicyVersion").objects.create(
        site_id=comment.site_id, version=1, source="title = 'T'", title="T", created_at=now
    )
    decision = old.get_model("policy", "ModerationDecision").objects.create(
        comment_id=comment.pk,
        stage="sync",
        revision="original",
        action="hold",
        clause_id="civility",
        clause_title="Be civil",
        hits=[{"rule": "banned_words", "evidence": {"words": ["nincompoop"]}}],
        scores={"house": {"toxic": 0.9}},
        policy_version_id=version.pk,
        policy_version_number=1,
        created_at=now,
    )
    scorer = old.get_model("policy", "ScorerConfig").objects.create(
        site_id=comment.site_id,
        name="house",
        kind="http",
        endpoint="https://classifier.test/score",
        key="secret",
        created_at=now,
    )
    endpoint = old.get_model("policy", "WebhookEndpoint").objects.create(
        site_id=comment.site_id, url="https://host.test/hook", secret="s", created_at=now
    )
    delivery = old.get_model("policy", "WebhookDelivery").objects.create(
        endpoint_id=endpoint.pk, event="comment.published", payload={"a": 1}, created_at=now
    )
    log = old.get_model("policy", "NotificationLog").objects.create(
        comment_id=comment.pk, kind="reply", recipient_id=reader.pk, created_at=now
    )
    preference = old.get_model("policy", "NotificationPreference").objects.create(
        commenter_id=reader.pk, reply_emails=False, updated_at=now
    )
    run = old.get_model("policy", "RemoderationRun").objects.create(
        site_id=comment.site_id, policy_version_id=version.pk, since=now, created_at=now
    )
    # A permission granted on a moved model before the move, as a site's staff group has.
    old_type = ContentType.objects.get_or_create(app_label="policy", model="scorerconfig")[0]
    permission = Permission.objects.get_or_create(
        content_type=old_type, codename="change_scorerconfig", defaults={"name": "Can change"}
    )[0]

    migrate(latest())

    found = ModerationDecision.objects.get(pk=decision.pk)
    assert (found.comment_id, found.stage, found.action, found.clause_id) == (
        comment.pk,
        "sync",
        "hold",
        "civility",
    )
    assert found.hits == [{"rule": "banned_words", "evidence": {"words": ["nincompoop"]}}]
    assert found.scores == {"house": {"toxic": 0.9}}
    assert found.policy_version == PolicyVersion.objects.get(pk=version.pk)
    assert ScorerConfig.objects.get(pk=scorer.pk).endpoint == "https://classifier.test/score"
    assert WebhookDelivery.objects.get(pk=delivery.pk).endpoint == WebhookEndpoint.objects.get(
        pk=endpoint.pk
    )
    assert NotificationLog.objects.get(pk=log.pk).recipient_id == reader.pk
    assert NotificationPreference.objects.get(pk=preference.pk).reply_emails is False
    assert RemoderationRun.objects.get(pk=run.pk).policy_version_id == version.pk
    # The permission now belongs to the pipeline's model.
    permission.refresh_from_db()
    assert (permission.content_type.app_label, permission.content_type.model) == (
        "pipeline",
        "scorerconfig",
    )
    assert not ContentType.objects.filter(app_label="policy", model__in=MOVED).exists()


def test_the_tables_keep_their_names():
    assert {
        model._meta.db_table
        for model in (
            ModerationDecision,
            NotificationLog,
            NotificationPreference,
            RemoderationRun,
            ScorerConfig,
            WebhookDelivery,
            WebhookEndpoint,
        )
    } == {f"policy_{name}" for name in MOVED}
