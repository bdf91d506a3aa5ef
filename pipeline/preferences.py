"""The reader's notification preferences: GET and PUT /api/v1/me/preferences/."""

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from api.schema import ERRORS
from api.views import BaseAPI, StrictBooleanField, validated
from comments.readers import require_reader

from .models import NotificationPreference
from .notifications import preference_for, preference_set


@extend_schema_serializer(component_name="NotificationPreferences")
class PreferencesOut(serializers.Serializer):
    reply_emails = serializers.BooleanField(help_text="E-mail me when someone replies.")
    decision_emails = serializers.BooleanField(
        help_text="E-mail me when a comment that waited for review is published or rejected."
    )


def _body(pref: NotificationPreference) -> dict:
    return PreferencesOut(pref).data


class PreferencesAPI(BaseAPI):
    class PreferencesInputSerializer(serializers.Serializer):
        reply_emails = StrictBooleanField(required=False)
        decision_emails = StrictBooleanField(required=False)

    @extend_schema(operation_id="preferences_read", responses={200: PreferencesOut, **ERRORS})
    def get(self, request: Request) -> Response:
        return Response(_body(preference_for(require_reader(request))))

    @extend_schema(
        operation_id="preferences_update",
        request=PreferencesInputSerializer,
        responses={200: PreferencesOut, **ERRORS},
        summary="Turn notification e-mails on or off; fields left out keep their value.",
    )
    def put(self, request: Request) -> Response:
        reader = require_reader(request)
        data = validated(self.PreferencesInputSerializer, request.data)
        return Response(_body(preference_set(commenter=reader, **data)))
