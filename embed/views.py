"""The scripts a host page includes, served by Parley itself (no build step, no CDN needed)."""

from functools import cache
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

STATIC_DIR = Path(__file__).resolve().parent / "static" / "embed"


@cache
def _cached(name: str) -> bytes:
    return (STATIC_DIR / name).read_bytes()


def _script(name: str) -> HttpResponse:
    body = (STATIC_DIR / name).read_bytes() if settings.DEBUG else _cached(name)
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    # Public, credential-free code: loadable as a module script or by fetch from any page.
    response["Access-Control-Allow-Origin"] = "*"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_safe
def embed_script(request: HttpRequest) -> HttpResponse:
    return _script("embed.js")


@require_safe
def count_script(request: HttpRequest) -> HttpResponse:
    return _script("count.js")
