"""Only the accountability API, mounted where config.urls mounts it (for the schema test)."""

from django.urls import include, path

urlpatterns = [
    path("api/v1/", include("accountability.urls")),
    path("api/v1/moderation/", include("accountability.moderation_urls")),
]
