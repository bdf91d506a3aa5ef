"""The policy API: the document readers read, and a dry run of the engine on a draft."""

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.schema import ERRORS
from api.views import validated
from comments.apis import BodyField
from comments.models import Article, Comment
from comments.readers import require_reader, viewer_of
from comments.selectors import site_get
from comments.throttles import WriteIPThrottle

from .documents import render_policy_text
from .engine import Context
from .models import Standing, StandingState
from .services import evaluate_comment, site_policy


@extend_schema_serializer(component_name="PolicyClause")
class ClauseSerializer(serializers.Serializer):
    id = serializers.CharField()
    number = serializers.IntegerField()
    title = serializers.CharField()
    html = serializers.SerializerMethodField(
        help_text="The clause's text for readers, as safe HTML."
    )

    def get_html(self, clause: Any) -> str:
        return render_policy_text(clause.text)


@extend_schema_serializer(component_name="PolicyDocument")
class DocumentSerializer(serializers.Serializer):
    """From {"policy": the engine's policy, "version": the version in force}."""

    title = serializers.CharField(source="policy.title")
    version = serializers.IntegerField(source="version.version")
    introduction_html = serializers.SerializerMethodField()
    clauses = ClauseSerializer(source="policy.clauses", many=True)

    def get_introduction_html(self, found: dict) -> str:
        return render_policy_text(found["policy"].introduction)


@extend_schema_serializer(component_name="PolicyCheckClause")
class CheckClauseSerializer(serializers.Serializer):
    id = serializers.CharField(source="clause_id")
    number = serializers.IntegerField(source="clause_number", allow_null=True)
    title = serializers.CharField(source="clause_title")


@extend_schema_serializer(component_name="PolicyCheck")
class CheckSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["publish", "hold", "reject"])
    clause = CheckClauseSerializer(allow_null=True)
    hits = serializers.ListField(child=serializers.DictField())
    policy_version = serializers.IntegerField()


@extend_schema_serializer(component_name="MyStanding")
class MyStandingSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=StandingState.choices)
    until = serializers.DateTimeField(allow_null=True)
    message = serializers.CharField(help_text="From a moderator, e.g. a warning.")
    can_post = serializers.BooleanField()


class PolicyAPI(APIView):
    @extend_schema(
        operation_id="policy_read",
        responses={200: DocumentSerializer, **ERRORS},
        summary="The site's comment policy, from the same document the engine enforces.",
    )
    def get(self, request: Request, site: str) -> Response:
        config = site_policy(site=site_get(slug=site))
        found = {"policy": config.engine.policy, "version": config.version}
        return Response(DocumentSerializer(found).data)


class PolicyCheckAPI(APIView):
    """What the engine would decide about a draft, and why. Stores nothing."""

    throttle_classes = [WriteIPThrottle]

    class InputSerializer(serializers.Serializer):
        body = BodyField()
        article = serializers.CharField(max_length=200, required=False)

    @extend_schema(
        operation_id="policy_check",
        request=InputSerializer,
        responses={200: CheckSerializer, **ERRORS},
    )
    def post(self, request: Request, site: str) -> Response:
        data = validated(self.InputSerializer, request.data)
        site_obj = site_get(slug=site)
        config = site_policy(site=site_obj)

        # An unsaved comment stands in for the draft, so the context is the real one.
        key = data.get("article")
        article = Article.objects.filter(site=site_obj, key=key).first() if key else None
        viewer = viewer_of(request)
        draft = Comment(site=site_obj, body=data["body"], article=article or Article(site=site_obj))
        if viewer is not None:
            draft.author = viewer
            verdict = evaluate_comment(draft, engine=config.engine)
        else:
            # A draft without an author has no standing or history: only the article's state.
            context = Context(
                article_open=draft.article.accepts_comments(),
                article_premoderated=draft.article.premoderated,
            )
            verdict = config.engine.evaluate(data["body"], context)
        found = {
            "action": verdict.action.value,
            "clause": verdict.clause,
            "hits": verdict.to_dict().get("hits", []),
            "policy_version": config.version.version,
        }
        return Response(CheckSerializer(found).data)


class MyStandingAPI(APIView):
    """The signed-in reader's standing on a site, with the message a moderator left them."""

    @extend_schema(
        operation_id="my_standing",
        responses={200: MyStandingSerializer, **ERRORS},
    )
    def get(self, request: Request, site: str) -> Response:
        reader = require_reader(request)
        standing = Standing.objects.filter(site=site_get(slug=site), commenter=reader).first()
        state = standing.effective_state() if standing else StandingState.ACTIVE
        found = {
            "state": state,
            "until": standing.until if standing and state == StandingState.SUSPENDED else None,
            "message": standing.message if standing else "",
            "can_post": state not in (StandingState.SUSPENDED, StandingState.BANNED),
        }
        return Response(MyStandingSerializer(found).data)
