"""Admin for commenters (installation-wide, superusers only).

Sites, articles and policies are edited per site by site administrators: moderation/admin_sites.py.
"""

from django.contrib import admin

from .models import Commenter


@admin.register(Commenter)
class CommenterAdmin(admin.ModelAdmin):
    list_display = ["display_name", "public_id", "user", "created_at"]
    search_fields = ["display_name", "public_id", "user__username"]
    list_select_related = ["user"]
    readonly_fields = ["public_id"]
