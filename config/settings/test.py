"""Tests: the same code paths as production, with fast password hashing."""

from .base import *  # noqa: F403
from .base import REST_FRAMEWORK

SECRET_KEY = "parley-test-key"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {
        "write_reader": "1000/min",
        "write_ip": "1000/min",
        "auth": "1000/min",
    },
}
