"""The worker keeps its database connections between tasks (config/celery_app.py), closes
those past DATABASE_CONN_MAX_AGE before a task, and drops them all after a failed task."""

import time
from types import SimpleNamespace

import pytest
from celery import states
from django.db import connections

from config.celery_app import _close_aged_connections, _drop_connections_after_failure
from config.celery_app import app as celery_app

pytestmark = pytest.mark.django_db(transaction=True)  # these tests close the connection


@pytest.fixture
def closes(monkeypatch) -> list[str]:
    """Open the default connection and record each close (the real close runs too: on the
    in-memory SQLite test database Django keeps the connection open, by design)."""
    conn = connections["default"]
    conn.ensure_connection()
    calls: list[str] = []
    real_close = conn.close

    def close() -> None:
        calls.append(conn.alias)
        real_close()

    monkeypatch.setattr(conn, "close", close)
    return calls


def test_a_young_connection_is_kept_for_the_next_task(closes):
    connections["default"].close_at = time.monotonic() + 60
    _close_aged_connections()
    _drop_connections_after_failure(state=states.SUCCESS)
    assert closes == []


def test_a_connection_past_its_max_age_is_closed_before_the_task(closes):
    connections["default"].close_at = time.monotonic() - 1
    _close_aged_connections()
    assert closes == ["default"]


@pytest.mark.parametrize("state", [states.FAILURE, states.RETRY, None])
def test_every_connection_is_dropped_after_a_task_that_did_not_succeed(closes, state):
    _drop_connections_after_failure(state=state)
    assert closes == ["default"]


def test_celerys_fixup_does_not_close_connections_after_every_task():
    # Without it the fixup closes every connection after every task (a new connection per
    # decision); with it, it recycles them after this many tasks.
    assert celery_app.conf.get("CELERY_DB_REUSE_MAX", 0) >= 100


def test_an_eager_task_leaves_the_callers_connection_alone(closes):
    eager = SimpleNamespace(request=SimpleNamespace(is_eager=True))  # as celery's Task
    connections["default"].close_at = time.monotonic() - 1
    _close_aged_connections(task=eager)
    _drop_connections_after_failure(task=eager, state=states.FAILURE)
    assert closes == []
