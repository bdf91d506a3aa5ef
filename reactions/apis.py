"""Reactions over the reader API: set or clear one's reaction; read a page's reactions."""

from drf_spectacular.utils import (
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from api.schema import ERRORS, errors
from api.views import BaseAPI, validated
from comments.ids import parse_id
from comments.readers import require_reader, viewer_of
from comments.selectors import site_get

from .kinds import KINDS
from .selectors import reactions_for, site_reaction_kinds
from .services import reaction_clear, reaction_set

MAX_COMMENTS = 200

_STATE = inline_serializer(
    "ReactionState",
    fields={
        "counts": serializers.DictField(
            child=serializers.IntegerField(), help_text="Readers per reaction kind."
        ),
        "yours": serializers.CharField(
            allow_null=True, help_text="The signed-in reader's reaction, or null."
        ),
    },
)

_KIND = inline_serializer(
    "ReactionKind",
    fields={
        "kind": serializers.CharField(),
        "emoji": serializers.CharField(),
        "label": serializers.CharField(),
    },
)


@extend_schema_field({"type": "string", "example": "12,13,20"})
class _CommentIds(serializers.Field):
    """`?comments=12,13,20`: up to MAX_COMMENTS comment ids."""

    default_error_messages = {
        "invalid": "A comma-separated list of comment ids.",
        "too_many": f"At most {MAX_COMMENTS} comments at a time.",
    }

    def to_internal_value(self, data: object) -> list[int]:
        if not isinstance(data, str):
            self.fail("invalid")
        parts = [p.strip() for p in data.split(",") if p.strip()]
        ids = [i for i in map(parse_id, parts) if i is not None]
        if not parts or len(ids) != len(parts):
            self.fail("invalid")
        if len(ids) > MAX_COMMENTS:
            self.fail("too_many")
        return ids

    def to_representation(self, value: list[int]) -> str:
        return ",".join(map(str, value))


class SiteReactionsAPI(BaseAPI):
    @extend_schema_serializer(component_name="ReactionsQuery")
    class Params(serializers.Serializer):
        comments = _CommentIds(help_text=f"Comment ids, comma-separated (at most {MAX_COMMENTS}).")

    class OutputSerializer(serializers.Serializer):
        kinds = serializers.ListField(child=_KIND, help_text="What the site offers, in order.")
        comments = serializers.DictField(
            child=_STATE,
            help_text="By comment id; comments nobody reacted to (and that are not published "
            "on this site) are left out.",
        )

    @extend_schema(
        operation_id="reactions_read",
        parameters=[Params],
        responses={200: OutputSerializer, **ERRORS},
        summary="The reactions to a page of comments (sites that turned reactions on).",
    )
    def get(self, request: Request, site: str) -> Response:
        params = validated(self.Params, request.query_params)
        site_obj = site_get(slug=site)
        viewer = viewer_of(request)
        kinds = site_reaction_kinds(site_obj)
        found = (
            reactions_for(site=site_obj, comment_ids=params["comments"], viewer=viewer)
            if kinds
            else {}
        )
        response = Response(
            {
                "kinds": [k._asdict() for k in kinds],
                "comments": {str(cid): state for cid, state in found.items()},
            }
        )
        # Counts are shared; "yours" is the reader's own.
        response["Cache-Control"] = "private, no-cache" if viewer else "public, max-age=10"
        response["Vary"] = "Authorization, Cookie"
        return response


class ReactionAPI(BaseAPI):
    @extend_schema_serializer(component_name="Reaction")
    class InputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=list(KINDS))

    @extend_schema(
        operation_id="reaction_set",
        request=InputSerializer,
        responses={
            200: _STATE,
            **errors(
                {
                    400: "`invalid`, `invalid_reaction`: the site does not offer that kind.",
                    403: "`reactions_off`: the site has not turned reactions on; `own_comment`.",
                    404: "`comment_not_found`: no published comment with that id.",
                }
            ),
        },
        summary="React to a comment (one reaction per reader; a new one replaces the old).",
    )
    def put(self, request: Request, comment_id: int) -> Response:
        reader = require_reader(request)
        data = validated(self.InputSerializer, request.data)
        return Response(reaction_set(comment_id=comment_id, reactor=reader, kind=data["kind"]))

    @extend_schema(operation_id="reaction_clear", responses={200: _STATE, **ERRORS}, request=None)
    def delete(self, request: Request, comment_id: int) -> Response:
        reader = require_reader(request)
        return Response(reaction_clear(comment_id=comment_id, reactor=reader))
