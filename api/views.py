"""The base view and the helpers every endpoint uses to read input and write output."""

from datetime import datetime
from typing import Any

from django.http import QueryDict
from rest_framework import serializers
from rest_framework.views import APIView

from comments.throttles import WriteIPThrottle, WriteReaderThrottle


class BaseAPI(APIView):
    throttle_classes = [WriteReaderThrottle, WriteIPThrottle]


def validated(serializer_class: type[serializers.Serializer], data: Any) -> dict:
    """The serializer's validated data, or the one error shape (400) for invalid input.

    A query or form parameter given empty (`?limit=`) is refused unless its field allows
    blank text: DRF would otherwise take it as absent and use the default."""
    serializer = serializer_class(data=data)
    if isinstance(data, QueryDict):
        blank = {
            name: ["This field may not be blank."]
            for name, field in serializer.fields.items()
            if not getattr(field, "allow_blank", False) and "" in data.getlist(name)
        }
        if blank:
            raise serializers.ValidationError(blank)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class StrictBooleanField(serializers.BooleanField):
    """A JSON boolean, as the schema says: true or false, not 0, 1, "yes" or "on"."""

    default_error_messages = {"invalid": "Must be true or false."}

    def to_internal_value(self, data: Any) -> bool:
        if isinstance(data, bool):
            return data
        self.fail("invalid", input=data)


def iso(value: datetime | None) -> str | None:
    """A datetime as the API writes it: ISO 8601 in UTC with a Z."""
    return value.isoformat().replace("+00:00", "Z") if value else None
