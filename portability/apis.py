"""The moderation API's export: a site's comments, articles and commenters, streamed.

GET /api/v1/moderation/sites/{site}/export/ answers Parley's export format (JSON lines,
docs/migrating.md) as it is read, a chunk of rows at a time, so a site of a million comments
costs no more memory than one of ten. The same access as the other moderation endpoints:
401 anonymous, 403 not a moderator of the site, 404 (to moderators) for no such site.
"""

import json
from typing import Any

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request

from moderation.access import access_site_for_moderation
from moderation.apis import MODERATION_ERRORS, ModerationAPI

from .selectors import export_lines

CONTENT_TYPE = "application/x-ndjson; charset=utf-8"


class JSONLinesRenderer(BaseRenderer):
    """Lets a client ask for `Accept: application/x-ndjson`; an error is still the usual JSON
    error body, served as application/json (comments.errors.exception_handler)."""

    media_type = "application/x-ndjson"
    format = "jsonl"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context=None):
        return json.dumps(data).encode() + b"\n"


class ExportAPI(ModerationAPI):
    renderer_classes = [JSONRenderer, JSONLinesRenderer]

    @extend_schema(
        operation_id="moderation_export",
        responses={
            (200, "application/x-ndjson"): OpenApiResponse(
                OpenApiTypes.STR,
                description="Parley's export format, version 1: one JSON object per line, "
                "a header first and an `end` line last (docs/migrating.md).",
            ),
            **MODERATION_ERRORS,
        },
        summary="Export the site's articles, commenters and comments (streamed JSON lines).",
    )
    def get(self, request: Request, site: str) -> StreamingHttpResponse:
        site_obj = access_site_for_moderation(request.user, site)
        response = StreamingHttpResponse(export_lines(site=site_obj), content_type=CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{site_obj.slug}-comments.jsonl"'
        response["Cache-Control"] = "no-store"
        return response
