"""The base view and the helpers every endpoint uses to read input and write output."""

from datetime import datetime
from typing import Any

from rest_framework import serializers
from rest_framework.views import APIView

from comments.throttles import WriteIPThrottle, WriteReaderThrottle


class BaseAPI(APIView):
    throttle_classes = [WriteReaderThrottle, WriteIPThrottle]


def validated(serializer_class: type[serializers.Serializer], data: Any) -> dict:
    """The serializer's validated data, or the one error shape (400) for invalid input."""
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def iso(value: datetime | None) -> str | None:
    """A datetime as the API writes it: ISO 8601 in UTC with a Z."""
    return value.isoformat().replace("+00:00", "Z") if value else None
