"""Keeps accounts that need a second factor out of the moderation pages until they use one."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.http import urlencode

from comments.errors import error_body

from .second_factor import is_verified, second_factor_state

# Session-authenticated API paths held to the same rule as the admin (the queue's script
# calls the moderation API with the admin session).
API_PREFIXES = ("/api/v1/moderation/",)


class SecondFactorMiddleware:
    """After django-otp's OTPMiddleware. A signed-in staff session whose account has a second
    factor but did not use it goes to the code prompt; one whose account must have a second
    factor (security.second_factor.second_factor_required) and has none goes to enrolment."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and user.is_staff and not is_verified(user):
            blocked = self._blocked(request)
            if blocked is not None:
                return blocked
        return self.get_response(request)

    def _blocked(self, request: HttpRequest) -> HttpResponse | None:
        path = request.path_info
        admin = reverse("admin:index")
        exempt = [
            reverse("admin:login"),
            reverse("admin:logout"),
            reverse("admin:jsi18n"),
            reverse("admin:security_two_factor"),
            reverse("admin:security_verify"),
        ]
        in_admin = path.startswith(admin) and not any(path.startswith(p) for p in exempt)
        in_api = path.startswith(API_PREFIXES)
        if not (in_admin or in_api):
            return None
        has_one, required = second_factor_state(request.user)
        if has_one:
            target = "admin:security_verify"
            message = "Verify this session with your authentication code first."
        elif required:
            target = "admin:security_two_factor"
            message = "Set up two-factor authentication first: your role requires it."
        else:
            return None
        if in_api:
            return JsonResponse(
                error_body("second_factor_required", message, {"url": reverse(target)}),
                status=403,
            )
        query = urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(f"{reverse(target)}?{query}")
