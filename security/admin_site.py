"""Parley's admin site: Django's, with the second factor at sign-in and the security pages."""

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import path

from . import views
from .forms import SecondFactorLoginForm
from .recent import mark_authenticated


class ParleyAdminSite(admin.AdminSite):
    login_form = SecondFactorLoginForm
    login_template = "security/login.html"

    def get_urls(self) -> list:
        return [
            path(
                "security/two-factor/",
                self.admin_view(views.two_factor),
                name="security_two_factor",
            ),
            path(
                "security/two-factor/verify/",
                self.admin_view(views.verify),
                name="security_verify",
            ),
            *super().get_urls(),
        ]

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        signed_in_before = request.user.is_authenticated
        response = super().login(request, extra_context)
        if request.method == "POST" and request.user.is_authenticated and not signed_in_before:
            mark_authenticated(request)  # the start of the re-authentication window
        return response
