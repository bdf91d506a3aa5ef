"""Who hears about comment status changes, without signals.

The state machine (comments.lifecycle) is the one place a status changes, so it calls
`comment_event_recorded` for every audit row it writes. The listeners are those the apps above
registered in comments.hooks (comments imports none of them). A listener runs inside the
transaction that made the change: it may write rows (an outbox) and schedule work with
`transaction.on_commit`, nothing slower.
"""

from ops.metrics import record_decision_event

from . import hooks
from .models import CommentEvent


def comment_event_recorded(event: CommentEvent) -> None:
    """Tell every listener about a new audit row (creation, status change or edit)."""
    for listener in hooks.status_listeners():
        listener(event)
    record_decision_event(event)  # the decisions counter (Prometheus)
