"""One error shape for every 4xx: {"error": {"code", "message", "detail"}}."""

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions as drf_exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import set_rollback


class ParleyError(Exception):
    """Base of every domain error; the API maps it to HTTP through `exception_handler`."""

    status_code = 400
    code = "bad_request"
    message = "The request could not be processed."

    def __init__(self, message: str | None = None, *, code: str | None = None, **detail: Any):
        self.message = message or self.message
        self.code = code or self.code
        self.detail = detail
        super().__init__(self.message)


class NotFound(ParleyError):
    status_code = 404
    code = "not_found"
    message = "Not found."


class Forbidden(ParleyError):
    status_code = 403
    code = "forbidden"
    message = "You may not do that."


class Conflict(ParleyError):
    status_code = 409
    code = "conflict"


class InvalidInput(ParleyError):
    status_code = 400
    code = "invalid"


class NotAuthenticated(ParleyError):
    status_code = 401
    code = "not_authenticated"
    message = "Sign in to do that."


class UnknownClause(InvalidInput):
    """A clause id that the site's policy in force does not have (detail: `allowed`)."""

    code = "unknown_clause"
    message = "That clause is not part of this site's comment policy."


def error_body(code: str, message: str, detail: Any = None) -> dict:
    return {"error": {"code": code, "message": message, "detail": detail or {}}}


_DRF_CODES = {
    drf_exceptions.ParseError: "malformed_request",
    drf_exceptions.AuthenticationFailed: "authentication_failed",
    drf_exceptions.NotAuthenticated: "not_authenticated",
    drf_exceptions.PermissionDenied: "forbidden",
    drf_exceptions.NotFound: "not_found",
    drf_exceptions.MethodNotAllowed: "method_not_allowed",
    drf_exceptions.NotAcceptable: "not_acceptable",
    drf_exceptions.UnsupportedMediaType: "unsupported_media_type",
    drf_exceptions.Throttled: "rate_limited",
    drf_exceptions.ValidationError: "invalid",
}


class RequestTooLarge(ParleyError):
    status_code = 413
    code = "request_too_large"
    message = "The request body is too large."


def _render_as_json(context: dict) -> None:
    """An error is the JSON error body served as application/json, even to a client that
    asked a CSV or JSON-lines endpoint for its own type (DRF would label it with that type)."""
    request = context.get("request")
    if request is not None:
        request.accepted_renderer = JSONRenderer()
        request.accepted_media_type = JSONRenderer.media_type


def exception_handler(exc: Exception, context: dict) -> Response | None:
    response = _exception_response(exc)
    if response is not None:
        _render_as_json(context)
    return response


def _exception_response(exc: Exception) -> Response | None:
    if isinstance(exc, RequestDataTooBig):
        # Raised while DRF reads the body; otherwise it escapes as a logged security 400.
        exc = RequestTooLarge(max_bytes=settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    if isinstance(exc, ParleyError):
        set_rollback()
        return Response(error_body(exc.code, exc.message, exc.detail), status=exc.status_code)
    if isinstance(exc, Http404):
        exc = drf_exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf_exceptions.PermissionDenied()
    if not isinstance(exc, drf_exceptions.APIException):
        return None

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None) is not None:
        headers["Retry-After"] = str(int(exc.wait) + 1)

    code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), "error")
    if isinstance(exc, drf_exceptions.ValidationError):
        message = "The request has invalid fields."
        detail = {"fields": exc.detail} if isinstance(exc.detail, dict) else {"errors": exc.detail}
    else:
        message = str(exc.detail)
        detail = {}
    if isinstance(exc, drf_exceptions.Throttled) and exc.wait is not None:
        detail = {"retry_after": int(exc.wait) + 1}
    set_rollback()
    return Response(error_body(code, message, detail), status=exc.status_code, headers=headers)


def json_not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(error_body("not_found", "Not found."), status=404)


def json_server_error(request: HttpRequest) -> JsonResponse:
    return JsonResponse(error_body("server_error", "Something went wrong on our side."), status=500)


def json_bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(error_body("bad_request", "Bad request."), status=400)
