"""How the apps above `comments` take part in a comment's life: the one hook.

`comments` is the bottom layer and imports no other app, yet a new or edited comment must be
moderated and every status change must reach the pipeline's outbox (webhooks, e-mails). So the
app that does this registers itself here when Django loads it, in its `AppConfig.ready()`:

- the moderation entry (`register_moderation`): called by comments.services, inside the
  transaction that created or locked the comment, as `entry(comment, reason="created" |
  "edited")`. Exactly one; pipeline.apps registers pipeline.services.moderate_comment.
- status listeners (`register_status_listener`): called by comments.events for every audit
  row the state machine writes (creation, status change, edit), inside that transaction; they
  may write rows and schedule work with `transaction.on_commit`, nothing slower.
  pipeline.apps registers pipeline.listeners.webhook_outbox and .email_outbox.
- the policy's clauses (`register_policy_clauses`): what a reader may cite in a report
  (comments.reports), as `clauses(site)` -> {clause id: title}. policy.apps registers
  policy.clauses.site_clauses.

Tests swap the entry for a stand-in with `moderation_replaced`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Literal, Protocol

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from .models import Comment, CommentEvent, Site

Reason = Literal["created", "edited"]


class ModerationEntry(Protocol):
    def __call__(self, comment: Comment, *, reason: Reason) -> None: ...


StatusListener = Callable[["CommentEvent"], None]
PolicyClauses = Callable[["Site"], dict[str, str]]


class _Hooks:
    moderation: ModerationEntry | None = None
    status_listeners: tuple[StatusListener, ...] = ()
    policy_clauses: PolicyClauses | None = None


_hooks = _Hooks()


def register_moderation(entry: ModerationEntry) -> None:
    """Make `entry` the moderation of new and edited comments (once, from an AppConfig)."""
    if _hooks.moderation is not None and _hooks.moderation is not entry:
        raise ImproperlyConfigured(f"A moderation entry is already registered: {_hooks.moderation}")
    _hooks.moderation = entry


def register_status_listener(listener: StatusListener) -> None:
    """Add `listener` to those told about every comment audit row (once per listener)."""
    if listener not in _hooks.status_listeners:
        _hooks.status_listeners = (*_hooks.status_listeners, listener)


def register_policy_clauses(clauses: PolicyClauses) -> None:
    """Make `clauses(site)` the list of clauses readers may cite (once, from an AppConfig)."""
    if _hooks.policy_clauses is not None and _hooks.policy_clauses is not clauses:
        raise ImproperlyConfigured(
            f"Policy clauses are already registered: {_hooks.policy_clauses}"
        )
    _hooks.policy_clauses = clauses


def moderate(comment: Comment, *, reason: Reason) -> None:
    """Hand a new or edited comment to the registered moderation entry.

    Precondition: inside the transaction that created or locked the comment."""
    if _hooks.moderation is None:
        raise ImproperlyConfigured(
            "No moderation entry is registered: is the pipeline app in INSTALLED_APPS?"
        )
    _hooks.moderation(comment, reason=reason)


def policy_clauses(site: Site) -> dict[str, str]:
    """Clause id -> title of the site's policy in force, in the order of the document."""
    if _hooks.policy_clauses is None:
        raise ImproperlyConfigured("No policy clauses are registered: is policy in INSTALLED_APPS?")
    return _hooks.policy_clauses(site)


def moderation_entry() -> ModerationEntry | None:
    """The registered moderation entry (None before the apps are loaded)."""
    return _hooks.moderation


def status_listeners() -> tuple[StatusListener, ...]:
    return _hooks.status_listeners


@contextmanager
def moderation_replaced(entry: ModerationEntry) -> Iterator[None]:
    """Moderate with `entry` instead of the registered one while the block runs (tests)."""
    previous = _hooks.moderation
    _hooks.moderation = entry
    try:
        yield
    finally:
        _hooks.moderation = previous
