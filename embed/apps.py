from django.apps import AppConfig


class EmbedConfig(AppConfig):
    name = "embed"
    verbose_name = "Embedding: script, single sign-on, CORS"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # django-cors-headers' documented hook for per-request origin decisions.
        from corsheaders.signals import check_request_enabled

        from . import schema  # noqa: F401 - registers the OpenAPI extension
        from .cors import cors_allow_site_origin

        check_request_enabled.connect(cors_allow_site_origin, dispatch_uid="parley-embed-cors")
