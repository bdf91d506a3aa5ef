from django.apps import AppConfig


class AccountabilityConfig(AppConfig):
    """Accountable moderation (docs/accountability.md): statements of reasons, appeals,
    notices of illegal content, the transparency report."""

    name = "accountability"
    verbose_name = "Accountability"
    default_auto_field = "django.db.models.BigAutoField"
