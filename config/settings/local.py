"""The demo and local development: SQLite, no other service, a throwaway key."""

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS, SECRET_KEY, env

DEBUG = env.bool("DEBUG", default=True)
# A fixed development key is fine here and only here; production refuses to start without one.
SECRET_KEY = SECRET_KEY or "parley-local-development-key-not-for-production"
ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]"]

# A quiet demo console: Django's own loggers print through the root handler once (not also
# through Django's DEBUG console handler), and routine chatter stays below WARNING.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server"},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        # One line per task, most of them "skipped" notifications: only failures matter here.
        "celery.app.trace": {"level": "WARNING"},
        # "No hostname was supplied": in-process tasks need no broker host.
        "kombu.connection": {"level": "ERROR"},
        "axes": {"level": "WARNING"},
    },
}
