from django.apps import AppConfig


class PolicyConfig(AppConfig):
    """A site's written comment policy: its versions, the pure engine (policy.engine), the
    context the engine reads, and the policy and check endpoints. The moderation pipeline
    that applies it is the pipeline app."""

    name = "policy"
    verbose_name = "Comment policy"
    default_auto_field = "django.db.models.BigAutoField"
