from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from security.reauth import ReauthAdminMixin

from .models import SiteEmbedConfig, SSOIdentity
from .services import sso_secret_rotate


@admin.register(SiteEmbedConfig)
class SiteEmbedConfigAdmin(ReauthAdminMixin, admin.ModelAdmin):
    list_display = ("site", "sso_on", "sso_secret_rotated_at", "lazy_articles", "guests")
    readonly_fields = ("sso_secret_rotated_at",)
    actions = ["rotate_sso_secret"]
    reauth_actions = ["rotate_sso_secret"]

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None):
        # The key is the site's id through a one-to-one field, which Django's guard against
        # out-of-range integer lookups does not cover: SQLite raised OverflowError (a 500).
        try:
            return super().get_object(request, object_id, from_field)
        except OverflowError:
            return None

    @admin.display(boolean=True, description="SSO")
    def sso_on(self, obj: SiteEmbedConfig) -> bool:
        return obj.sso_enabled

    @admin.action(description="Rotate the SSO secret (tokens signed with the old one stop working)")
    def rotate_sso_secret(self, request: HttpRequest, queryset: QuerySet) -> None:
        for config in queryset.select_related("site"):
            secret = sso_secret_rotate(site=config.site)
            # Shown once: only the host's server should keep it.
            self.message_user(
                request, f"New SSO secret for {config.site.slug}: {secret}", messages.WARNING
            )


@admin.register(SSOIdentity)
class SSOIdentityAdmin(admin.ModelAdmin):
    list_display = ("site", "external_id", "commenter", "last_seen_at")
    list_filter = ("site",)
    search_fields = ("external_id", "commenter__display_name")
    readonly_fields = ("site", "external_id", "commenter", "email", "avatar_url", "created_at")
