"""When this session last proved who it is (a password or a second-factor code)."""

import time

from django.conf import settings
from django.http import HttpRequest

SESSION_KEY = "parley_authenticated_at"


def mark_authenticated(request: HttpRequest) -> None:
    request.session[SESSION_KEY] = int(time.time())


def authenticated_recently(request: HttpRequest) -> bool:
    """Whether the session signed in or re-authenticated within PARLEY_REAUTH_SECONDS."""
    at = request.session.get(SESSION_KEY)
    return isinstance(at, int) and time.time() - at <= settings.PARLEY_REAUTH_SECONDS
