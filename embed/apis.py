"""Embed API: single sign-on exchange, lazy article registration, the embed's site settings."""

from drf_spectacular.utils import extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.schema import ERRORS
from api.views import validated
from comments.models import Commenter
from comments.selectors import site_get
from comments.services import body_max_chars
from comments.throttles import AuthThrottle, WriteIPThrottle
from reactions.selectors import site_reaction_kinds

from .errors import SiteTokenRefused
from .models import SiteEmbedConfig, SiteToken
from .services import (
    article_register_from_embed,
    guest_sign_in,
    site_token_revoke,
    sso_exchange,
)

ARTICLE_KEY_RE = r"^[^/\x00-\x1f\x7f]{1,200}$"


@extend_schema_serializer(component_name="SSOReader")
class ReaderOutSerializer(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    display_name = serializers.CharField()


@extend_schema_serializer(component_name="SSOToken")
class TokenOutSerializer(serializers.Serializer):
    """From {"token": the key, "expires_at", "reader": the commenter}."""

    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`.")
    expires_at = serializers.DateTimeField()
    reader = ReaderOutSerializer()


@extend_schema_serializer(component_name="EmbedSite")
class EmbedSiteSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


def _token_body(key: str, site_token: SiteToken, commenter: Commenter) -> dict:
    data = {"token": key, "expires_at": site_token.expires_at, "reader": commenter}
    return TokenOutSerializer(data).data


class SSOAPI(APIView):
    """The embed exchanges the host's signed reader token for a Parley token for this site."""

    authentication_classes: list = []
    throttle_classes = [AuthThrottle]

    @extend_schema_serializer(component_name="SSOExchangeInput")
    class InputSerializer(serializers.Serializer):
        token = serializers.CharField(max_length=4096, help_text="The host's HS256 JWT.")

    @extend_schema(
        operation_id="sso_exchange",
        request=InputSerializer,
        responses={200: TokenOutSerializer, **ERRORS},
        summary="Exchange a host-signed reader token (JWT) for a token valid on this site.",
        description=(
            "401 codes: `sso_token_invalid`, `sso_token_expired`, `sso_token_wrong_site`, "
            "`sso_token_replayed`, `sso_token_missing_claims`, `sso_token_too_long_lived`. "
            "403 `sso_not_configured` when the site has no SSO secret."
        ),
    )
    def post(self, request: Request, site: str) -> Response:
        data = validated(self.InputSerializer, request.data)
        site_obj = site_get(slug=site)
        key, site_token, commenter = sso_exchange(site=site_obj, token=data["token"])
        return Response(_token_body(key, site_token, commenter))


class GuestAPI(APIView):
    """A reader without a host account comments under a name (where the site allows it)."""

    authentication_classes: list = []
    throttle_classes = [AuthThrottle]

    @extend_schema_serializer(component_name="GuestSignInInput")
    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(min_length=2, max_length=60, help_text="Shown with comments.")

    @extend_schema(
        operation_id="guest_sign_in",
        request=InputSerializer,
        responses={200: TokenOutSerializer, **ERRORS},
        summary="Sign in as a guest; every guest comment is held for a moderator.",
        description="403 `guests_not_allowed` unless the site's embed settings allow guests.",
    )
    def post(self, request: Request, site: str) -> Response:
        data = validated(self.InputSerializer, request.data)
        site_obj = site_get(slug=site)
        key, site_token, commenter = guest_sign_in(site=site_obj, name=data["name"])
        return Response(_token_body(key, site_token, commenter))


class SignOutAPI(APIView):
    """The embed forgets its token on sign-out; the server forgets it too."""

    throttle_classes = [AuthThrottle]

    @extend_schema(operation_id="sso_sign_out", responses={204: None, **ERRORS})
    def delete(self, request: Request, site: str) -> Response:
        if not isinstance(request.auth, SiteToken):
            raise SiteTokenRefused("Send the site token to sign out.")
        _, _, key = request.headers.get("Authorization", "").partition(" ")
        site_token_revoke(key=key.strip())
        return Response(status=status.HTTP_204_NO_CONTENT)


class EmbedArticleAPI(APIView):
    """Register the article the embed is shown under, if its page is on an allowed origin."""

    authentication_classes: list = []
    throttle_classes = [WriteIPThrottle]

    @extend_schema_serializer(component_name="EmbedArticleInput")
    class InputSerializer(serializers.Serializer):
        key = serializers.RegexField(ARTICLE_KEY_RE, max_length=200)
        url = serializers.URLField(max_length=2000)
        title = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")

    @extend_schema_serializer(component_name="EmbedArticle")
    class OutputSerializer(serializers.Serializer):
        key = serializers.CharField()
        url = serializers.CharField()
        title = serializers.CharField()
        accepts_comments = serializers.BooleanField()  # Article.accepts_comments()

    @extend_schema(
        operation_id="embed_article_register",
        request=InputSerializer,
        responses={200: OutputSerializer, 201: OutputSerializer, **ERRORS},
        summary="Idempotent: 201 registered, 200 already known (left unchanged).",
        description=(
            "403 `origin_not_allowed` when the Origin header or the URL's origin is not in the "
            "site's allowed origins; 403 `lazy_articles_disabled` when the site turned it off."
        ),
    )
    def post(self, request: Request, site: str) -> Response:
        data = validated(self.InputSerializer, request.data)
        site_obj = site_get(slug=site)
        article, created = article_register_from_embed(
            site=site_obj,
            key=data["key"],
            url=data["url"],
            title=data["title"],
            request_origin=request.headers.get("Origin", ""),
        )
        return Response(
            self.OutputSerializer(article).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class EmbedSettingsAPI(APIView):
    """What the embed needs to know about a site before it renders."""

    authentication_classes: list = []

    @extend_schema_serializer(component_name="EmbedSettings")
    class OutputSerializer(serializers.Serializer):
        site = EmbedSiteSerializer()
        sso = serializers.BooleanField(help_text="Readers sign in through the host.")
        guests = serializers.BooleanField(help_text="Readers may comment as guests.")
        edit_window_seconds = serializers.IntegerField()
        allow_downvotes = serializers.BooleanField()
        max_body_chars = serializers.IntegerField(
            help_text="The longest comment the site takes, in characters."
        )
        reactions = serializers.ListField(
            child=inline_serializer(
                "EmbedReactionKind",
                fields={
                    "kind": serializers.CharField(),
                    "emoji": serializers.CharField(),
                    "label": serializers.CharField(),
                },
            ),
            help_text="Reactions the site offers beside the up-vote, in order; empty when off.",
        )

    @extend_schema(operation_id="embed_settings", responses={200: OutputSerializer, **ERRORS})
    def get(self, request: Request, site: str) -> Response:
        site_obj = site_get(slug=site)
        config = SiteEmbedConfig.objects.filter(site=site_obj).first()
        found = {
            "site": site_obj,
            "sso": bool(config and config.sso_enabled),
            "guests": bool(config and config.guests),
            "edit_window_seconds": site_obj.edit_window_seconds,
            "allow_downvotes": site_obj.allow_downvotes,
            "max_body_chars": body_max_chars(site_obj),
            "reactions": [k._asdict() for k in site_reaction_kinds(site_obj)],
        }
        return Response(self.OutputSerializer(found).data)
