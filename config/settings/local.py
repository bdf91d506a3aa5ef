"""The demo and local development: SQLite, no other service, a throwaway key."""

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS, SECRET_KEY, env

DEBUG = env.bool("DEBUG", default=True)
# A fixed development key is fine here and only here; production refuses to start without one.
SECRET_KEY = SECRET_KEY or "parley-local-development-key-not-for-production"
ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]"]
