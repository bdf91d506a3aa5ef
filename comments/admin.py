"""Admin for sites, articles and commenters. The moderation queue lives in moderation/."""

from django.contrib import admin, messages
from django.http import HttpRequest

from .models import Article, Commenter, Site
from .services import site_rotate_api_key


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "max_depth", "edit_window_seconds", "report_threshold"]
    search_fields = ["slug", "name"]
    actions = ["rotate_api_key"]

    @admin.action(description="Rotate the API key (shown once)")
    def rotate_api_key(self, request: HttpRequest, queryset) -> None:
        for site in queryset:
            key = site_rotate_api_key(site=site)
            self.message_user(
                request, f"New API key for {site.slug}: {key} — store it now.", messages.WARNING
            )


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "key", "site", "is_open", "closes_at", "premoderated", "created_at"]
    list_filter = ["site", "is_open", "premoderated"]
    search_fields = ["key", "title", "url"]
    list_select_related = ["site"]


@admin.register(Commenter)
class CommenterAdmin(admin.ModelAdmin):
    list_display = ["display_name", "public_id", "user", "created_at"]
    search_fields = ["display_name", "public_id", "user__username"]
    list_select_related = ["user"]
    readonly_fields = ["public_id"]
