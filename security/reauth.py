"""Re-authentication before dangerous actions: saving a policy version, bulk take-downs,
banning, granting roles, rotating API keys and SSO secrets.

When the session's last sign-in, code or re-authentication (security.recent) is older than
PARLEY_REAUTH_SECONDS, the action's POST is answered with a prompt instead: the password, or
a code for an account with a second factor. The prompt carries the original form fields and
posts them back to the same URL, so once the prompt is answered the action proceeds as
submitted. Only POSTs are held: showing a page is never dangerous, doing is.
"""

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.contrib import admin
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .forms import SECOND_FACTOR_REFUSED
from .lockout import lockout_response
from .recent import authenticated_recently, mark_authenticated
from .second_factor import check_second_factor, has_second_factor

PASSWORD_FIELD = "_reauth_password"  # noqa: S105 - a form field name
CODE_FIELD = "_reauth_code"
_OWN_FIELDS = {PASSWORD_FIELD, CODE_FIELD, "csrfmiddlewaretoken"}


def _confirms(request: HttpRequest, *, with_code: bool) -> bool:
    username = request.user.get_username()
    if with_code:
        device = check_second_factor(request.user, request.POST.get(CODE_FIELD, ""))
        if device is None:
            user_login_failed.send(
                sender=__name__, credentials={"username": username}, request=request
            )
        return device is not None
    # Through authenticate(): django-axes counts a wrong password here like at sign-in.
    user = authenticate(request, username=username, password=request.POST.get(PASSWORD_FIELD))
    return user is not None and user.pk == request.user.pk


def reauth_prompt(request: HttpRequest, *, action: str) -> HttpResponse | None:
    """None if `request` may go ahead (a recent authentication, or the prompt's answer was
    right); otherwise the prompt to answer, which re-posts the request's form fields."""
    if request.method != "POST" or authenticated_recently(request):
        return None
    with_code = has_second_factor(request.user)
    field = CODE_FIELD if with_code else PASSWORD_FIELD
    error = ""
    if field in request.POST:
        if not AxesProxyHandler.is_allowed(request, {"username": request.user.get_username()}):
            return lockout_response(request, None, None)
        if _confirms(request, with_code=with_code):
            mark_authenticated(request)
            return None
        error = SECOND_FACTOR_REFUSED if with_code else "That password is not right."
    carried = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in _OWN_FIELDS
        for value in values
    ]
    context = {
        **admin.site.each_context(request),
        "title": "Confirm it is you",
        "action": action,
        "carried": carried,
        "with_code": with_code,
        "field": field,
        "error": error,
        "form_url": request.get_full_path(),
    }
    return render(request, "security/reauth.html", context)


def reauth_required(action: str) -> Callable:
    """A view decorator: `action` (what the prompt says is about to happen) needs a recent
    authentication."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def inner(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            return reauth_prompt(request, action=action) or view(request, *args, **kwargs)

        return inner

    return decorator


class ReauthAdminMixin:
    """For a ModelAdmin: the actions named in `reauth_actions`, and saving the add or change
    form when `reauth_on_save` is set, need a recent authentication."""

    reauth_actions: Iterable[str] = ()
    reauth_on_save = False

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        chosen = [a for a in request.POST.getlist("action") if a in set(self.reauth_actions)]
        if request.method == "POST" and chosen:
            actions = self.get_actions(request)  # type: ignore[attr-defined]
            what = "; ".join(str(actions[a][2]) for a in chosen if a in actions)
            if prompt := reauth_prompt(request, action=what):
                return prompt
        return super().changelist_view(request, extra_context)  # type: ignore[misc]

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict | None = None,
    ):
        if self.reauth_on_save:
            verbose = self.model._meta.verbose_name  # type: ignore[attr-defined]
            if prompt := reauth_prompt(request, action=f"Save the {verbose}"):
                return prompt
        return super().changeform_view(  # type: ignore[misc]
            request, object_id, form_url, extra_context
        )
