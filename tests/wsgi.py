"""Calling a WSGI application directly (not through Django's test client) inside a test."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.core import signals
from django.db import close_old_connections


@contextmanager
def own_connection() -> Iterator[None]:
    """The database connection stays the test's own, as with Django's test client: no request
    closes it (the test client reconnects this handler after each of its own requests)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
