"""Only the export endpoint, mounted where config.urls mounts it (for the schema test)."""

from django.urls import include, path

urlpatterns = [path("api/v1/moderation/", include("portability.urls"))]
