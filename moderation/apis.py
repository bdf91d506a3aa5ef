"""The moderation API (v1) for publishers' tools and the queue page: parse, check, call, render.

Session (with CSRF) or token authentication. Anonymous callers get 401 `not_authenticated`;
signed-in users who moderate nothing, or not this site, get 403 `not_moderator`.
"""

from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.paginator import EmptyPage, Paginator
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.schema import ERRORS, errors
from api.views import StrictBooleanField, validated
from comments.errors import InvalidInput, NotFound
from comments.models import Comment, Commenter, CommentStatus, Report
from policy.models import Standing, StandingState
from security.permissions import SecondFactorForTokens

from .access import (
    access_comment_for_moderation,
    access_site_for_moderation,
    acting_user,
    check_moderator,
    sites_moderated_by,
)
from .models import Role, SiteRole
from .selectors import (
    QUEUES,
    HistoryEntry,
    QueueFilters,
    comment_history,
    latest_decision,
    open_reports,
    queue_comments,
    queue_counts,
    site_stats,
)
from .services import ACTIONS, Outcome, allowed_actions, comment_decide, standing_set

MODERATION_ERRORS = {code: ERRORS[code] for code in (400, 401, 403, 404, 409)}


# Shapes --------------------------------------------------------------------------------


@extend_schema_serializer(component_name="ModerationQueueCounts")
class QueueCountsSerializer(serializers.Serializer):
    held = serializers.IntegerField()
    reported = serializers.IntegerField()
    pending = serializers.IntegerField()
    rejected = serializers.IntegerField(help_text="Rejected and removed comments.")
    published = serializers.IntegerField()


@extend_schema_serializer(component_name="ModerationStandingSummary")
class StandingSerializer(serializers.Serializer):
    """From a queue comment's annotations (selectors.with_author_history)."""

    state = serializers.SerializerMethodField()
    until = serializers.DateTimeField(source="standing_until", allow_null=True)
    reason = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ChoiceField(choices=StandingState.choices))
    def get_state(self, comment: Comment) -> str:
        return comment.standing_state or StandingState.ACTIVE

    def get_reason(self, comment: Comment) -> str:
        return comment.standing_reason or ""


@extend_schema_serializer(component_name="ModerationAuthor")
class AuthorOutSerializer(serializers.Serializer):
    """A queue comment's author and their record on the site (the comment's annotations)."""

    id = serializers.CharField(source="author.public_id", help_text="The commenter's public id.")
    display_name = serializers.CharField(source="author.display_name")
    member_since = serializers.DateTimeField(source="author.user.date_joined")
    standing = StandingSerializer(source="*")
    approved = serializers.IntegerField(
        source="author_approved", help_text="Published comments on this site."
    )
    rejected = serializers.IntegerField(source="author_rejected")
    removed = serializers.IntegerField(source="author_removed")
    reported = serializers.IntegerField(
        source="author_reported", help_text="Comments of theirs that readers reported."
    )


@extend_schema_serializer(component_name="ModerationHit")
class HitSerializer(serializers.Serializer):
    rule = serializers.CharField()
    clause_id = serializers.CharField()
    clause_number = serializers.IntegerField(allow_null=True)
    clause_title = serializers.CharField()
    action = serializers.CharField()
    evidence = serializers.DictField(
        help_text='Rule-specific: "matches" ([start, end, text] of the body), counts, scores.'
    )


@extend_schema_serializer(component_name="ModerationEngineDecision")
class DecisionOutSerializer(serializers.Serializer):
    action = serializers.CharField()
    stage = serializers.CharField()
    clause_id = serializers.CharField()
    clause_title = serializers.CharField()
    policy_version = serializers.IntegerField(source="policy_version_number", allow_null=True)
    hits = serializers.SerializerMethodField()
    scores = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    # The engine's hits and scores as stored, whatever keys a rule adds to its evidence.
    @extend_schema_field(HitSerializer(many=True))
    def get_hits(self, decision: Any) -> list[dict[str, Any]]:
        return list(decision.hits or [])

    @extend_schema_field(serializers.DictField())
    def get_scores(self, decision: Any) -> dict[str, Any]:
        return dict(decision.scores or {})


@extend_schema_serializer(component_name="ModerationReport")
class ReportOutSerializer(serializers.Serializer):
    """A report; `open` from the ids in the context (comments.selectors defines open)."""

    clause_id = serializers.CharField()
    note = serializers.CharField()
    reporter = serializers.CharField(
        source="reporter.display_name", help_text="The reporter's display name."
    )
    created_at = serializers.DateTimeField()
    open = serializers.SerializerMethodField(
        help_text="Filed after the comment last settled (a decision, or its reports reviewed)."
    )

    def get_open(self, report: Report) -> bool:
        return report.pk in self.context["open_ids"]


@extend_schema_serializer(component_name="ModerationParent")
class ParentOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    author = serializers.CharField(source="author.display_name")
    body = serializers.CharField()


@extend_schema_serializer(component_name="ModerationArticle")
class ArticleRefSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    url = serializers.CharField()


@extend_schema_serializer(component_name="ModerationApplied")
class AppliedSerializer(serializers.Serializer):
    """The clause a moderator or the engine applied, as the author sees it."""

    clause_id = serializers.CharField(source="moderation_clause_id")
    clause_title = serializers.CharField(source="moderation_clause_title")
    reason = serializers.CharField(source="moderation_reason")


@extend_schema_serializer(component_name="ModerationQueueItem")
class QueueItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=CommentStatus.choices)
    body = serializers.CharField(help_text="The author's text, unescaped: escape it to show it.")
    html = serializers.CharField(help_text="Sanitised HTML, as readers see it.")
    created_at = serializers.DateTimeField()
    status_changed_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    featured = serializers.BooleanField()
    article = ArticleRefSerializer()
    author = AuthorOutSerializer(source="*")
    parent = ParentOutSerializer(allow_null=True)
    moderation = AppliedSerializer(source="*")
    decision = serializers.SerializerMethodField()
    reports = serializers.SerializerMethodField()
    open_reports = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    @extend_schema_field(
        DecisionOutSerializer(allow_null=True, help_text="The engine's latest decision.")
    )
    def get_decision(self, comment: Comment) -> dict[str, Any] | None:
        decision = latest_decision(comment)
        return DecisionOutSerializer(decision).data if decision else None

    @extend_schema_field(ReportOutSerializer(many=True))
    def get_reports(self, comment: Comment) -> list[dict[str, Any]]:
        open_ids = {r.pk for r in open_reports(comment)}
        reports = getattr(comment, "report_list", [])
        return list(ReportOutSerializer(reports, many=True, context={"open_ids": open_ids}).data)

    def get_open_reports(self, comment: Comment) -> int:
        return len(open_reports(comment))

    @extend_schema_field(
        serializers.ListField(
            child=serializers.CharField(), help_text="The decisions the comment's status allows."
        )
    )
    def get_allowed_actions(self, comment: Comment) -> list[str]:
        return allowed_actions(comment)


@extend_schema_serializer(component_name="ModerationQueuePage")
class QueuePageSerializer(serializers.Serializer):
    queue = serializers.ChoiceField(choices=QUEUES)
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    next_page = serializers.IntegerField(allow_null=True)
    counts = QueueCountsSerializer()
    results = QueueItemSerializer(many=True)


@extend_schema_serializer(component_name="ModerationHistoryEntry")
class HistoryEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.ChoiceField(choices=["event", "decision", "action"])
    actor_kind = serializers.CharField()
    actor = serializers.CharField()
    summary = serializers.CharField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    clause_id = serializers.CharField()
    clause_title = serializers.CharField()
    note = serializers.CharField()
    policy_version = serializers.IntegerField(allow_null=True)
    hits = serializers.SerializerMethodField()
    scores = serializers.DictField(allow_null=True)

    @extend_schema_field(HitSerializer(many=True, allow_null=True))
    def get_hits(self, entry: HistoryEntry) -> list[dict[str, Any]] | None:
        return entry.hits


@extend_schema_serializer(component_name="ModerationClauseStats")
class ClauseStatsSerializer(serializers.Serializer):
    clause_id = serializers.CharField()
    clause_title = serializers.CharField()
    held = serializers.IntegerField()
    rejected = serializers.IntegerField()
    removed = serializers.IntegerField()
    by_moderators = serializers.IntegerField()
    total = serializers.IntegerField()


def _check_period(since: datetime | None, until: datetime | None) -> None:
    if since and until and since >= until:
        raise InvalidInput("`since` must be before `until`.", code="invalid_period")


class ModerationAPI(APIView):
    # Authentication from settings (token; session with CSRF); errors in the one shape.
    # Moderators are trusted staff working through a queue by keyboard: no reader throttle.
    # Every handler starts with an access check (moderation.access) before reading input.
    throttle_classes: list = []
    # Token requests meet the second-factor rule that SecondFactorMiddleware applies to sessions.
    permission_classes = [SecondFactorForTokens]


# Endpoints -----------------------------------------------------------------------------


class SitesAPI(ModerationAPI):
    @extend_schema_serializer(component_name="ModerationSite")
    class OutputSerializer(serializers.Serializer):
        slug = serializers.CharField()
        name = serializers.CharField()
        role = serializers.ChoiceField(choices=[*Role.values, "superuser"])
        counts = QueueCountsSerializer()

    @extend_schema(
        operation_id="moderation_sites",
        responses={200: OutputSerializer(many=True), **MODERATION_ERRORS},
        summary="The sites you moderate, with the size of each queue.",
    )
    def get(self, request: Request) -> Response:
        check_moderator(request.user)
        sites = list(sites_moderated_by(request.user))
        roles = dict(
            SiteRole.objects.filter(user=acting_user(request)).values_list("site_id", "role")
        )
        rows = [
            {
                "slug": site.slug,
                "name": site.name,
                "role": roles.get(site.pk, "superuser"),
                "counts": queue_counts(sites=[site]),
            }
            for site in sites
        ]
        return Response(self.OutputSerializer(rows, many=True).data)


class QueueAPI(ModerationAPI):
    class FilterSerializer(serializers.Serializer):
        queue = serializers.ChoiceField(choices=QUEUES, required=False, default="held")
        article = serializers.CharField(required=False, max_length=200)
        clause = serializers.CharField(required=False, max_length=64)
        author = serializers.CharField(required=False, max_length=32, help_text="public id")
        since = serializers.DateTimeField(required=False)
        until = serializers.DateTimeField(required=False)
        q = serializers.CharField(required=False, max_length=200, help_text="Text or author.")
        page = serializers.IntegerField(required=False, min_value=1, max_value=100_000, default=1)
        limit = serializers.IntegerField(required=False, min_value=1, max_value=100)

    @extend_schema(
        operation_id="moderation_queue",
        parameters=[FilterSerializer],
        responses={200: QueuePageSerializer, **MODERATION_ERRORS},
        summary="One queue of a site, a page at a time (held, reported, pending: oldest "
        "first; rejected, published: most recently decided first).",
    )
    def get(self, request: Request, site: str) -> Response:
        site_obj = access_site_for_moderation(request.user, site)
        params = validated(self.FilterSerializer, request.query_params)
        _check_period(params.get("since"), params.get("until"))
        filters = QueueFilters(
            queue=params["queue"],
            article=params.get("article"),
            clause=params.get("clause"),
            author=params.get("author"),
            since=params.get("since"),
            until=params.get("until"),
            q=params.get("q"),
        )
        limit = params.get("limit") or settings.PARLEY_PAGE_SIZE
        paginator = Paginator(queue_comments(site=site_obj, filters=filters), limit)
        try:
            page = paginator.page(params["page"])
        except EmptyPage:
            page = None
        items = list(page.object_list) if page else []
        body = {
            "queue": filters.queue,
            "count": paginator.count,
            "page": params["page"],
            "next_page": page.next_page_number() if page and page.has_next() else None,
            "counts": queue_counts(sites=[site_obj]),
            "results": items,
        }
        return Response(QueuePageSerializer(body).data)


class DecisionAPI(ModerationAPI):
    @extend_schema_serializer(component_name="ModerationDecisionInput")
    class InputSerializer(serializers.Serializer):
        action = serializers.ChoiceField(choices=ACTIONS)
        clause = serializers.CharField(
            required=False,
            allow_blank=True,
            max_length=64,
            default="",
            help_text="Required for reject and remove: a clause id of the current policy.",
        )
        note = serializers.CharField(
            required=False,
            allow_blank=True,
            max_length=500,
            default="",
            help_text="Shown to the author with the clause (reject, remove).",
        )

    @extend_schema_serializer(component_name="ModerationDecisionResult")
    class OutputSerializer(serializers.Serializer):
        """From the decision's Outcome (moderation.services)."""

        id = serializers.IntegerField(source="comment.pk")
        status = serializers.ChoiceField(source="comment.status", choices=CommentStatus.choices)
        featured = serializers.BooleanField(source="comment.featured")
        changed = serializers.BooleanField(help_text="False when the decision was in force.")
        moderation = AppliedSerializer(source="comment")
        allowed_actions = serializers.SerializerMethodField()

        def get_allowed_actions(self, outcome: Outcome) -> list[str]:
            return allowed_actions(outcome.comment)

    @extend_schema(
        operation_id="moderation_decide",
        request=InputSerializer,
        responses={
            200: OutputSerializer,
            **errors(
                {
                    400: "`invalid` (fields), `unknown_clause` (reject and remove need a clause "
                    "of the current policy; detail lists the allowed ids).",
                    409: "`illegal_transition`: the comment's status does not allow it.",
                },
                base=MODERATION_ERRORS,
            ),
        },
        summary="Approve, reject (citing a clause), remove, feature or unfeature a comment.",
        description=(
            "Idempotent: repeating a decision in force answers 200 with `changed: false`. "
            "A decision the comment's status does not allow answers 409 "
            "`illegal_transition`; reject and remove without a clause of the current policy "
            "answer 400 `unknown_clause`."
        ),
    )
    def post(self, request: Request, comment_id: int) -> Response:
        access_comment_for_moderation(request.user, comment_id)
        data = validated(self.InputSerializer, request.data)
        outcome = comment_decide(
            by=acting_user(request),
            comment_id=comment_id,
            action=data["action"],
            clause_id=data["clause"],
            note=data["note"],
        )
        return Response(self.OutputSerializer(outcome).data)


class StandingAPI(ModerationAPI):
    @extend_schema_serializer(component_name="ModerationStandingInput")
    class InputSerializer(serializers.Serializer):
        state = serializers.ChoiceField(choices=StandingState.choices)
        until = serializers.DateTimeField(required=False, allow_null=True, default=None)
        reason = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")
        message = serializers.CharField(
            required=False,
            allow_blank=True,
            max_length=500,
            default="",
            help_text="What the reader is told (required for a warning).",
        )
        reject_recent = StrictBooleanField(
            required=False,
            default=False,
            help_text="With a suspension or ban: take down their comments of the last 7 days.",
        )

    @extend_schema_serializer(component_name="ModerationStanding")
    class OutputSerializer(serializers.Serializer):
        author = serializers.CharField(source="commenter.public_id")
        site = serializers.CharField(source="site.slug")
        state = serializers.ChoiceField(choices=StandingState.choices)
        effective_state = serializers.SerializerMethodField(
            help_text="The state in force: a suspension that has run out is active."
        )
        until = serializers.DateTimeField(allow_null=True)
        reason = serializers.CharField()
        message = serializers.CharField()
        set_by = serializers.SerializerMethodField()
        set_at = serializers.DateTimeField()

        def get_effective_state(self, standing: Standing) -> str:
            return standing.effective_state()

        def get_set_by(self, standing: Standing) -> str | None:
            return standing.set_by.get_username() if standing.set_by else None

    @extend_schema_serializer(component_name="ModerationStandingSet")
    class SetOutputSerializer(OutputSerializer):
        """The standing after a change, with what the change did (context: the outcome)."""

        changed = serializers.SerializerMethodField()
        taken_down = serializers.SerializerMethodField(
            help_text="The comments taken down with `reject_recent`."
        )

        def get_changed(self, standing: Standing) -> bool:
            return self.context["outcome"].changed

        def get_taken_down(self, standing: Standing) -> list[int]:
            return self.context["outcome"].rejected_comment_ids

    def _commenter(self, public_id: str) -> Commenter:
        commenter = Commenter.objects.filter(public_id=public_id).first()
        if commenter is None:
            raise NotFound("No such commenter.", code="commenter_not_found")
        return commenter

    @extend_schema(
        operation_id="moderation_standing_read",
        responses={200: OutputSerializer, **MODERATION_ERRORS},
    )
    def get(self, request: Request, site: str, author: str) -> Response:
        site_obj = access_site_for_moderation(request.user, site)
        commenter = self._commenter(author)
        standing = (
            Standing.objects.select_related("set_by")
            .filter(site=site_obj, commenter=commenter)
            .first()
        ) or Standing(site=site_obj, commenter=commenter)
        return Response(self.OutputSerializer(standing).data)

    @extend_schema(
        operation_id="moderation_standing_set",
        request=InputSerializer,
        responses={200: SetOutputSerializer, **MODERATION_ERRORS},
        summary="Set a commenter's standing on the site: active, warned, premoderated, "
        "suspended (until a time) or banned.",
    )
    def put(self, request: Request, site: str, author: str) -> Response:
        site_obj = access_site_for_moderation(request.user, site)
        data = validated(self.InputSerializer, request.data)
        commenter = self._commenter(author)
        outcome = standing_set(by=acting_user(request), site=site_obj, commenter=commenter, **data)
        return Response(
            self.SetOutputSerializer(outcome.standing, context={"outcome": outcome}).data
        )


class HistoryAPI(ModerationAPI):
    @extend_schema_serializer(component_name="ModerationHistory")
    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        status = serializers.CharField()
        history = HistoryEntrySerializer(many=True)

    @extend_schema(
        operation_id="moderation_history",
        responses={200: OutputSerializer, **MODERATION_ERRORS},
        summary="Every status change, edit, engine decision and moderator action, oldest first.",
    )
    def get(self, request: Request, comment_id: int) -> Response:
        comment = access_comment_for_moderation(request.user, comment_id)
        body = {
            "id": comment.pk,
            "status": comment.status,
            "history": comment_history(comment=comment),
        }
        return Response(self.OutputSerializer(body).data)


class StatsAPI(ModerationAPI):
    class Params(serializers.Serializer):
        since = serializers.DateTimeField(required=False)
        until = serializers.DateTimeField(required=False)

    @extend_schema_serializer(component_name="ModerationStats")
    class OutputSerializer(serializers.Serializer):
        since = serializers.DateTimeField(allow_null=True)
        until = serializers.DateTimeField(allow_null=True)
        queues = QueueCountsSerializer()
        decisions_per_clause = ClauseStatsSerializer(many=True)
        decided = serializers.IntegerField(help_text="Comments of the period with a decision.")
        median_seconds_to_decision = serializers.FloatField(allow_null=True)

    @extend_schema(
        operation_id="moderation_stats",
        parameters=[
            Params,
            OpenApiParameter("site", str, OpenApiParameter.PATH),
        ],
        responses={200: OutputSerializer, **MODERATION_ERRORS},
        summary="Queue sizes now; decisions per clause and median time to a decision over "
        "the period.",
    )
    def get(self, request: Request, site: str) -> Response:
        site_obj = access_site_for_moderation(request.user, site)
        params = validated(self.Params, request.query_params)
        _check_period(params.get("since"), params.get("until"))
        stats = site_stats(site=site_obj, since=params.get("since"), until=params.get("until"))
        return Response(self.OutputSerializer(stats).data)
