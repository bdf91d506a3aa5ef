from django.apps import AppConfig

from comments import hooks


class PipelineConfig(AppConfig):
    """The moderation pipeline: deciding comments (the entry point on posting, scorers, the
    task that decides what scorers must see, re-moderation, the sweeper) and telling others
    (webhooks, reader e-mails). See docs/pipeline.md."""

    name = "pipeline"
    verbose_name = "Moderation pipeline"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, not at the top: modules that use models may only be imported once the
        # app registry is ready.
        # (sweeper defines the beat task; Celery's autodiscovery imports only tasks.py.)
        from comments import pagecache

        from . import listeners, sweeper  # noqa: F401
        from .entry import moderate_comment

        # The one hook between comments (the bottom layer, which imports no other app) and
        # the pipeline: see comments/hooks.py.
        hooks.register_moderation(moderate_comment)
        hooks.register_status_listener(listeners.webhook_outbox)
        hooks.register_status_listener(listeners.email_outbox)
        # After commit, every change to an article's pages: the article.changed webhook.
        pagecache.register_pages_listener(listeners.article_changed_outbox)
