"""The error body every 4xx has, as the OpenAPI schema documents it, and the usual sets of
error answers for `extend_schema(responses=...)`."""

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    error = inline_serializer(
        "ErrorBody",
        fields={
            "code": serializers.CharField(help_text="Stable machine-readable code."),
            "message": serializers.CharField(help_text="Human-readable explanation."),
            "detail": serializers.DictField(help_text="Context: fields, clause, limits."),
        },
    )


ERRORS = {code: ErrorSerializer for code in (400, 401, 403, 404, 409, 413, 414, 415, 429)}
# Writes that moderation decides may also be refused with a clause.
DECIDED_ERRORS = {**ERRORS, 422: ErrorSerializer}


def error(description: str) -> OpenApiResponse:
    """An error answer with the one error body and what it means for this endpoint (its codes)."""
    return OpenApiResponse(response=ErrorSerializer, description=description)


def errors(described: dict[int, str], base: dict | None = None) -> dict:
    """`base` (ERRORS by default) with the business-rule answers of one endpoint described:
    each status with its codes, in the one error body."""
    return {**(ERRORS if base is None else base), **{s: error(d) for s, d in described.items()}}
