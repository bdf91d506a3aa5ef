"""Site roles: site administrators grant and revoke moderator and administrator roles on their
sites, through moderation.services (site_role_grant / site_role_revoke)."""

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpRequest

from moderation.access import acting_user, is_site_admin, sites_administered_by
from moderation.models import SiteRole
from moderation.services import site_role_grant, site_role_revoke
from security.reauth import ReauthAdminMixin

from .base import ModerationAdmin
from .filters import SiteFilter


class SiteRoleForm(forms.ModelForm):
    username = forms.CharField(max_length=150, help_text="The staff member's username.")

    class Meta:
        model = SiteRole
        fields = ["site", "role"]

    def clean_username(self) -> Any:
        name = self.cleaned_data["username"]
        user = get_user_model().objects.filter(username=name).first()
        if user is None:
            raise forms.ValidationError("No user with that username.")
        return user


@admin.register(SiteRole)
class SiteRoleAdmin(ReauthAdminMixin, ModerationAdmin):
    page_access = staticmethod(is_site_admin)
    reauth_on_save = True  # granting a role asks for the password again (security.reauth)
    list_display = ["user", "site", "role", "granted_by", "created_at"]
    list_filter = ["role", "site"]
    search_fields = ["user__username"]
    list_select_related = ["user", "site", "granted_by"]
    form = SiteRoleForm

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).filter(site__in=sites_administered_by(request.user))

    def get_list_filter(self, request: HttpRequest) -> list:
        return ["role", SiteFilter]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        if db_field.name == "site":
            kwargs["queryset"] = sites_administered_by(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_site_admin(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_site_admin(request.user)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["username", "site", "role"]

    def save_model(self, request: HttpRequest, obj: SiteRole, form: Any, change: bool) -> None:
        role = site_role_grant(
            by=acting_user(request),
            user=form.cleaned_data["username"],
            site=form.cleaned_data["site"],
            role=form.cleaned_data["role"],
        )
        obj.pk, obj.user, obj.site, obj.role = role.pk, role.user, role.site, role.role

    def delete_model(self, request: HttpRequest, obj: SiteRole) -> None:
        site_role_revoke(by=acting_user(request), user=obj.user, site=obj.site)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for role in queryset.select_related("user", "site"):
            site_role_revoke(by=acting_user(request), user=role.user, site=role.site)
