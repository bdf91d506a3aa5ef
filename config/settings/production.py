"""Production: refuses to start without its secrets, its hosts and its task broker."""

from django.core.exceptions import ImproperlyConfigured

from config.env import env

from .base import *  # noqa: F403
from .base import REDIS_URL

DEBUG = False
SECRET_KEY = env.str("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Without a broker every task (scorer HTTP calls, webhooks, e-mail) would run inside the web
# request that enqueued it, holding a web worker for seconds. A small site may choose that,
# but it has to say so.
PARLEY_IN_PROCESS_TASKS = env.bool("PARLEY_IN_PROCESS_TASKS", default=False)
if not REDIS_URL and not PARLEY_IN_PROCESS_TASKS:
    raise ImproperlyConfigured(
        "Set REDIS_URL (the Celery broker and cache) in production, or set "
        "PARLEY_IN_PROCESS_TASKS=true to run tasks inside web requests (docs/operating.md)."
    )

# Superusers sign in with a second factor (docs/security.md); a deployment may turn this off.
PARLEY_REQUIRE_2FA_SUPERUSERS = env.bool("PARLEY_REQUIRE_2FA_SUPERUSERS", default=True)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Load balancers' probes and Prometheus reach these over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=3600)
SECURE_CONTENT_TYPE_NOSNIFF = True
