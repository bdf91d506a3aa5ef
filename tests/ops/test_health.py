"""/healthz answers without the database; /readyz checks every dependency and names what failed."""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.test import override_settings

ROOT = Path(__file__).resolve().parents[2]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed when the block ends: connections are refused


def test_healthz_answers_without_touching_the_database(client, django_assert_max_num_queries):
    # No `db` fixture: any query would raise, so this also proves no database access.
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_readyz_is_ready_when_database_and_cache_answer(client, db):
    response = client.get("/readyz")

    assert response.status_code == 200, response.content
    # Tests run tasks in-process: there is no broker to check.
    assert response.json() == {"status": "ready", "checks": {"database": "ok", "cache": "ok"}}


def test_readyz_names_the_cache_when_redis_is_down(client, db):
    unreachable = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
        }
    }
    with override_settings(CACHES=unreachable):
        response = client.get("/readyz")

    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "not_ready"
    assert error["detail"]["failed"] == ["cache"]
    assert error["detail"]["checks"]["database"] == "ok"
    assert error["detail"]["checks"]["cache"].startswith("failed: ")
    assert "cache" in error["message"]


def test_readyz_checks_the_broker_when_tasks_are_queued(client, db):
    with override_settings(
        CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL=f"redis://127.0.0.1:{closed_port()}/0"
    ):
        response = client.get("/readyz")

    assert response.status_code == 503
    detail = response.json()["error"]["detail"]
    assert detail["failed"] == ["broker"]
    assert detail["checks"]["database"] == "ok"


def test_readyz_names_the_database_when_it_is_down():
    # A fresh process whose DATABASE_URL points at a port where no PostgreSQL listens.
    script = (
        "import django, json; django.setup()\n"
        "from django.test import Client\n"
        "r = Client().get('/readyz')\n"
        "print(json.dumps({'status': r.status_code, 'body': r.json()}))\n"
    )
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://parley@127.0.0.1:{closed_port()}/parley",
    }
    environment.pop("REDIS_URL", None)
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["status"] == 503
    detail = answer["body"]["error"]["detail"]
    assert detail["failed"] == ["database"]
    assert detail["checks"] == {"database": "failed: OperationalError", "cache": "ok"}


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics"])
def test_the_operators_endpoints_refuse_other_methods_in_the_error_shape(client, path):
    response = client.post(path)

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_head_is_answered(client):
    assert client.head("/healthz").status_code == 200


# Transactional: on SQLite, the test database shared by the two aliases cannot hold an open
# transaction on each.
@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_readyz_checks_the_read_replica_when_one_is_configured(client):
    with override_settings(PARLEY_READ_REPLICA="replica"):
        response = client.get("/readyz")

    assert response.status_code == 200, response.content
    assert response.json()["checks"] == {"database": "ok", "database_replica": "ok", "cache": "ok"}


def test_readyz_answers_quickly_when_redis_hangs(client, db, settings):
    # A server that accepts connections and never answers: Parley's cache options time out.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        hanging = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": f"redis://127.0.0.1:{silent.getsockname()[1]}/0",
                "OPTIONS": settings.REDIS_CACHE_OPTIONS,
            }
        }
        started = time.monotonic()
        with override_settings(CACHES=hanging):
            response = client.get("/readyz")
        elapsed = time.monotonic() - started

    assert response.status_code == 503
    assert response.json()["error"]["detail"]["failed"] == ["cache"]
    assert elapsed < 3 * settings.REDIS_CACHE_OPTIONS["socket_timeout"]
