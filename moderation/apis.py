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
    extend_schema_serializer,
)
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.schema import ERRORS
from api.views import iso, validated
from comments.errors import InvalidInput, NotFound
from comments.models import Comment, Commenter, CommentStatus
from policy.models import Standing, StandingState

from .access import (
    access_comment_for_moderation,
    access_site_for_moderation,
    check_moderator,
    sites_moderated_by,
)
from .models import Role, SiteRole
from .selectors import (
    QUEUES,
    QueueFilters,
    comment_history,
    latest_decision,
    open_reports,
    queue_comments,
    queue_counts,
    site_stats,
)
from .services import ACTIONS, allowed_actions, comment_decide, standing_set

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
    state = serializers.ChoiceField(choices=StandingState.choices)
    until = serializers.DateTimeField(allow_null=True)
    reason = serializers.CharField()


@extend_schema_serializer(component_name="ModerationAuthor")
class AuthorOutSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="The commenter's public id.")
    display_name = serializers.CharField()
    member_since = serializers.DateTimeField()
    standing = StandingSerializer()
    approved = serializers.IntegerField(help_text="Published comments on this site.")
    rejected = serializers.IntegerField()
    removed = serializers.IntegerField()
    reported = serializers.IntegerField(help_text="Comments of theirs that readers reported.")


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
    policy_version = serializers.IntegerField(allow_null=True)
    hits = HitSerializer(many=True)
    scores = serializers.DictField()
    created_at = serializers.DateTimeField()


@extend_schema_serializer(component_name="ModerationReport")
class ReportOutSerializer(serializers.Serializer):
    clause_id = serializers.CharField()
    note = serializers.CharField()
    reporter = serializers.CharField(help_text="The reporter's display name.")
    created_at = serializers.DateTimeField()
    open = serializers.BooleanField(help_text="Filed after the last moderator decision.")


@extend_schema_serializer(component_name="ModerationParent")
class ParentOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    author = serializers.CharField()
    body = serializers.CharField()


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
    article = serializers.DictField(help_text="key, title, url")
    author = AuthorOutSerializer()
    parent = ParentOutSerializer(allow_null=True)
    moderation = serializers.DictField(help_text="The clause applied, as the author sees it.")
    decision = DecisionOutSerializer(allow_null=True, help_text="The engine's latest decision.")
    reports = ReportOutSerializer(many=True)
    open_reports = serializers.IntegerField()
    allowed_actions = serializers.ListField(
        child=serializers.CharField(), help_text="The decisions the comment's status allows."
    )


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
    hits = HitSerializer(many=True, allow_null=True)
    scores = serializers.DictField(allow_null=True)


@extend_schema_serializer(component_name="ModerationClauseStats")
class ClauseStatsSerializer(serializers.Serializer):
    clause_id = serializers.CharField()
    clause_title = serializers.CharField()
    held = serializers.IntegerField()
    rejected = serializers.IntegerField()
    removed = serializers.IntegerField()
    by_moderators = serializers.IntegerField()
    total = serializers.IntegerField()


def represent_item(comment: Comment) -> dict[str, Any]:
    """A queue row for API clients (a comment loaded through selectors.for_display)."""
    decision = latest_decision(comment)
    reports = getattr(comment, "report_list", [])
    still_open = {r.pk for r in open_reports(comment)}
    parent = comment.parent
    return {
        "id": comment.pk,
        "status": comment.status,
        "body": comment.body,
        "html": comment.html,
        "created_at": iso(comment.created_at),
        "status_changed_at": iso(comment.status_changed_at),
        "edited_at": iso(comment.edited_at),
        "featured": comment.featured,
        "article": {
            "key": comment.article.key,
            "title": comment.article.title,
            "url": comment.article.url,
        },
        "author": {
            "id": comment.author.public_id,
            "display_name": comment.author.display_name,
            "member_since": iso(comment.author.user.date_joined),
            "standing": {
                "state": comment.standing_state or StandingState.ACTIVE,
                "until": iso(comment.standing_until),
                "reason": comment.standing_reason or "",
            },
            "approved": comment.author_approved,
            "rejected": comment.author_rejected,
            "removed": comment.author_removed,
            "reported": comment.author_reported,
        },
        "parent": {
            "id": parent.pk,
            "status": parent.status,
            "author": parent.author.display_name,
            "body": parent.body,
        }
        if parent is not None
        else None,
        "moderation": {
            "clause_id": comment.moderation_clause_id,
            "clause_title": comment.moderation_clause_title,
            "reason": comment.moderation_reason,
        },
        "decision": represent_decision(decision) if decision else None,
        "reports": [
            {
                "clause_id": r.clause_id,
                "note": r.note,
                "reporter": r.reporter.display_name,
                "created_at": iso(r.created_at),
                "open": r.pk in still_open,
            }
            for r in reports
        ],
        "open_reports": len(still_open),
        "allowed_actions": allowed_actions(comment),
    }


def represent_decision(decision) -> dict[str, Any]:
    return {
        "action": decision.action,
        "stage": decision.stage,
        "clause_id": decision.clause_id,
        "clause_title": decision.clause_title,
        "policy_version": decision.policy_version_number,
        "hits": list(decision.hits or []),
        "scores": dict(decision.scores or {}),
        "created_at": iso(decision.created_at),
    }


def _check_period(since: datetime | None, until: datetime | None) -> None:
    if since and until and since >= until:
        raise InvalidInput("`since` must be before `until`.", code="invalid_period")


class ModerationAPI(APIView):
    # Authentication from settings (token; session with CSRF); errors in the one shape.
    # Moderators are trusted staff working through a queue by keyboard: no reader throttle.
    # Every handler starts with an access check (moderation.access) before reading input.
    throttle_classes: list = []


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
        roles = dict(SiteRole.objects.filter(user=request.user).values_list("site_id", "role"))
        return Response(
            [
                {
                    "slug": site.slug,
                    "name": site.name,
                    "role": roles.get(site.pk, "superuser"),
                    "counts": queue_counts(sites=[site]),
                }
                for site in sites
            ]
        )


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
        return Response(
            {
                "queue": filters.queue,
                "count": paginator.count,
                "page": params["page"],
                "next_page": page.next_page_number() if page and page.has_next() else None,
                "counts": queue_counts(sites=[site_obj]),
                "results": [represent_item(c) for c in items],
            }
        )


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
        id = serializers.IntegerField()
        status = serializers.ChoiceField(choices=CommentStatus.choices)
        featured = serializers.BooleanField()
        changed = serializers.BooleanField(help_text="False when the decision was in force.")
        moderation = serializers.DictField()
        allowed_actions = serializers.ListField(child=serializers.CharField())

    @extend_schema(
        operation_id="moderation_decide",
        request=InputSerializer,
        responses={200: OutputSerializer, **MODERATION_ERRORS},
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
            by=request.user,
            comment_id=comment_id,
            action=data["action"],
            clause_id=data["clause"],
            note=data["note"],
        )
        comment = outcome.comment
        return Response(
            {
                "id": comment.pk,
                "status": comment.status,
                "featured": comment.featured,
                "changed": outcome.changed,
                "moderation": {
                    "clause_id": comment.moderation_clause_id,
                    "clause_title": comment.moderation_clause_title,
                    "reason": comment.moderation_reason,
                },
                "allowed_actions": allowed_actions(comment),
            }
        )


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
        reject_recent = serializers.BooleanField(
            required=False,
            default=False,
            help_text="With a suspension or ban: take down their comments of the last 7 days.",
        )

    @extend_schema_serializer(component_name="ModerationStanding")
    class OutputSerializer(serializers.Serializer):
        author = serializers.CharField()
        site = serializers.CharField()
        state = serializers.ChoiceField(choices=StandingState.choices)
        effective_state = serializers.CharField(
            help_text="The state in force: a suspension that has run out is active."
        )
        until = serializers.DateTimeField(allow_null=True)
        reason = serializers.CharField()
        message = serializers.CharField()
        set_by = serializers.CharField(allow_null=True)
        set_at = serializers.DateTimeField()
        changed = serializers.BooleanField(required=False)
        taken_down = serializers.ListField(child=serializers.IntegerField(), required=False)

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
        return Response(_standing_body(standing, site_obj.slug, commenter.public_id))

    @extend_schema(
        operation_id="moderation_standing_set",
        request=InputSerializer,
        responses={200: OutputSerializer, **MODERATION_ERRORS},
        summary="Set a commenter's standing on the site: active, warned, premoderated, "
        "suspended (until a time) or banned.",
    )
    def put(self, request: Request, site: str, author: str) -> Response:
        site_obj = access_site_for_moderation(request.user, site)
        data = validated(self.InputSerializer, request.data)
        commenter = self._commenter(author)
        outcome = standing_set(by=request.user, site=site_obj, commenter=commenter, **data)
        body = _standing_body(outcome.standing, site_obj.slug, commenter.public_id)
        body["changed"] = outcome.changed
        body["taken_down"] = outcome.rejected_comment_ids
        return Response(body)


def _standing_body(standing, site_slug: str, public_id: str) -> dict[str, Any]:
    return {
        "author": public_id,
        "site": site_slug,
        "state": standing.state,
        "effective_state": standing.effective_state(),
        "until": iso(standing.until),
        "reason": standing.reason,
        "message": standing.message,
        "set_by": standing.set_by.get_username() if standing.set_by_id else None,
        "set_at": iso(standing.set_at),
    }


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
        return Response(
            {
                "id": comment.pk,
                "status": comment.status,
                "history": [
                    {
                        "at": iso(e.at),
                        "kind": e.kind,
                        "actor_kind": e.actor_kind,
                        "actor": e.actor,
                        "summary": e.summary,
                        "from_status": e.from_status,
                        "to_status": e.to_status,
                        "clause_id": e.clause_id,
                        "clause_title": e.clause_title,
                        "note": e.note,
                        "policy_version": e.policy_version,
                        "hits": e.hits,
                        "scores": e.scores,
                    }
                    for e in comment_history(comment=comment)
                ],
            }
        )


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
        stats["since"] = iso(stats["since"])
        stats["until"] = iso(stats["until"])
        return Response(stats)
