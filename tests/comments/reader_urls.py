"""Only the reader API, mounted where config.urls mounts it: the schema test's URL conf, so
warnings from other apps' endpoints do not mask (or fake) the reader API's own."""

from django.urls import include, path

urlpatterns = [path("api/v1/", include("comments.urls"))]
