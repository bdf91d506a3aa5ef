"""CORS by site: an origin is allowed exactly on the API paths of the sites that list it.

django-cors-headers asks `check_request_enabled` receivers whenever an origin is not in
CORS_ALLOWED_ORIGINS (which stays empty). The decision needs the path's site:

- `/api/v1/sites/<slug>/…`: the site's `allowed_origins`.
- `/api/v1/comments/<id>/…`: the `allowed_origins` of the comment's site, so an origin
  allowed for site A cannot vote, edit or report on site B's comments from a browser.
- anything else (`/api/v1/auth/token/`, the schema, the admin): no origin at all.
"""

import re

from django.http import HttpRequest

from comments.models import Comment, Site
from comments.origins import origin_allowed

_SITE_PATH = re.compile(r"^/api/v1/sites/(?P<slug>[-a-zA-Z0-9_]{1,50})/")
_COMMENT_PATH = re.compile(r"^/api/v1/comments/(?P<id>[0-9]{1,18})/")


def origins_for_path(path: str) -> list[str] | None:
    """The origins allowed on `path`, or None when the path belongs to no site."""
    found: object
    if match := _SITE_PATH.match(path):
        found = (
            Site.objects.filter(slug=match["slug"])
            .values_list("allowed_origins", flat=True)
            .first()
        )
    elif match := _COMMENT_PATH.match(path):
        found = (
            Comment.objects.filter(pk=int(match["id"]))
            .values_list("site__allowed_origins", flat=True)
            .first()
        )
    else:
        return None
    return found if isinstance(found, list) else []


def cors_allow_site_origin(sender: object, request: HttpRequest, **kwargs: object) -> bool:
    """The receiver for corsheaders.signals.check_request_enabled."""
    origin = request.headers.get("origin")
    if not origin or not request.path_info.startswith("/api/"):
        return False
    cached = getattr(request, "_parley_cors_allowed", None)
    if cached is not None:
        return cached
    origins = origins_for_path(request.path_info)
    allowed = origins is not None and origin_allowed(origins, origin)
    setattr(request, "_parley_cors_allowed", allowed)  # noqa: B010 - memo for this request
    return allowed
