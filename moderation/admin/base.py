"""What every moderation admin page shares: the role check in front of each view."""

from collections.abc import Callable
from functools import update_wrapper
from typing import Any

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from moderation.access import is_moderator


def moderation_admin_view(
    admin_site: admin.AdminSite, view: Callable, allowed: Callable[[Any], bool]
) -> Callable:
    """Like AdminSite.admin_view, but a signed-in user without the role gets 403, not the
    login form."""

    def inner(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(
                request.get_full_path(), reverse("admin:login", current_app=admin_site.name)
            )
        if not allowed(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return csrf_protect(never_cache(update_wrapper(inner, view)))


class ModerationAdmin(admin.ModelAdmin):
    """Base for every admin page of this app: access from moderation.access, no raw saves."""

    page_access: Callable[[Any], bool] = staticmethod(is_moderator)

    def get_urls(self) -> list:
        # Django's own URLs, each view behind the role check first (Django's admin_view
        # alone would send a signed-in user without the role to the login form).
        return [
            URLPattern(
                url.pattern,
                moderation_admin_view(self.admin_site, url.callback, self.page_access),
                url.default_args,
                url.name,
            )
            for url in super().get_urls()
        ]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.page_access(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.page_access(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
