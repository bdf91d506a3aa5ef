from django.contrib import admin
from django.http import HttpRequest, JsonResponse
from django.urls import Resolver404, include, path, re_path, resolve
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from comments.errors import error_body
from demo.views import landing


@csrf_exempt
def api_not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    """Any other URL under /api/, whatever the method: the API's JSON 404, never Django's HTML
    page (which DEBUG would show instead of handler404). A path that only lacks its trailing
    slash says so, since the catch-all keeps APPEND_SLASH from redirecting."""
    detail = {}
    if not request.path.endswith("/"):
        try:
            match = resolve(request.path + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not api_not_found:
            detail = {"did_you_mean": request.path + "/"}
    return JsonResponse(error_body("not_found", "No such API endpoint.", detail), status=404)


urlpatterns = [
    path("admin/", admin.site.urls),
    # Health and metrics for load balancers and Prometheus (docs/operating.md): before the
    # embed's and the landing page's routes.
    path("", include("ops.urls")),
    path("api/v1/", include("comments.urls")),
    path("api/v1/", include("policy.urls")),
    path("api/v1/", include("pipeline.urls")),
    path("api/v1/", include("reactions.urls")),
    path("", include("embed.urls")),
    path("api/v1/moderation/", include("moderation.urls")),
    path("api/v1/moderation/", include("portability.urls")),
    path("api/v1/", include("accountability.urls")),
    path("api/v1/moderation/", include("accountability.moderation_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script for the CSP.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("", landing, name="landing"),
    # Last: whatever no pattern above matched under /api/ answers in the API's error shape.
    re_path(r"^api/(?P<rest>.*)$", api_not_found),
]

handler400 = "comments.errors.json_bad_request"
handler404 = "comments.errors.json_not_found"
handler500 = "comments.errors.json_server_error"
