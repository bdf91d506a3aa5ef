"""The pipeline's models, moved from the policy app without moving data.

State only (SeparateDatabaseAndState with no database operations): the tables policy 0001 and
0002 created keep their names (each model's `db_table`) and their rows; from here on Django
knows them as pipeline's. policy 0003 then forgets them. The content types (and with them the
permissions granted on these models) are renamed to the pipeline app.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

MOVED = (
    "moderationdecision",
    "notificationlog",
    "notificationpreference",
    "remoderationrun",
    "scorerconfig",
    "webhookdelivery",
    "webhookendpoint",
)


def content_types_to_pipeline(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    taken = set(
        content_type.objects.using(db)
        .filter(app_label="pipeline", model__in=MOVED)
        .values_list("model", flat=True)
    )
    content_type.objects.using(db).filter(app_label="policy", model__in=MOVED).exclude(
        model__in=taken
    ).update(app_label="pipeline")


def content_types_to_policy(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    taken = set(
        content_type.objects.using(db)
        .filter(app_label="policy", model__in=MOVED)
        .values_list("model", flat=True)
    )
    content_type.objects.using(db).filter(app_label="pipeline", model__in=MOVED).exclude(
        model__in=taken
    ).update(app_label="policy")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("comments", "0008_commenter_avatar_url"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("policy", "0002_pipeline_scorers_webhooks_notifications"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="NotificationPreference",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("reply_emails", models.BooleanField(default=True)),
                        (
                            "decision_emails",
                            models.BooleanField(
                                default=True,
                                help_text="E-mails when a waiting comment is published or rejected.",
                            ),
                        ),
                        ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "commenter",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="notification_preference",
                                to="comments.commenter",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "policy_notificationpreference",
                    },
                ),
                migrations.CreateModel(
                    name="RemoderationRun",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "since",
                            models.DateTimeField(
                                help_text="Comments published from this time on are checked."
                            ),
                        ),
                        (
                            "apply",
                            models.BooleanField(
                                default=False, help_text="False: a dry run that changes nothing."
                            ),
                        ),
                        (
                            "state",
                            models.CharField(
                                choices=[
                                    ("queued", "Queued"),
                                    ("running", "Running"),
                                    ("done", "Done"),
                                    ("failed", "Failed"),
                                ],
                                default="queued",
                                max_length=12,
                            ),
                        ),
                        ("checked", models.PositiveIntegerField(default=0)),
                        (
                            "changes",
                            models.JSONField(
                                blank=True,
                                default=list,
                                help_text="[{comment, action, clause_id, clause_title}]",
                            ),
                        ),
                        ("error", models.CharField(blank=True, max_length=500)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "confirms",
                            models.ForeignKey(
                                blank=True,
                                help_text="The dry run this run applies.",
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                to="pipeline.remoderationrun",
                            ),
                        ),
                        (
                            "created_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "policy_version",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="remoderation_runs",
                                to="policy.policyversion",
                            ),
                        ),
                        (
                            "site",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="remoderation_runs",
                                to="comments.site",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "policy_remoderationrun",
                        "ordering": ["-created_at", "-id"],
                    },
                ),
                migrations.CreateModel(
                    name="WebhookEndpoint",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("url", models.URLField(max_length=500)),
                        ("secret", models.CharField(max_length=200)),
                        (
                            "events",
                            models.JSONField(
                                blank=True,
                                default=list,
                                help_text="Any of comment.created, comment.published, comment.rejected, comment.removed; empty = all.",
                            ),
                        ),
                        ("active", models.BooleanField(default=True)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "site",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="webhooks",
                                to="comments.site",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "policy_webhookendpoint",
                        "ordering": ["site", "url"],
                    },
                ),
                migrations.CreateModel(
                    name="WebhookDelivery",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("event", models.CharField(max_length=40)),
                        ("payload", models.JSONField()),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "Waiting to be sent"),
                                    ("delivered", "Delivered"),
                                    ("failed", "Failed for good"),
                                ],
                                default="pending",
                                max_length=12,
                            ),
                        ),
                        ("attempts", models.PositiveSmallIntegerField(default=0)),
                        ("response_code", models.PositiveSmallIntegerField(blank=True, null=True)),
                        ("error", models.CharField(blank=True, max_length=500)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("last_attempt_at", models.DateTimeField(blank=True, null=True)),
                        ("delivered_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "endpoint",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="deliveries",
                                to="pipeline.webhookendpoint",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "policy_webhookdelivery",
                        "ordering": ["-created_at", "-id"],
                    },
                ),
                migrations.CreateModel(
                    name="ModerationDecision",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "stage",
                            models.CharField(
                                choices=[
                                    ("sync", "On posting"),
                                    ("pipeline", "Moderation pipeline"),
                                    ("policy_change", "Policy change"),
                                ],
                                max_length=16,
                            ),
                        ),
                        (
                            "revision",
                            models.CharField(
                                help_text="'original', or the time of the edit this decision is about.",
                                max_length=40,
                            ),
                        ),
                        (
                            "action",
                            models.CharField(
                                choices=[
                                    ("publish", "Publish"),
                                    ("hold", "Hold for a moderator"),
                                    ("reject", "Reject"),
                                ],
                                max_length=8,
                            ),
                        ),
                        ("flagged", models.BooleanField(default=False)),
                        ("clause_id", models.CharField(blank=True, max_length=64)),
                        ("clause_title", models.CharField(blank=True, max_length=200)),
                        (
                            "hits",
                            models.JSONField(
                                default=list, help_text="Every rule that fired, with its evidence."
                            ),
                        ),
                        ("scores", models.JSONField(blank=True, default=dict)),
                        ("policy_version_number", models.PositiveIntegerField(null=True)),
                        ("elapsed_us", models.PositiveIntegerField(default=0)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "comment",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="decisions",
                                to="comments.comment",
                            ),
                        ),
                        (
                            "policy_version",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="decisions",
                                to="policy.policyversion",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "policy_moderationdecision",
                        "ordering": ["created_at", "id"],
                        "indexes": [
                            models.Index(
                                fields=["clause_id", "created_at"], name="decision_clause_time"
                            )
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("comment", "stage", "revision"),
                                name="decision_once_per_revision",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="NotificationLog",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("published", "Your comment was published"),
                                    ("rejected", "Your comment was rejected"),
                                    ("reply", "Someone replied to your comment"),
                                ],
                                max_length=16,
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "Waiting to be sent"),
                                    ("sending", "Being sent"),
                                    ("sent", "Sent"),
                                    ("skipped", "Not sent (no address or turned off)"),
                                ],
                                default="pending",
                                max_length=12,
                            ),
                        ),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("sent_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "comment",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="notifications",
                                to="comments.comment",
                            ),
                        ),
                        (
                            "recipient",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="notifications",
                                to="comments.commenter",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "policy_notificationlog",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [
                            models.Index(
                                fields=["status", "created_at"], name="notification_status_time"
                            )
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("comment", "kind", "recipient"),
                                name="notification_once_per_event",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="ScorerConfig",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "name",
                            models.SlugField(
                                help_text='Referenced by score rules, e.g. "akismet".',
                                max_length=40,
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("akismet", "Akismet comment-check"),
                                    ("http", "HTTP scorer (signed JSON)"),
                                ],
                                max_length=16,
                            ),
                        ),
                        ("endpoint", models.URLField(max_length=500)),
                        (
                            "key",
                            models.CharField(
                                blank=True,
                                help_text="Akismet: the API key. HTTP scorer: the HMAC-SHA256 signing secret.",
                                max_length=200,
                            ),
                        ),
                        ("timeout_seconds", models.FloatField(default=3.0)),
                        ("enabled", models.BooleanField(default=True)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "site",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="scorers",
                                to="comments.site",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "policy_scorerconfig",
                        "ordering": ["site", "name"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("site", "name"), name="scorer_name_unique_per_site"
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    ("timeout_seconds__gt", 0), ("timeout_seconds__lte", 30)
                                ),
                                name="scorer_timeout_range",
                            ),
                        ],
                    },
                ),
                migrations.AddIndex(
                    model_name="webhookendpoint",
                    index=models.Index(fields=["site", "active"], name="webhook_site_active"),
                ),
                migrations.AddIndex(
                    model_name="webhookdelivery",
                    index=models.Index(
                        fields=["status", "created_at"], name="delivery_status_time"
                    ),
                ),
            ],
        ),
        migrations.RunPython(content_types_to_pipeline, content_types_to_policy),
    ]
