from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("comments.urls")),
    path("api/v1/", include("policy.urls")),
    path("", include("embed.urls")),
    path("api/v1/moderation/", include("moderation.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]

handler400 = "comments.errors.json_bad_request"
handler404 = "comments.errors.json_not_found"
handler500 = "comments.errors.json_server_error"
