"""Routing reads of threads to a read replica (docs/operating.md, *Past one machine*).

With DATABASE_REPLICA_URL set, the settings add a database alias `replica` and name it in
PARLEY_READ_REPLICA; without it there is only `default` and this router always answers None
(Django's default: everything on `default`).

What goes to the replica: reads of the comments app's models (threads, counts, comments,
authors, votes, articles, sites) during a GET or HEAD request, and nothing else. What stays
on the primary:

- every write, and every read in a request that is not GET or HEAD (a post, an edit, a vote
  reads what it is about to change);
- every read inside a transaction on `default` (`atomic`, row locks): it must see its own
  writes and take its locks where they are;
- read-your-writes: once a request has written anything (the router is asked
  `db_for_write`), the rest of that request reads the primary, so a replica that lags never
  hides from a reader what the same request just wrote;
- everything outside a request (Celery tasks, the sweeper, management commands).

`ReplicaRoutingMiddleware` opens a fresh routing scope for each request (a context variable,
so threads and async tasks each have their own).
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model
from django.http import HttpRequest, HttpResponse

REPLICA_APPS = frozenset({"comments"})
READ_METHODS = frozenset({"GET", "HEAD"})


@dataclass
class _Scope:
    replica_allowed: bool
    wrote: bool = False


_scope: ContextVar[_Scope | None] = ContextVar("parley_db_route", default=None)


@contextmanager
def request_scope(*, method: str) -> Iterator[None]:
    """Route the reads made inside this block as those of one request with `method`."""
    token = _scope.set(_Scope(replica_allowed=method in READ_METHODS))
    try:
        yield
    finally:
        _scope.reset(token)


def replica_alias() -> str | None:
    """The replica's database alias, or None when none is configured."""
    return getattr(settings, "PARLEY_READ_REPLICA", None)


class ReplicaRouter:
    """Reads of threads to the replica when safe (see the module docstring); all else to
    the default database."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        replica = replica_alias()
        scope = _scope.get()
        if (
            replica is None
            or scope is None
            or not scope.replica_allowed
            or scope.wrote
            or model._meta.app_label not in REPLICA_APPS
            or connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return DEFAULT_DB_ALIAS if replica is not None else None
        return replica

    def db_for_write(self, model: type[Model], **hints: Any) -> str | None:
        scope = _scope.get()
        if scope is not None:
            scope.wrote = True
        return DEFAULT_DB_ALIAS if replica_alias() is not None else None

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # The replica holds the same rows: an instance read there may point at one on default.
        return True if replica_alias() is not None else None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        # Migrations run on the primary; the replica follows it by replication.
        replica = replica_alias()
        if replica is not None and db == replica:
            return False
        return None


class ReplicaRoutingMiddleware:
    """Gives each request its own routing scope (read-your-writes holds per request)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with request_scope(method=request.method or ""):
            return self.get_response(request)
