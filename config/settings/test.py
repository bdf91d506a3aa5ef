"""Tests: the same code paths as production, with fast password hashing."""

import os
from urllib.parse import urlsplit, urlunsplit

from .base import *  # noqa: F403
from .base import CACHES, DATABASES, REDIS_URL, REST_FRAMEWORK

SECRET_KEY = "parley-test-key"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
# A second alias on the same test database, as a read replica would be (config/db_router.py).
# Routing to it is off (PARLEY_READ_REPLICA) except in the tests that turn it on.
DATABASES = {
    **DATABASES,
    "replica": {**DATABASES["default"], "TEST": {"MIRROR": "default"}},
}
PARLEY_READ_REPLICA = None
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

# Unit and API tests run tasks in-process after commit (deterministic, no broker), even when
# REDIS_URL is set. The integration tests' worker processes set PARLEY_TASKS_EAGER=false, and
# the tests themselves switch the Celery app to the real broker.
from config.env import env  # noqa: E402

CELERY_TASK_ALWAYS_EAGER = env.bool("PARLEY_TASKS_EAGER", default=True)
PARLEY_NOTIFY_AFTER_WAIT_SECONDS = 60
# A worker started by the integration tests writes its e-mails to files the tests count.
EMAIL_BACKEND = env.str("PARLEY_TEST_EMAIL_BACKEND", default=EMAIL_BACKEND)
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=None)

# With Redis, each test process (pytest-xdist worker) gets Redis databases of its own, counted
# down from REDIS_URL's database b (15 in CI): process i's cache is b-1-i and the broker and
# stack database its integration tests flush is b-8-i (PARLEY_TEST_REDIS_URL). A FLUSHDB in one
# process must never wipe another's throttle counters or the task a worker of its is waiting
# for. A Celery worker started by the integration tests is handed its test process's cache
# (PARLEY_TEST_CACHE_URL), so both see the same page-cache versions.
PARLEY_TEST_REDIS_URL = None
if REDIS_URL:
    _url = urlsplit(REDIS_URL)
    _base_db = int(_url.path.strip("/") or 0)
    _worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    _index = int(_worker[2:]) if _worker[2:].isdigit() else 0
    _cache_db = (_base_db - 1 - _index) % 16
    PARLEY_TEST_REDIS_URL = urlunsplit(_url._replace(path=f"/{(_base_db - 8 - _index) % 16}"))
    CACHES = {
        "default": {
            **CACHES["default"],
            "LOCATION": os.environ.get("PARLEY_TEST_CACHE_URL")
            or urlunsplit(_url._replace(path=f"/{_cache_db}")),
        }
    }
