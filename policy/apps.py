from django.apps import AppConfig

from comments import hooks


class PolicyConfig(AppConfig):
    """A site's written comment policy: its versions, the pure engine (policy.engine), the
    context the engine reads, and the policy and check endpoints. The moderation pipeline
    that applies it is the pipeline app."""

    name = "policy"
    verbose_name = "Comment policy"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, not at the top: it uses models, importable once the registry is ready.
        from .clauses import site_clauses

        # What readers may cite in a report (comments/hooks.py).
        hooks.register_policy_clauses(site_clauses)
