"""Sign-in lockout (django-axes): which address a failure is counted against, which sign-ins
are counted at all, and what a locked-out client is told.

Counted: every sign-in through the admin (any username), and sign-ins at the reader API's
token endpoint when the account is staff. A reader's failures at the token endpoint are left
to that endpoint's per-address rate limit, so a forgotten reader password never locks out a
newsroom's address.
"""

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from rest_framework.throttling import BaseThrottle

from comments.errors import error_body


def client_ip(request: HttpRequest) -> str:
    """The address failures are counted against: the API's rule, PARLEY_NUM_PROXIES entries
    from the right of X-Forwarded-For (0: the socket address), so a client that sends its own
    X-Forwarded-For counts against its real address."""
    # get_ident reads only request.META, which a Django request has as DRF's does.
    return BaseThrottle().get_ident(request)  # type: ignore[arg-type]


def _is_admin_request(request: HttpRequest) -> bool:
    return request.path.startswith("/admin/")


def is_staff_account(username: str | None) -> bool:
    if not username:
        return False
    staff = Q(is_staff=True) | Q(is_superuser=True)
    return get_user_model().objects.filter(staff, username=username).exists()


def is_exempt(request: HttpRequest, credentials: dict[str, Any] | None) -> bool:
    """AXES_WHITELIST_CALLABLE: outside the admin, only staff accounts are counted."""
    if _is_admin_request(request):
        return False
    return not is_staff_account((credentials or {}).get("username"))


def cool_off_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the API's error body on the API, a page in the admin."""
    minutes = cool_off_minutes()
    message = (
        "Too many failed sign-ins for this account or from this address. Try again in "
        f"{minutes} minutes, or ask an administrator to release the lock."
    )
    status = getattr(settings, "AXES_HTTP_RESPONSE_CODE", 429)  # axes' default when unset
    if request.path.startswith("/api/"):
        return JsonResponse(
            error_body("locked_out", message, {"retry_after_minutes": minutes}), status=status
        )
    return render(
        request,
        "security/locked_out.html",
        {"title": "Sign-in locked", "message": message, "minutes": minutes},
        status=status,
    )
