from django.apps import AppConfig


class AccountabilityConfig(AppConfig):
    """Accountable moderation (docs/accountability.md): statements of reasons, appeals,
    notices of illegal content, the transparency report."""

    name = "accountability"
    verbose_name = "Accountability"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from pipeline.notifications import register_not_published_extra

        from .statements import statement_for_email

        # The "not published" e-mail carries the statement of reasons and how to appeal.
        register_not_published_extra(statement_for_email)
