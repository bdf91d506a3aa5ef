"""The reader API (v1): parse, call a selector or service, render. No logic lives here."""

import ipaddress
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.validators import MaxLengthValidator
from django.http import HttpResponse
from django.utils.cache import patch_vary_headers
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.schema import DECIDED_ERRORS, ERRORS, errors
from api.views import BaseAPI, StrictBooleanField, validated

from .errors import Forbidden, NotAuthenticated, ParleyError, error_body
from .models import Comment, Commenter, CommentStatus
from .pagecache import (
    PRIVATE,
    counts_body,
    etag_of,
    private_response,
    public_response,
    reader_page,
    thread_body,
)
from .readers import require_reader, viewer_of
from .representation import render_json, represent, represent_page
from .selectors import (
    SORTS,
    article_get,
    articles_with_versions,
    comment_access,
    published_counts,
    replies_page,
    site_get,
    thread_page,
    vote_of,
)
from .services import (
    article_upsert,
    check_body_length,
    comment_create,
    comment_delete,
    comment_edit,
    commenter_for_user,
    vote_clear,
    vote_set,
)
from .throttles import AuthThrottle, WriteIPThrottle

# Documentation-only shapes: the hot path renders plain dicts (see `represent`).


class AuthorSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="Stable opaque author id.")
    display_name = serializers.CharField()
    avatar_url = serializers.CharField(
        help_text="A picture of the author (from single sign-on), or empty."
    )


class ModerationSerializer(serializers.Serializer):
    clause_id = serializers.CharField()
    clause_title = serializers.CharField()
    reason = serializers.CharField()


class CommentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    parent = serializers.IntegerField(allow_null=True)
    author = AuthorSerializer(allow_null=True, help_text="Null for a deleted comment.")
    html = serializers.CharField(help_text="Sanitised HTML, safe to insert.")
    deleted = serializers.BooleanField(help_text="A tombstone kept for its replies.")
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    score = serializers.IntegerField()
    reply_count = serializers.IntegerField(help_text="Published direct replies.")
    featured = serializers.BooleanField()
    replies = serializers.ListField(
        child=serializers.DictField(), help_text="Nested comments of this same shape."
    )
    your_vote = serializers.IntegerField(
        required=False, help_text="Signed-in callers only: 1, -1, or 0 for no vote."
    )
    body = serializers.CharField(
        required=False, help_text="Only on the caller's own: the text as written, for editing."
    )
    status = serializers.ChoiceField(
        choices=CommentStatus.choices, required=False, help_text="Only on the caller's own."
    )
    moderation = ModerationSerializer(
        required=False, allow_null=True, help_text="Only on the caller's own: the clause applied."
    )


class CommentPageSerializer(serializers.Serializer):
    results = CommentOutputSerializer(many=True)
    next_cursor = serializers.CharField(allow_null=True)


# HTTP caching of the anonymous pages (comments.pagecache; docs/api.md, *Caching*).
CONDITIONAL_PARAMETERS = [
    OpenApiParameter(
        "If-None-Match",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        description="An `ETag` from an earlier answer: 304 without a body if it still holds.",
    )
]
NOT_MODIFIED = OpenApiResponse(
    description="Not modified: the `ETag` sent in `If-None-Match` still holds. No body."
)
CACHING_DESCRIPTION = (
    "Every answer carries a strong `ETag`. Anonymous answers are `Cache-Control: public` "
    "(max-age, s-maxage and stale-while-revalidate set per site) and name their site and "
    "articles in `Surrogate-Key` (space-separated) and `Cache-Tag` (comma-separated), e.g. "
    "`parley-site-3 parley-article-42`; signed-in answers are `Cache-Control: private, "
    "no-cache`. See docs/api.md, Caching."
)


class PageParams(serializers.Serializer):
    cursor = serializers.CharField(required=False, max_length=500)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=100)


class ThreadParams(PageParams):
    sort = serializers.ChoiceField(choices=SORTS, required=False, default="oldest")


def _params(serializer_class, request: Request) -> dict:
    data = validated(serializer_class, request.query_params)
    data.setdefault("limit", settings.PARLEY_PAGE_SIZE)
    return data


class _BodyLength(MaxLengthValidator):
    """The API's limit on a body as sent (the schema's maxLength, read from the setting when
    checked), refused as a site's lower limit is: 400 `body_too_long` with the limit."""

    def __init__(self) -> None:
        super().__init__(lambda: settings.PARLEY_BODY_MAX_CHARS)

    def __call__(self, value: str) -> None:
        check_body_length(value, settings.PARLEY_BODY_MAX_CHARS)


class BodyField(serializers.CharField):
    """A comment body: at most PARLEY_BODY_MAX_CHARS characters (code points, so an emoji
    outside the Basic Multilingual Plane counts as one), whitespace kept as sent."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            allow_blank=True, trim_whitespace=False, validators=[_BodyLength()], **kwargs
        )


class ThreadAPI(BaseAPI):
    # Each view's nested InputSerializer needs its own component name in the schema.
    @extend_schema_serializer(component_name="CommentCreate")
    class InputSerializer(serializers.Serializer):
        body = BodyField()
        parent = serializers.IntegerField(
            required=False, allow_null=True, min_value=1, max_value=2**63 - 1
        )

    @extend_schema(
        operation_id="thread_read",
        parameters=[ThreadParams, *CONDITIONAL_PARAMETERS],
        responses={200: CommentPageSerializer, 304: NOT_MODIFIED, **ERRORS},
        summary="A page of top-level comments with their replies nested.",
        description=CACHING_DESCRIPTION,
    )
    def get(self, request: Request, site: str, key: str) -> HttpResponse:
        params = _params(ThreadParams, request)
        # The version is read here, before any of the page's rows (comments.pagecache).
        article = article_get(site_slug=site, key=key)
        viewer = viewer_of(request)
        sort, cursor, limit = params["sort"], params.get("cursor"), params["limit"]

        def render_shared() -> bytes:
            page = thread_page(article=article, viewer=None, sort=sort, cursor=cursor, limit=limit)
            return render_json(represent_page(page, None))

        shared = thread_body(
            article=article, sort=sort, cursor=cursor, limit=limit, render=render_shared
        )
        if viewer is None:
            return public_response(request, shared, site=article.site, article_ids=(article.pk,))
        merged = reader_page(
            shared=shared, article=article, viewer=viewer, sort=sort, cursor=cursor, limit=limit
        )
        if merged is not None:
            return private_response(
                request, etag=merged.etag, build=merged.build, shared_hit=shared.hit
            )
        page = thread_page(article=article, viewer=viewer, sort=sort, cursor=cursor, limit=limit)
        content = render_json(represent_page(page, viewer.pk))
        return private_response(
            request, etag=etag_of(content), build=lambda: content, shared_hit=shared.hit
        )

    @extend_schema(
        operation_id="comment_create",
        request=InputSerializer,
        responses={
            201: CommentOutputSerializer,
            202: CommentOutputSerializer,
            **errors(
                {
                    400: "`invalid` (fields), `body_too_long` (detail: the limit), "
                    "`empty_body`, `invalid_parent`, `parent_not_published`.",
                    401: "`not_authenticated`: sign in first.",
                    403: "`article_closed`: the article takes no more comments.",
                    404: "`site_not_found`, `article_not_found`.",
                    422: "`policy_rejected`: the policy refuses the text; detail names the "
                    "clause (id and title).",
                },
                base=DECIDED_ERRORS,
            ),
        },
        summary="Post a comment (201 published, 202 waiting for moderation).",
        description=(
            "Rejected comments answer 422 with code `policy_rejected` and the clause applied."
        ),
    )
    def post(self, request: Request, site: str, key: str) -> Response:
        reader = require_reader(request)
        data = validated(self.InputSerializer, request.data)
        article = article_get(site_slug=site, key=key)
        comment = comment_create(
            article=article,
            author=reader,
            body=data["body"],
            parent_id=data.get("parent"),
            user_ip=client_ip(request),
            user_agent=request.headers.get("User-Agent", ""),
        )
        return _decision_response(comment, reader)


def client_ip(request: Request) -> str | None:
    """The client's address as the rate limits see it (honouring NUM_PROXIES), if it is one."""
    ident = WriteIPThrottle().get_ident(request)
    if not ident:  # a WSGI server that sets no REMOTE_ADDR
        return None
    try:
        return str(ipaddress.ip_address(ident.strip()))
    except ValueError:
        return None


class PolicyRejected(ParleyError):
    status_code = 422
    code = "policy_rejected"


def _private(response: Response) -> Response:
    """A response computed for one signed-in reader: never kept by a shared cache."""
    response["Cache-Control"] = PRIVATE
    patch_vary_headers(response, ("Authorization", "Cookie"))
    return response


def _decision_response(comment: Comment, reader: Commenter) -> Response:
    return _private(_decision(comment, reader))


def _decision(comment: Comment, reader: Commenter) -> Response:
    body = represent(comment, reader.pk)
    if comment.status == CommentStatus.PUBLISHED:
        return Response(body, status=status.HTTP_201_CREATED)
    if comment.status == CommentStatus.REJECTED:
        # Stored (the author can see it and its reason) but refused: say which clause.
        error = PolicyRejected(
            comment.moderation_reason
            or f"This comment breaks the policy: {comment.moderation_clause_title}.",
            comment=body,
            clause={
                "id": comment.moderation_clause_id,
                "title": comment.moderation_clause_title,
            },
        )
        # Answered, not raised: the rejected comment is stored, so nothing may roll back.
        return Response(
            error_body(error.code, error.message, error.detail), status=error.status_code
        )
    return Response(body, status=status.HTTP_202_ACCEPTED)


class CommentAPI(BaseAPI):
    @extend_schema_serializer(component_name="CommentEdit")
    class EditSerializer(serializers.Serializer):
        body = BodyField()

    @extend_schema(operation_id="comment_read", responses={200: CommentOutputSerializer, **ERRORS})
    def get(self, request: Request, comment_id: int) -> Response:
        viewer = viewer_of(request)
        comment = comment_access(comment_id=comment_id, viewer=viewer)
        if viewer is None:
            return Response(represent(comment, None))
        comment.your_vote = vote_of(comment=comment, voter=viewer)
        # The author's own held or rejected comment, or any reader's vote on it: theirs only.
        return _private(Response(represent(comment, viewer.pk)))

    @extend_schema(
        operation_id="comment_edit",
        request=EditSerializer,
        responses={
            200: CommentOutputSerializer,
            202: CommentOutputSerializer,
            **errors(
                {
                    400: "`invalid` (fields), `body_too_long`, `empty_body`.",
                    403: "`not_author`; `edit_window_closed`: the edit window has passed.",
                    409: "`not_editable`: the comment's status allows no edit.",
                    422: "`policy_rejected`: the policy refuses the new text; detail names the "
                    "clause (id and title).",
                },
                base=DECIDED_ERRORS,
            ),
        },
        summary="The author edits within the edit window; the edit is moderated again.",
    )
    def patch(self, request: Request, comment_id: int) -> Response:
        reader = require_reader(request)
        data = validated(self.EditSerializer, request.data)
        comment_access(comment_id=comment_id, viewer=reader)
        comment = comment_edit(comment_id=comment_id, editor=reader, body=data["body"])
        response = _decision_response(comment, reader)
        if response.status_code == status.HTTP_201_CREATED:
            response.status_code = status.HTTP_200_OK
        return response

    @extend_schema(operation_id="comment_delete", responses={204: None, **ERRORS})
    def delete(self, request: Request, comment_id: int) -> Response:
        reader = require_reader(request)
        comment_access(comment_id=comment_id, viewer=reader)
        comment_delete(comment_id=comment_id, by=reader)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RepliesAPI(BaseAPI):
    @extend_schema(
        operation_id="replies_read",
        parameters=[PageParams],
        responses={200: CommentPageSerializer, **ERRORS},
    )
    def get(self, request: Request, comment_id: int) -> Response:
        params = _params(PageParams, request)
        viewer = viewer_of(request)
        comment = comment_access(comment_id=comment_id, viewer=viewer)
        page = replies_page(
            comment=comment, viewer=viewer, cursor=params.get("cursor"), limit=params["limit"]
        )
        if viewer is None:
            return Response(represent_page(page, None))
        return _private(Response(represent_page(page, viewer.pk)))


class VoteAPI(BaseAPI):
    # Each view's nested InputSerializer needs its own component name in the schema.
    @extend_schema_serializer(component_name="Vote")
    class InputSerializer(serializers.Serializer):
        value = serializers.ChoiceField(choices=[1, -1], required=False, default=1)

    vote_out = inline_serializer(
        "VoteResult",
        fields={
            "score": serializers.IntegerField(),
            "upvotes": serializers.IntegerField(),
            "downvotes": serializers.IntegerField(),
            "your_vote": serializers.IntegerField(),
        },
    )

    @extend_schema(
        operation_id="vote_set", request=InputSerializer, responses={200: vote_out, **ERRORS}
    )
    def put(self, request: Request, comment_id: int) -> Response:
        reader = require_reader(request)
        data = validated(self.InputSerializer, request.data)
        comment_access(comment_id=comment_id, viewer=reader)
        comment = vote_set(comment_id=comment_id, voter=reader, value=data["value"])
        return Response(_vote_body(comment, data["value"]))

    @extend_schema(operation_id="vote_clear", responses={200: vote_out, **ERRORS})
    def delete(self, request: Request, comment_id: int) -> Response:
        reader = require_reader(request)
        comment_access(comment_id=comment_id, viewer=reader)
        comment = vote_clear(comment_id=comment_id, voter=reader)
        return Response(_vote_body(comment, 0))


def _vote_body(comment: Comment, your_vote: int) -> dict:
    return {
        "score": comment.score,
        "upvotes": comment.upvotes,
        "downvotes": comment.downvotes,
        "your_vote": your_vote,
    }


class CountsAPI(BaseAPI):
    class Params(serializers.Serializer):
        article = serializers.ListField(
            child=serializers.CharField(max_length=200), min_length=1, max_length=200
        )

    @extend_schema(
        operation_id="comment_counts",
        parameters=[
            OpenApiParameter(
                "article",
                OpenApiTypes.STR,
                many=True,
                required=True,
                description="An article key; repeat for many (at most 200).",
            ),
            *CONDITIONAL_PARAMETERS,
        ],
        responses={
            200: inline_serializer(
                "Counts", fields={"counts": serializers.DictField(child=serializers.IntegerField())}
            ),
            304: NOT_MODIFIED,
            **ERRORS,
        },
        description=CACHING_DESCRIPTION,
    )
    def get(self, request: Request, site: str) -> HttpResponse:
        params = validated(self.Params, {"article": request.query_params.getlist("article")})
        keys = params["article"]
        # The versions are read here, before the counts (comments.pagecache).
        site_obj, articles = articles_with_versions(site_slug=site, keys=keys)

        def render() -> bytes:
            if not articles:
                return render_json({"counts": dict.fromkeys(keys, 0)})
            return render_json({"counts": published_counts(site=site_obj, keys=keys)})

        body = counts_body(site=site_obj, keys=keys, articles=articles, render=render)
        return public_response(request, body, site=site_obj, article_ids=[a.pk for a in articles])


class SiteKeyRequired(NotAuthenticated):
    code = "site_key_required"
    message = "Send the site's API key: `Authorization: SiteKey <key>`."


class ArticleAPI(BaseAPI):
    """The host's server registers or updates an article with `Authorization: SiteKey <key>`."""

    authentication_classes: list = []

    # Each view's nested InputSerializer needs its own component name in the schema.
    @extend_schema_serializer(component_name="ArticleUpsert")
    class InputSerializer(serializers.Serializer):
        url = serializers.URLField(max_length=2000, required=False, allow_blank=True)
        title = serializers.CharField(max_length=300, required=False, allow_blank=True)
        published_at = serializers.DateTimeField(required=False, allow_null=True)
        is_open = StrictBooleanField(required=False)
        closes_at = serializers.DateTimeField(required=False, allow_null=True)
        premoderated = StrictBooleanField(required=False)

    @extend_schema_serializer(component_name="Article")
    class OutputSerializer(serializers.Serializer):
        key = serializers.CharField()
        url = serializers.CharField()
        title = serializers.CharField()
        published_at = serializers.DateTimeField(allow_null=True)
        is_open = serializers.BooleanField()
        closes_at = serializers.DateTimeField(allow_null=True)
        premoderated = serializers.BooleanField()
        accepts_comments = serializers.BooleanField()  # Article.accepts_comments()

    @extend_schema(
        operation_id="article_upsert",
        request=InputSerializer,
        responses={
            200: OutputSerializer,
            201: OutputSerializer,
            **errors(
                {
                    401: "`site_key_required`: no `Authorization: SiteKey <key>` header.",
                    403: "`invalid_site_key`: a SiteKey that is not the site's key.",
                }
            ),
        },
        parameters=[
            OpenApiParameter(
                "Authorization",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=True,
                description="`SiteKey <the site's API key>`",
            )
        ],
    )
    def put(self, request: Request, site: str, key: str) -> Response:
        site_obj = site_get(slug=site)
        scheme, _, api_key = request.headers.get("Authorization", "").partition(" ")
        if scheme != "SiteKey":
            raise SiteKeyRequired()
        if not site_obj.check_api_key(api_key.strip()):
            raise Forbidden("A valid site API key is required.", code="invalid_site_key")
        data = validated(self.InputSerializer, request.data)
        article, created = article_upsert(site=site_obj, key=key, **data)
        return Response(
            self.OutputSerializer(article).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class TokenAPI(APIView):
    """A standalone reader exchanges username and password for an API token."""

    authentication_classes: list = []
    throttle_classes = [AuthThrottle]

    # Each view's nested InputSerializer needs its own component name in the schema.
    @extend_schema_serializer(component_name="TokenCreate")
    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=512, trim_whitespace=False)

    @extend_schema(
        operation_id="auth_token",
        request=InputSerializer,
        responses={
            200: inline_serializer("TokenOut", fields={"token": serializers.CharField()}),
            **ERRORS,
        },
    )
    def post(self, request: Request) -> Response:
        data = validated(self.InputSerializer, request.data)
        # The Django request, not DRF's wrapper: django-axes marks a locked-out sign-in on
        # it for its middleware to answer 429 (staff accounts only; security.lockout).
        user = authenticate(request._request, username=data["username"], password=data["password"])
        if user is None:
            raise NotAuthenticatedCredentials()
        commenter_for_user(user)
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class NotAuthenticatedCredentials(ParleyError):
    status_code = 401
    code = "invalid_credentials"
    message = "Unknown username or wrong password."


class ApiRootAPI(APIView):
    """Where to start: the documentation and the schema."""

    authentication_classes: list = []

    @extend_schema(
        operation_id="api_root",
        responses={
            200: inline_serializer(
                "ApiRoot",
                fields={
                    "name": serializers.CharField(),
                    "version": serializers.CharField(),
                    "docs": serializers.CharField(),
                    "schema": serializers.CharField(),
                },
            )
        },
    )
    def get(self, request: Request) -> Response:
        return Response(
            {
                "name": "Parley",
                "version": "v1",
                "docs": request.build_absolute_uri("/api/docs/"),
                "schema": request.build_absolute_uri("/api/schema/"),
            }
        )
