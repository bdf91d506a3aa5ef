"""The policy API: the document readers read, and a dry run of the engine on a draft."""

from drf_spectacular.utils import extend_schema, inline_serializer
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

ClauseOut = inline_serializer(
    "PolicyClause",
    fields={
        "id": serializers.CharField(),
        "number": serializers.IntegerField(),
        "title": serializers.CharField(),
        "html": serializers.CharField(help_text="The clause's text for readers, as safe HTML."),
    },
)


class PolicyAPI(APIView):
    @extend_schema(
        operation_id="policy_read",
        responses={
            200: inline_serializer(
                "PolicyDocument",
                fields={
                    "title": serializers.CharField(),
                    "version": serializers.IntegerField(),
                    "introduction_html": serializers.CharField(),
                    "clauses": ClauseOut.__class__(many=True),
                },
            ),
            **ERRORS,
        },
        summary="The site's comment policy, from the same document the engine enforces.",
    )
    def get(self, request: Request, site: str) -> Response:
        config = site_policy(site=site_get(slug=site))
        policy, version = config.engine.policy, config.version
        return Response(
            {
                "title": policy.title,
                "version": version.version,
                "introduction_html": render_policy_text(policy.introduction),
                "clauses": [
                    {
                        "id": clause.id,
                        "number": clause.number,
                        "title": clause.title,
                        "html": render_policy_text(clause.text),
                    }
                    for clause in policy.clauses
                ],
            }
        )


class PolicyCheckAPI(APIView):
    """What the engine would decide about a draft, and why. Stores nothing."""

    throttle_classes = [WriteIPThrottle]

    class InputSerializer(serializers.Serializer):
        body = BodyField()
        article = serializers.CharField(max_length=200, required=False)

    @extend_schema(
        operation_id="policy_check",
        request=InputSerializer,
        responses={
            200: inline_serializer(
                "PolicyCheck",
                fields={
                    "action": serializers.ChoiceField(choices=["publish", "hold", "reject"]),
                    "clause": serializers.DictField(allow_null=True),
                    "hits": serializers.ListField(child=serializers.DictField()),
                    "policy_version": serializers.IntegerField(),
                },
            ),
            **ERRORS,
        },
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
        result = verdict.to_dict()
        deciding = verdict.clause
        return Response(
            {
                "action": verdict.action.value,
                "clause": {
                    "id": deciding.clause_id,
                    "number": deciding.clause_number,
                    "title": deciding.clause_title,
                }
                if deciding
                else None,
                "hits": result.get("hits", []),
                "policy_version": config.version.version,
            }
        )


class MyStandingAPI(APIView):
    """The signed-in reader's standing on a site, with the message a moderator left them."""

    @extend_schema(
        operation_id="my_standing",
        responses={
            200: inline_serializer(
                "MyStanding",
                fields={
                    "state": serializers.ChoiceField(choices=StandingState.choices),
                    "until": serializers.DateTimeField(allow_null=True),
                    "message": serializers.CharField(help_text="From a moderator, e.g. a warning."),
                    "can_post": serializers.BooleanField(),
                },
            ),
            **ERRORS,
        },
    )
    def get(self, request: Request, site: str) -> Response:
        reader = require_reader(request)
        standing = Standing.objects.filter(site=site_get(slug=site), commenter=reader).first()
        state = standing.effective_state() if standing else StandingState.ACTIVE
        return Response(
            {
                "state": state,
                "until": standing.until.isoformat().replace("+00:00", "Z")
                if standing and standing.until and state == StandingState.SUSPENDED
                else None,
                "message": standing.message if standing else "",
                "can_post": state not in (StandingState.SUSPENDED, StandingState.BANNED),
            }
        )
