"""The pipeline's models now belong to the pipeline app (pipeline 0001): state only, the
tables and their rows stay where they are."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("pipeline", "0001_moved_from_policy"),
        ("policy", "0002_pipeline_scorers_webhooks_notifications"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name="notificationlog",
                    name="comment",
                ),
                migrations.RemoveField(
                    model_name="notificationlog",
                    name="recipient",
                ),
                migrations.RemoveField(
                    model_name="notificationpreference",
                    name="commenter",
                ),
                migrations.RemoveField(
                    model_name="remoderationrun",
                    name="confirms",
                ),
                migrations.RemoveField(
                    model_name="remoderationrun",
                    name="created_by",
                ),
                migrations.RemoveField(
                    model_name="remoderationrun",
                    name="policy_version",
                ),
                migrations.RemoveField(
                    model_name="remoderationrun",
                    name="site",
                ),
                migrations.RemoveField(
                    model_name="scorerconfig",
                    name="site",
                ),
                migrations.RemoveField(
                    model_name="webhookdelivery",
                    name="endpoint",
                ),
                migrations.RemoveField(
                    model_name="webhookendpoint",
                    name="site",
                ),
                migrations.DeleteModel(
                    name="ModerationDecision",
                ),
                migrations.DeleteModel(
                    name="NotificationLog",
                ),
                migrations.DeleteModel(
                    name="NotificationPreference",
                ),
                migrations.DeleteModel(
                    name="RemoderationRun",
                ),
                migrations.DeleteModel(
                    name="ScorerConfig",
                ),
                migrations.DeleteModel(
                    name="WebhookDelivery",
                ),
                migrations.DeleteModel(
                    name="WebhookEndpoint",
                ),
            ],
        ),
    ]
