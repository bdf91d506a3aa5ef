"""Who hears about comment status changes, without signals.

The state machine (comments.lifecycle) is the one place a status changes, so it calls
`comment_event_recorded` for every audit row it writes. The listeners are named in
settings.PARLEY_STATUS_LISTENERS (comments does not import the apps that listen, as with
PARLEY_MODERATION_ENTRY). A listener runs inside the transaction that made the change: it may
write rows (an outbox) and schedule work with `transaction.on_commit`, nothing slower.
"""

from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from .models import CommentEvent


@cache
def _listeners() -> tuple[Callable[[CommentEvent], None], ...]:
    return tuple(import_string(path) for path in getattr(settings, "PARLEY_STATUS_LISTENERS", ()))


def comment_event_recorded(event: CommentEvent) -> None:
    """Tell every listener about a new audit row (creation, status change or edit)."""
    for listener in _listeners():
        listener(event)
