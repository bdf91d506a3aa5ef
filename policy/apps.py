from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "policy"
    verbose_name = "Comment policy and moderation"
    default_auto_field = "django.db.models.BigAutoField"
