from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("comments.urls")),
    path("api/v1/", include("policy.urls")),
    path("", include("embed.urls")),
    path("api/v1/moderation/", include("moderation.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script for the CSP.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
]

handler400 = "comments.errors.json_bad_request"
handler404 = "comments.errors.json_not_found"
handler500 = "comments.errors.json_server_error"
