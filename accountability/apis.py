"""The accountability API: statements of reasons and appeals for readers, notices of illegal
content for anyone, and the appeal and notice queues and the transparency report for
moderators. Parse, check, call a service or selector, render; errors in the one shape."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from django.conf import settings
from django.core.paginator import EmptyPage, Paginator
from django.http import HttpResponse
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import renderers, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from api.schema import errors
from api.views import BaseAPI, StrictBooleanField, validated
from comments.errors import InvalidInput, NotFound
from comments.models import Comment, CommentEvent, CommentStatus
from comments.readers import require_reader, viewer_of
from comments.selectors import site_get
from moderation.access import access_site_for_moderation, acting_user
from moderation.apis import MODERATION_ERRORS, ModerationAPI
from moderation.models import ModeratorAction, SiteRole
from policy.models import Standing

from .models import Appeal, AppealKind, AppealState, Notice, NoticeOutcome
from .selectors import (
    APPEAL_STATES,
    NOTICE_STATES,
    appeal_counts,
    appeal_queue,
    notice_counts,
    notice_queue,
    transparency_report,
    transparency_rows,
)
from .services import (
    NOTICE_DECISIONS,
    appeal_create,
    appeal_create_standing,
    appeal_decide,
    notice_create,
    notice_decide,
)
from .statements import Statement, comment_statement, standing_statement

LANGUAGES = [code for code, _ in settings.LANGUAGES]


def _language(request: Request, asked: str | None) -> str:
    """`?lang=` when Parley knows it, else the request's Accept-Language, else the default."""
    if asked:
        return asked
    return translation.get_language_from_request(request._request)


# Shapes --------------------------------------------------------------------------------


class OneOfField(serializers.CharField):
    """One of a few values; documented as a string listing them rather than as an enum, whose
    name would collide in the schema with the other `state` and `outcome` choice sets."""

    def __init__(self, values: tuple[str, ...], **kwargs: Any) -> None:
        self.values = tuple(values)
        kwargs.setdefault("help_text", "One of: " + ", ".join(self.values) + ".")
        super().__init__(max_length=32, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if value not in self.values:
            raise serializers.ValidationError(f"Must be one of: {', '.join(self.values)}.")
        return value


@extend_schema_serializer(component_name="StatementClause")
class ClauseSerializer(serializers.Serializer):
    id = serializers.CharField()
    number = serializers.IntegerField(allow_null=True, help_text="None: not a policy clause.")
    title = serializers.CharField()
    html = serializers.CharField(help_text="The clause's text as readers saw it, safe HTML.")
    policy_version = serializers.IntegerField(allow_null=True)


@extend_schema_serializer(component_name="StatementRuleFact")
class RuleFactSerializer(serializers.Serializer):
    rule = serializers.CharField(help_text='The rule kind that fired, e.g. "classifier".')
    clause_id = serializers.CharField()
    action = serializers.CharField()
    evidence = serializers.DictField(
        help_text='As the engine stored it: "matches" ([start, end, text] of the body), '
        "scores, counts."
    )


@extend_schema_serializer(component_name="StatementReportFact")
class ReportFactSerializer(serializers.Serializer):
    clause_id = serializers.CharField()
    count = serializers.IntegerField()


@extend_schema_serializer(component_name="StatementFacts")
class FactsSerializer(serializers.Serializer):
    rules = RuleFactSerializer(many=True)
    reports = ReportFactSerializer(many=True, help_text="Reader reports, for a reported hold.")


@extend_schema_serializer(component_name="Appeal")
class AppealSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=AppealKind.choices)
    comment = serializers.IntegerField(source="comment_id", allow_null=True)
    contested_status = serializers.CharField(help_text="The status or standing appealed.")
    state = serializers.ChoiceField(choices=AppealState.choices)
    explanation = serializers.CharField()
    outcome_note = serializers.CharField()
    created_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)


@extend_schema_serializer(component_name="StatementAppeal")
class StatementAppealSerializer(serializers.Serializer):
    possible = serializers.BooleanField(help_text="Whether the reader may appeal now.")
    until = serializers.DateTimeField(help_text="The last moment to appeal.")
    url = serializers.CharField(help_text="Where to POST the appeal.")
    appeal = AppealSerializer(allow_null=True, help_text="The reader's appeal, once made.")


@extend_schema_serializer(component_name="StatementOfReasons")
class StatementSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=AppealKind.choices)
    comment = serializers.IntegerField(source="comment_id", allow_null=True)
    action = serializers.ChoiceField(
        choices=[
            "held",
            "rejected",
            "removed",
            "warned",
            "premoderated",
            "suspended",
            "banned",
        ]
    )
    decided_at = serializers.DateTimeField()
    automation = serializers.ChoiceField(
        choices=["automated", "automated_then_confirmed", "moderator"]
    )
    decided_by = serializers.CharField(
        help_text="rule, scorer, readers (reports), moderator, policy_change or system."
    )
    clause = ClauseSerializer(allow_null=True)
    note = serializers.CharField(help_text="The reason as the decision gave it.")
    facts = FactsSerializer()
    until = serializers.DateTimeField(allow_null=True, help_text="End of a suspension.")
    text = serializers.CharField(help_text="The statement in plain language (plain text).")
    language = serializers.SerializerMethodField()
    appeal = serializers.SerializerMethodField()

    def get_language(self, statement: Statement) -> str:
        return self.context["language"]

    @extend_schema_field(StatementAppealSerializer)
    def get_appeal(self, statement: Statement) -> dict[str, Any]:
        appeal = self.context["appeal"]
        return {
            "possible": appeal is None and self.context["now"] <= statement.appeal_until,
            "until": statement.appeal_until,
            "url": self.context["appeal_url"],
            "appeal": AppealSerializer(appeal).data if appeal else None,
        }


class StatementParams(serializers.Serializer):
    lang = serializers.ChoiceField(
        choices=LANGUAGES, required=False, help_text="Default: the Accept-Language header."
    )


class AppealInputSerializer(serializers.Serializer):
    explanation = serializers.CharField(
        max_length=2000, help_text="Why the decision is wrong, in the reader's words."
    )


def _statement_response(
    request: Request, statement: Statement, *, language: str, appeal: Appeal | None, url: str
) -> Response:
    from django.utils import timezone

    context = {"language": language, "appeal": appeal, "now": timezone.now(), "appeal_url": url}
    return Response(StatementSerializer(statement, context=context).data)


# Readers ---------------------------------------------------------------------------------


class CommentStatementAPI(BaseAPI):
    @extend_schema(
        operation_id="comment_statement",
        parameters=[StatementParams],
        responses={
            200: StatementSerializer,
            **errors(
                {
                    404: "`comment_not_found` (not the reader's own comment), `no_statement` "
                    "(the comment is not held, rejected or removed)."
                }
            ),
        },
        summary="Why the reader's own comment is held, rejected or removed: the statement of "
        "reasons, and how to appeal.",
    )
    def get(self, request: Request, comment_id: int) -> Response:
        reader = require_reader(request)
        params = validated(StatementParams, request.query_params)
        comment = (
            Comment.objects.select_related("site")
            .filter(pk=comment_id, author=reader)
            .exclude(status=CommentStatus.DELETED)
            .first()
        )
        if comment is None:
            raise NotFound("No such comment.", code="comment_not_found")
        language = _language(request, params.get("lang"))
        statement = comment_statement(comment, language=language)
        if statement is None:
            raise NotFound("This comment is not restricted.", code="no_statement")
        event = statement.decision
        appeal = (
            Appeal.objects.filter(decision_event=event).first()
            if isinstance(event, CommentEvent)
            else None
        )
        url = f"/api/v1/comments/{comment.pk}/appeals/"
        return _statement_response(request, statement, language=language, appeal=appeal, url=url)


class CommentAppealAPI(BaseAPI):
    @extend_schema(
        operation_id="comment_appeal",
        request=AppealInputSerializer,
        responses={
            201: AppealSerializer,
            **errors(
                {
                    404: "`comment_not_found`: not the reader's own comment.",
                    409: "`nothing_to_appeal` (not held, rejected or removed), "
                    "`already_appealed` (one appeal per decision), `appeal_window_closed`.",
                }
            ),
        },
        summary="Appeal the decision that holds, rejected or removed the reader's comment.",
    )
    def post(self, request: Request, comment_id: int) -> Response:
        reader = require_reader(request)
        data = validated(AppealInputSerializer, request.data)
        appeal = appeal_create(
            appellant=reader,
            comment_id=comment_id,
            explanation=data["explanation"],
            language=_language(request, None),
        )
        return Response(AppealSerializer(appeal).data, status=status.HTTP_201_CREATED)


class MyAppealsAPI(BaseAPI):
    @extend_schema_serializer(component_name="MyAppeals")
    class OutputSerializer(serializers.Serializer):
        results = AppealSerializer(many=True)

    @extend_schema(
        operation_id="my_appeals",
        responses={200: OutputSerializer, **errors({})},
        summary="The signed-in reader's appeals, newest first (the latest 100), with their "
        "state and the moderator's note.",
    )
    def get(self, request: Request) -> Response:
        reader = require_reader(request)
        appeals = Appeal.objects.filter(appellant=reader).order_by("-created_at", "-id")[:100]
        return Response(self.OutputSerializer({"results": appeals}).data)


class StandingStatementAPI(BaseAPI):
    @extend_schema(
        operation_id="my_standing_statement",
        parameters=[StatementParams],
        responses={
            200: StatementSerializer,
            **errors({404: "`site_not_found`, `no_statement` (the standing is active)."}),
        },
        summary="Why the reader's standing on the site is restricted, and how to appeal.",
    )
    def get(self, request: Request, site: str) -> Response:
        reader = require_reader(request)
        params = validated(StatementParams, request.query_params)
        site_obj = site_get(slug=site)
        language = _language(request, params.get("lang"))
        standing = Standing.objects.filter(site=site_obj, commenter=reader).first()
        statement = standing_statement(site=site_obj, standing=standing, language=language)
        if statement is None:
            raise NotFound("Your standing on this site is not restricted.", code="no_statement")
        action = statement.decision
        appeal = (
            Appeal.objects.filter(standing_action=action).first()
            if isinstance(action, ModeratorAction)
            else None
        )
        url = f"/api/v1/sites/{site_obj.slug}/me/standing/appeals/"
        return _statement_response(request, statement, language=language, appeal=appeal, url=url)


class StandingAppealAPI(BaseAPI):
    @extend_schema(
        operation_id="my_standing_appeal",
        request=AppealInputSerializer,
        responses={
            201: AppealSerializer,
            **errors(
                {
                    404: "`site_not_found`.",
                    409: "`nothing_to_appeal`, `already_appealed`, `appeal_window_closed`.",
                }
            ),
        },
        summary="Appeal the moderator's decision that restricted the reader's standing.",
    )
    def post(self, request: Request, site: str) -> Response:
        reader = require_reader(request)
        data = validated(AppealInputSerializer, request.data)
        appeal = appeal_create_standing(
            appellant=reader,
            site=site_get(slug=site),
            explanation=data["explanation"],
            language=_language(request, None),
        )
        return Response(AppealSerializer(appeal).data, status=status.HTTP_201_CREATED)


class NoticeAPI(BaseAPI):
    """Anyone may notify: no sign-in needed (a guest gives an e-mail address)."""

    @extend_schema_serializer(component_name="NoticeInput")
    class InputSerializer(serializers.Serializer):
        legal_ground = serializers.CharField(
            max_length=200, help_text='The law the comment breaks, e.g. "defamation (§ 186 StGB)".'
        )
        explanation = serializers.CharField(
            max_length=4000, help_text="Why the comment is illegal under that law."
        )
        good_faith = StrictBooleanField(
            help_text="Must be true: the notifier confirms the notice is accurate and in good "
            "faith."
        )
        email = serializers.EmailField(
            required=False, allow_blank=True, default="", help_text="Required for guests."
        )
        name = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")

    @extend_schema_serializer(component_name="Notice")
    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        comment = serializers.IntegerField(source="comment_id")
        legal_ground = serializers.CharField()
        outcome = serializers.ChoiceField(choices=NoticeOutcome.choices)
        created_at = serializers.DateTimeField()

    @extend_schema(
        operation_id="comment_notice",
        request=InputSerializer,
        responses={
            201: OutputSerializer,
            **errors(
                {
                    400: "`invalid` (fields), `good_faith_required`, `email_required` (guests).",
                    404: "`comment_not_found`.",
                    409: "`already_notified`: an open notice of yours on this comment.",
                    429: "`notice_rate_limited`: too many notices from you today.",
                }
            ),
        },
        summary="Notify a comment as illegal (signed in or not). The notifier is told the "
        "outcome by e-mail.",
    )
    def post(self, request: Request, comment_id: int) -> Response:
        data = validated(self.InputSerializer, request.data)
        notice = notice_create(
            comment_id=comment_id,
            notifier=viewer_of(request),
            email=data["email"],
            name=data["name"],
            legal_ground=data["legal_ground"],
            explanation=data["explanation"],
            good_faith=data["good_faith"],
            source_address=request.META.get("REMOTE_ADDR", ""),
            language=_language(request, None),
        )
        return Response(self.OutputSerializer(notice).data, status=status.HTTP_201_CREATED)


# Moderators ------------------------------------------------------------------------------


class PageParams(serializers.Serializer):
    page = serializers.IntegerField(required=False, min_value=1, max_value=100_000, default=1)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=100)


def _page(request: Request, qs: Any, params: dict) -> tuple[list, int, int | None]:
    limit = params.get("limit") or settings.PARLEY_PAGE_SIZE
    paginator = Paginator(qs, limit)
    try:
        page = paginator.page(params["page"])
    except EmptyPage:
        return [], paginator.count, None
    return (
        list(page.object_list),
        paginator.count,
        (page.next_page_number() if page.has_next() else None),
    )


@extend_schema_serializer(component_name="AppealQueueItem")
class AppealItemSerializer(AppealSerializer):
    appellant = serializers.CharField(source="appellant.display_name")
    appellant_id = serializers.CharField(source="appellant.public_id")
    comment_status = serializers.SerializerMethodField()
    comment_body = serializers.SerializerMethodField(
        help_text="The author's text, unescaped: escape it to show it."
    )
    contested_clause_id = serializers.CharField()
    decided_by = serializers.SerializerMethodField(
        help_text="The moderator who took the decision appealed; null: automated."
    )
    reviewer = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()
    may_review = serializers.SerializerMethodField(
        help_text="False when you took the decision and another moderator can review it."
    )

    def get_comment_status(self, appeal: Appeal) -> str | None:
        return appeal.comment.status if appeal.comment else None

    def get_comment_body(self, appeal: Appeal) -> str | None:
        return appeal.comment.body if appeal.comment else None

    def get_decided_by(self, appeal: Appeal) -> str | None:
        return appeal.decided_by_user.get_username() if appeal.decided_by_user else None

    def get_reviewer(self, appeal: Appeal) -> str | None:
        return appeal.reviewer.get_username() if appeal.reviewer else None

    def get_overdue(self, appeal: Appeal) -> bool:
        return appeal.state == AppealState.OPEN and appeal.due_at < self.context["now"]

    def get_may_review(self, appeal: Appeal) -> bool:
        if appeal.state != AppealState.OPEN:
            return False
        me = self.context["user_id"]
        return not (appeal.decided_by_user_id == me and self.context["others"])


@extend_schema_serializer(component_name="AppealCounts")
class AppealCountsSerializer(serializers.Serializer):
    open = serializers.IntegerField()
    overdue = serializers.IntegerField()
    upheld = serializers.IntegerField()
    reversed = serializers.IntegerField()


@extend_schema_serializer(component_name="AppealQueuePage")
class AppealPageSerializer(serializers.Serializer):
    state = OneOfField(APPEAL_STATES)
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    next_page = serializers.IntegerField(allow_null=True)
    counts = AppealCountsSerializer()
    results = AppealItemSerializer(many=True)


def _appeal_context(request: Request, site_id: int) -> dict[str, Any]:
    from django.utils import timezone

    user = acting_user(request)
    return {
        "now": timezone.now(),
        "user_id": user.pk,
        "others": SiteRole.objects.filter(site_id=site_id).exclude(user_id=user.pk).exists(),
    }


class AppealQueueAPI(ModerationAPI):
    class Params(PageParams):
        state = OneOfField(APPEAL_STATES, required=False, default="open")

    @extend_schema(
        operation_id="moderation_appeals",
        parameters=[Params],
        responses={200: AppealPageSerializer, **MODERATION_ERRORS},
        summary="The site's appeals: open ones by due date (overdue first), decided ones "
        "newest first.",
    )
    def get(self, request: Request, site: str) -> Response:
        site_obj = access_site_for_moderation(request.user, site)
        params = validated(self.Params, request.query_params)
        items, count, next_page = _page(
            request, appeal_queue(site=site_obj, state=params["state"]), params
        )
        body = {
            "state": params["state"],
            "count": count,
            "page": params["page"],
            "next_page": next_page,
            "counts": appeal_counts(site=site_obj),
            "results": items,
        }
        context = _appeal_context(request, site_obj.pk)
        return Response(AppealPageSerializer(body, context=context).data)


class AppealDecisionAPI(ModerationAPI):
    @extend_schema_serializer(component_name="AppealDecisionInput")
    class InputSerializer(serializers.Serializer):
        outcome = OneOfField((AppealState.UPHELD.value, AppealState.REVERSED.value))
        note = serializers.CharField(
            max_length=500,
            required=False,
            allow_blank=True,
            default="",
            help_text="Sent to the reader and kept in the comment's history.",
        )
        clause = serializers.CharField(
            max_length=64,
            required=False,
            allow_blank=True,
            default="",
            help_text="Upholding a hold rejects the comment citing this clause (default: the "
            "clause it was held under).",
        )

    @extend_schema(
        operation_id="moderation_appeal_decide",
        request=InputSerializer,
        responses={
            200: AppealItemSerializer,
            **errors(
                {
                    400: "`invalid`, `unknown_clause` (upholding a hold cites a clause).",
                    403: "`not_moderator`, `same_moderator` (you took the decision appealed "
                    "and the site has another moderator).",
                    404: "`appeal_not_found`.",
                    409: "`already_decided`, `decision_superseded` (the comment's status "
                    "changed since), `illegal_transition`.",
                },
                base=MODERATION_ERRORS,
            ),
        },
        summary="Uphold or reverse an appeal; the reader is told by e-mail.",
    )
    def post(self, request: Request, appeal_id: int) -> Response:
        user = acting_user(request)
        data = validated(self.InputSerializer, request.data)
        appeal = appeal_decide(
            by=user,
            appeal_id=appeal_id,
            outcome=data["outcome"],
            note=data["note"],
            clause_id=data["clause"],
        )
        appeal = appeal_queue(site=appeal.site, state="all").get(pk=appeal.pk)
        context = _appeal_context(request, appeal.site_id)
        return Response(AppealItemSerializer(appeal, context=context).data)


@extend_schema_serializer(component_name="NoticeQueueItem")
class NoticeItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    comment = serializers.IntegerField(source="comment_id")
    comment_status = serializers.CharField(source="comment.status")
    comment_body = serializers.CharField(
        source="comment.body", help_text="The author's text, unescaped: escape it to show it."
    )
    comment_author = serializers.CharField(source="comment.author.display_name")
    notifier = serializers.SerializerMethodField(
        help_text="The signed-in notifier's display name, or the guest's name or e-mail."
    )
    signed_in = serializers.SerializerMethodField()
    legal_ground = serializers.CharField()
    explanation = serializers.CharField()
    outcome = serializers.ChoiceField(choices=NoticeOutcome.choices)
    outcome_note = serializers.CharField()
    reviewer = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)

    def get_notifier(self, notice: Notice) -> str:
        if notice.notifier is not None:
            return notice.notifier.display_name
        return notice.notifier_name or notice.notifier_email

    def get_signed_in(self, notice: Notice) -> bool:
        return notice.notifier_id is not None

    def get_reviewer(self, notice: Notice) -> str | None:
        return notice.reviewer.get_username() if notice.reviewer else None


@extend_schema_serializer(component_name="NoticeCounts")
class NoticeCountsSerializer(serializers.Serializer):
    open = serializers.IntegerField()
    illegal = serializers.IntegerField()
    not_illegal = serializers.IntegerField()
    outside_scope = serializers.IntegerField()


@extend_schema_serializer(component_name="NoticeQueuePage")
class NoticePageSerializer(serializers.Serializer):
    state = OneOfField(NOTICE_STATES)
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    next_page = serializers.IntegerField(allow_null=True)
    counts = NoticeCountsSerializer()
    results = NoticeItemSerializer(many=True)


class NoticeQueueAPI(ModerationAPI):
    class Params(PageParams):
        state = OneOfField(NOTICE_STATES, required=False, default="open")

    @extend_schema(
        operation_id="moderation_notices",
        parameters=[Params],
        responses={200: NoticePageSerializer, **MODERATION_ERRORS},
        summary="The site's notices of illegal content: open ones oldest first.",
    )
    def get(self, request: Request, site: str) -> Response:
        site_obj = access_site_for_moderation(request.user, site)
        params = validated(self.Params, request.query_params)
        items, count, next_page = _page(
            request, notice_queue(site=site_obj, state=params["state"]), params
        )
        body = {
            "state": params["state"],
            "count": count,
            "page": params["page"],
            "next_page": next_page,
            "counts": notice_counts(site=site_obj),
            "results": items,
        }
        return Response(NoticePageSerializer(body).data)


class NoticeDecisionAPI(ModerationAPI):
    @extend_schema_serializer(component_name="NoticeDecisionInput")
    class InputSerializer(serializers.Serializer):
        outcome = OneOfField(tuple(o.value for o in NOTICE_DECISIONS))
        note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
        clause = serializers.CharField(
            max_length=64,
            required=False,
            allow_blank=True,
            default="",
            help_text="Required for `illegal` when the comment is still up: the clause of the "
            "current policy its removal cites.",
        )

    @extend_schema(
        operation_id="moderation_notice_decide",
        request=InputSerializer,
        responses={
            200: NoticeItemSerializer,
            **errors(
                {
                    400: "`invalid`, `unknown_clause`.",
                    404: "`notice_not_found`.",
                    409: "`already_decided`, `illegal_transition`.",
                },
                base=MODERATION_ERRORS,
            ),
        },
        summary="Decide a notice: illegal (the comment is taken down), not illegal, or "
        "outside scope. The notifier is told by e-mail.",
    )
    def post(self, request: Request, notice_id: int) -> Response:
        user = acting_user(request)
        data = validated(self.InputSerializer, request.data)
        notice = notice_decide(
            by=user,
            notice_id=notice_id,
            outcome=data["outcome"],
            note=data["note"],
            clause_id=data["clause"],
        )
        notice = notice_queue(site=notice.site, state="all").get(pk=notice.pk)
        return Response(NoticeItemSerializer(notice).data)


# The transparency report -------------------------------------------------------------------


@extend_schema_serializer(component_name="TransparencyClause")
class TransparencyClauseSerializer(serializers.Serializer):
    clause_id = serializers.CharField()
    clause_title = serializers.CharField()
    held = serializers.IntegerField()
    rejected = serializers.IntegerField()
    removed = serializers.IntegerField()
    automated = serializers.IntegerField()
    moderator = serializers.IntegerField()
    total = serializers.IntegerField()


@extend_schema_serializer(component_name="TransparencyRestrictions")
class RestrictionsSerializer(serializers.Serializer):
    held = serializers.IntegerField()
    rejected = serializers.IntegerField()
    removed = serializers.IntegerField()
    automated = serializers.IntegerField()
    moderator = serializers.IntegerField()
    total = serializers.IntegerField()
    by_clause = TransparencyClauseSerializer(many=True)


@extend_schema_serializer(component_name="TransparencyStandingChanges")
class StandingChangesSerializer(serializers.Serializer):
    active = serializers.IntegerField()
    warned = serializers.IntegerField()
    premoderated = serializers.IntegerField()
    suspended = serializers.IntegerField()
    banned = serializers.IntegerField()


@extend_schema_serializer(component_name="TransparencyAppeals")
class TransparencyAppealsSerializer(serializers.Serializer):
    received = serializers.IntegerField()
    about_comments = serializers.IntegerField()
    about_standing = serializers.IntegerField()
    open = serializers.IntegerField()
    upheld = serializers.IntegerField()
    reversed = serializers.IntegerField()
    median_seconds_to_decision = serializers.FloatField(allow_null=True)


@extend_schema_serializer(component_name="TransparencyLegalGround")
class LegalGroundSerializer(serializers.Serializer):
    legal_ground = serializers.CharField()
    count = serializers.IntegerField()


@extend_schema_serializer(component_name="TransparencyNotices")
class TransparencyNoticesSerializer(serializers.Serializer):
    received = serializers.IntegerField()
    open = serializers.IntegerField()
    illegal = serializers.IntegerField()
    not_illegal = serializers.IntegerField()
    outside_scope = serializers.IntegerField()
    median_seconds_to_decision = serializers.FloatField(allow_null=True)
    by_legal_ground = LegalGroundSerializer(many=True)


@extend_schema_serializer(component_name="TransparencyReport")
class TransparencySerializer(serializers.Serializer):
    site = serializers.CharField()
    since = serializers.DateTimeField(allow_null=True)
    until = serializers.DateTimeField(allow_null=True)
    generated_at = serializers.DateTimeField()
    restrictions = RestrictionsSerializer()
    standing_changes = StandingChangesSerializer()
    appeals = TransparencyAppealsSerializer()
    notices = TransparencyNoticesSerializer()
    comments_decided = serializers.IntegerField(
        help_text="Comments created in the period that a decision published or took down."
    )
    median_seconds_to_decision = serializers.FloatField(allow_null=True)


class PeriodParams(serializers.Serializer):
    since = serializers.DateTimeField(required=False)
    until = serializers.DateTimeField(required=False)


def _report(request: Request, site: str) -> dict[str, Any]:
    site_obj = access_site_for_moderation(request.user, site)
    params = validated(PeriodParams, request.query_params)
    since, until = params.get("since"), params.get("until")
    if since and until and since >= until:
        raise InvalidInput("`since` must be before `until`.", code="invalid_period")
    return transparency_report(site=site_obj, since=since, until=until)


class CSVRenderer(renderers.BaseRenderer):
    """Lets a client ask for text/csv; errors are still the one JSON error body, served as
    application/json (comments.errors.exception_handler)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context=None):
        return data if isinstance(data, (str, bytes)) else json.dumps(data)


def _cell(value: Any) -> Any:
    """A CSV cell a spreadsheet will not run: legal grounds come from anyone's notice."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


class TransparencyAPI(ModerationAPI):
    @extend_schema(
        operation_id="moderation_transparency",
        parameters=[PeriodParams, OpenApiParameter("site", str, OpenApiParameter.PATH)],
        responses={200: TransparencySerializer, **MODERATION_ERRORS},
        summary="The transparency report of a site over a period (DSA Art. 15), as JSON.",
    )
    def get(self, request: Request, site: str) -> Response:
        return Response(TransparencySerializer(_report(request, site)).data)


class TransparencyCSVAPI(ModerationAPI):
    renderer_classes = [renderers.JSONRenderer, CSVRenderer]

    @extend_schema(
        operation_id="moderation_transparency_csv",
        parameters=[PeriodParams, OpenApiParameter("site", str, OpenApiParameter.PATH)],
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR, description="section,key,measure,value rows."
            ),
            **MODERATION_ERRORS,
        },
        summary="The same transparency report as CSV (one row per figure).",
    )
    def get(self, request: Request, site: str) -> HttpResponse:
        report = _report(request, site)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["section", "key", "measure", "value"])
        writer.writerows([_cell(v) for v in row] for row in transparency_rows(report))
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
        name = f"transparency-{report['site']}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
