"""The import runs, read-only (installation-wide, superusers only): what each import of
`manage.py import_comments` did, its counts and the first problems it reported."""

from django.contrib import admin
from django.http import HttpRequest

from .models import ImportRun


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ["started_at", "site", "format", "file_name", "state", "finished_at"]
    list_filter = ["state", "format", "site"]
    list_select_related = ["site"]
    readonly_fields = [f.name for f in ImportRun._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ImportRun | None = None) -> bool:
        return False
