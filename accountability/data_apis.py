"""Readers' data rights through the API: the reader's own copy and erasure, and the same for
a host site's single sign-on readers with the site's API key."""

from __future__ import annotations

import json

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from api.schema import errors
from api.views import BaseAPI, StrictBooleanField, validated
from comments.errors import Forbidden, InvalidInput, NotAuthenticated, NotFound
from comments.models import Commenter, Site
from comments.readers import require_reader
from comments.selectors import site_get
from embed.models import SSOIdentity

from .data_rights import ErasureResult, is_erased, reader_data, reader_erase
from .models import Erasure

JSON_FILE = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description="A JSON file (Content-Disposition: attachment): profile, comments with their "
    "statuses and reasons, votes, reactions, reports, appeals, notices, standings, e-mails "
    "sent, e-mail preferences, single sign-on identities (docs/accountability.md).",
)


@extend_schema_serializer(component_name="ErasureInput")
class ErasureInputSerializer(serializers.Serializer):
    confirm = StrictBooleanField(help_text="Must be true: erasure cannot be undone.")


@extend_schema_serializer(component_name="ErasureResult")
class ErasureResultSerializer(serializers.Serializer):
    erased = serializers.BooleanField()
    comments_removed = serializers.IntegerField()
    comments_anonymised = serializers.IntegerField()
    votes = serializers.IntegerField()
    reports = serializers.IntegerField()


def _file(commenter: Commenter) -> HttpResponse:
    body = json.dumps(reader_data(commenter), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="parley-{commenter.public_id}.json"'
    return response


def _erase(commenter: Commenter, *, via: str, site: Site | None = None) -> Response:
    result: ErasureResult = reader_erase(commenter=commenter, via=via, site=site)
    return Response(ErasureResultSerializer({"erased": True, **result.__dict__}).data)


def _confirmed(request: Request) -> None:
    if not validated(ErasureInputSerializer, request.data)["confirm"]:
        raise InvalidInput("Confirm the erasure with `confirm: true`.", code="confirm_required")


class MyDataAPI(BaseAPI):
    @extend_schema(
        operation_id="my_data",
        responses={200: JSON_FILE, **errors({})},
        summary="A copy of everything Parley holds about the signed-in reader (GDPR Art. 15).",
    )
    def get(self, request: Request) -> HttpResponse:
        return _file(require_reader(request))


class MyErasureAPI(BaseAPI):
    @extend_schema(
        operation_id="my_erasure",
        request=ErasureInputSerializer,
        responses={
            200: ErasureResultSerializer,
            **errors({400: "`invalid`, `confirm_required`: send `confirm: true`."}),
        },
        summary="Delete the signed-in reader's account (GDPR Art. 17). Their comments are "
        "removed or kept anonymised, as each site chose; replies keep their place.",
    )
    def post(self, request: Request) -> Response:
        reader = require_reader(request)
        _confirmed(request)
        return _erase(reader, via=Erasure.Via.READER)


SITE_KEY = OpenApiParameter(
    "Authorization",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="`SiteKey <the site's API key>`",
)
SITE_ERRORS = {
    401: "`site_key_required`: no `Authorization: SiteKey <key>` header.",
    403: "`invalid_site_key`.",
    404: "`site_not_found`, `reader_not_found` (no single sign-on reader with that id).",
}


class SiteReaderAPI(BaseAPI):
    """Host sites act for their single sign-on readers with the site's API key."""

    authentication_classes: list = []

    def reader(self, request: Request, site: str, external_id: str) -> tuple[Site, Commenter]:
        site_obj = site_get(slug=site)
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        if scheme != "SiteKey":
            raise NotAuthenticated(
                "Send the site's API key: `Authorization: SiteKey <key>`.",
                code="site_key_required",
            )
        if not site_obj.check_api_key(key.strip()):
            raise Forbidden("A valid site API key is required.", code="invalid_site_key")
        if len(external_id) > 255 or not external_id.isprintable():
            # No host signs a reader in with such an id; PostgreSQL refuses a NUL in a query.
            raise NotFound("No such reader on this site.", code="reader_not_found")
        identity = (
            SSOIdentity.objects.select_related("commenter__user")
            .filter(site=site_obj, external_id=external_id)
            .first()
        )
        if identity is None or is_erased(identity.commenter):
            raise NotFound("No such reader on this site.", code="reader_not_found")
        return site_obj, identity.commenter


class SiteReaderDataAPI(SiteReaderAPI):
    @extend_schema(
        operation_id="site_reader_data",
        parameters=[SITE_KEY],
        responses={200: JSON_FILE, **errors(SITE_ERRORS)},
        summary="A copy of everything Parley holds about one of the site's SSO readers.",
    )
    def get(self, request: Request, site: str, external_id: str) -> HttpResponse:
        _, commenter = self.reader(request, site, external_id)
        return _file(commenter)


class SiteReaderErasureAPI(SiteReaderAPI):
    @extend_schema(
        operation_id="site_reader_erasure",
        parameters=[SITE_KEY],
        request=ErasureInputSerializer,
        responses={
            200: ErasureResultSerializer,
            **errors({**SITE_ERRORS, 400: "`invalid`, `confirm_required`."}),
        },
        summary="Delete one of the site's SSO readers' account, as the reader could.",
    )
    def post(self, request: Request, site: str, external_id: str) -> Response:
        site_obj, commenter = self.reader(request, site, external_id)
        _confirmed(request)
        return _erase(commenter, via=Erasure.Via.SITE, site=site_obj)
