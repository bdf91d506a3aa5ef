"""Admin pages of the second factor: enrolment with recovery codes, and verifying a session
that signed in before its account had a second factor."""

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login

from .forms import SECOND_FACTOR_REFUSED, CodeForm
from .lockout import lockout_response
from .recent import mark_authenticated
from .second_factor import (
    check_second_factor,
    has_second_factor,
    is_verified,
    recovery_codes_left,
    recovery_codes_renew,
    second_factor_required,
    totp_enrolment_confirm,
    totp_enrolment_start,
    totp_qr_svg,
    totp_secret,
)


def safe_next(request: HttpRequest, default: str | None = None) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default or reverse("admin:index")


def _context(request: HttpRequest, title: str, **extra) -> dict:
    return {**admin.site.each_context(request), "title": title, "next": safe_next(request), **extra}


def _code_refused(request: HttpRequest) -> None:
    # Counted by django-axes like a wrong password: guessing codes ends in the same lockout.
    user_login_failed.send(
        sender=__name__, credentials={"username": request.user.get_username()}, request=request
    )


def code_check_allowed(request: HttpRequest) -> bool:
    return AxesProxyHandler.is_allowed(request, {"username": request.user.get_username()})


def _signed_in(request: HttpRequest) -> User:
    """The signed-in account: these views are served only inside the admin's login wall."""
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise PermissionDenied
    return user


def two_factor(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app (QR code, then a code to confirm), or, once enrolled, see
    how many recovery codes are left and make new ones."""
    user = _signed_in(request)
    if has_second_factor(user):
        if request.method == "POST" and is_verified(user):
            codes = recovery_codes_renew(user=user)
            return render(
                request,
                "security/recovery_codes.html",
                _context(request, "Your new recovery codes", codes=codes),
            )
        return render(
            request,
            "security/two_factor_on.html",
            _context(
                request,
                "Two-factor authentication",
                codes_left=recovery_codes_left(user),
                verified=is_verified(user),
            ),
        )

    device = totp_enrolment_start(user=user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not code_check_allowed(request):
            return lockout_response(request, None, None)
        new_codes = totp_enrolment_confirm(device=device, token=form.cleaned_data["otp_token"])
        if new_codes is None:
            _code_refused(request)
            form.add_error(
                "otp_token",
                "That code is not right. Enter the code the app shows now (check that the "
                "phone's clock is right).",
            )
        else:
            device.refresh_from_db()
            otp_login(request, device)
            mark_authenticated(request)
            return render(
                request,
                "security/recovery_codes.html",
                _context(
                    request, "Two-factor authentication is on", codes=new_codes, enrolled=True
                ),
            )
    return render(
        request,
        "security/two_factor_enrol.html",
        _context(
            request,
            "Set up two-factor authentication",
            form=form,
            qr_svg=totp_qr_svg(device),
            secret=totp_secret(device),
            required=second_factor_required(user),
            issuer=settings.OTP_TOTP_ISSUER,
        ),
    )


def verify(request: HttpRequest) -> HttpResponse:
    """A signed-in session of an account with a second factor, not yet verified with it."""
    user = request.user
    if not has_second_factor(user):
        return HttpResponseRedirect(reverse("admin:security_two_factor"))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not code_check_allowed(request):
            return lockout_response(request, None, None)
        device = check_second_factor(user, form.cleaned_data["otp_token"])
        if device is None:
            _code_refused(request)
            form.add_error("otp_token", SECOND_FACTOR_REFUSED)
        else:
            otp_login(request, device)
            mark_authenticated(request)
            messages.success(request, "Verified with your second factor.")
            return HttpResponseRedirect(safe_next(request))
    return render(
        request,
        "security/verify.html",
        _context(request, "Enter your authentication code", form=form),
    )
