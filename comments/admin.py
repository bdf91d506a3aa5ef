"""Admin for commenters (installation-wide, superusers only).

Sites, articles and policies are edited per site by site administrators: moderation/admin_sites.py.
"""

from typing import Any

from django.contrib import admin
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from .models import Commenter
from .pagecache import commenter_pages_changed


@admin.register(Commenter)
class CommenterAdmin(admin.ModelAdmin):
    list_display = ["display_name", "public_id", "user", "created_at"]
    search_fields = ["display_name", "public_id", "user__username"]
    list_select_related = ["user"]
    readonly_fields = ["public_id"]
    # A scheme-less URL typed into a form means https (Django 6's default, chosen now).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    # A commenter's name is on every page they commented on, and deleting them deletes their
    # comments: both bump those articles' versions, in the transaction of the change.

    def save_model(self, request: HttpRequest, obj: Commenter, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if change:
                commenter_pages_changed(commenter_id=obj.pk)

    def delete_model(self, request: HttpRequest, obj: Commenter) -> None:
        with transaction.atomic():
            commenter_pages_changed(commenter_id=obj.pk)
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Commenter]) -> None:
        with transaction.atomic():
            for pk in queryset.values_list("pk", flat=True):
                commenter_pages_changed(commenter_id=pk)
            super().delete_queryset(request, queryset)
