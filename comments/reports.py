"""Reader reports: a signed-in reader says a comment breaks a clause of the site's policy.

When the open reports on a published comment (comments.selectors.reports_open) reach the site's
`report_threshold`, the comment is held (actor: readers; clause: the most reported one) and
lands in the moderators' reported queue, where every report is shown with its clause.
"""

from collections import Counter

from django.db import IntegrityError, transaction
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from api.schema import ERRORS
from api.views import BaseAPI, validated

from . import hooks
from .errors import Conflict, Forbidden, NotFound, UnknownClause
from .lifecycle import Actor, transition
from .locks import comments_locked
from .models import ActorKind, Comment, Commenter, CommentStatus, Report
from .readers import require_reader
from .selectors import reports_open, visible_q

S = CommentStatus


class AlreadyReported(Conflict):
    code = "already_reported"
    message = "You have already reported this comment."


@transaction.atomic
def report_create(
    *, comment_id: int, reporter: Commenter, clause_id: str, note: str = ""
) -> Report:
    """File one report; may hold the comment (see the module docstring).

    Checks, in order: the comment is visible to the reporter and not a tombstone (404), it is
    not their own (403), the clause is in the site's policy in force (400), one report per
    reader per comment (409)."""
    comment = comments_locked("site", "author").filter(visible_q(reporter), pk=comment_id).first()
    if comment is None or comment.is_tombstone:
        raise NotFound("No such comment.", code="comment_not_found")
    if comment.author_id == reporter.pk:
        raise Forbidden("You cannot report your own comment.", code="own_comment")
    clauses = hooks.policy_clauses(comment.site)
    if clause_id not in clauses:
        raise UnknownClause(clause=clause_id, allowed=list(clauses))
    try:
        with transaction.atomic():
            report = Report.objects.create(
                comment=comment, reporter=reporter, clause_id=clause_id, note=note[:500]
            )
    except IntegrityError as exc:
        raise AlreadyReported() from exc
    if comment.status == S.PUBLISHED:
        _hold_if_over_threshold(comment, clauses)
    return report


def _hold_if_over_threshold(comment: Comment, clauses: dict[str, str]) -> None:
    """Precondition: the comment's row lock is held and it is published."""
    # Only open reports count: those a moderator already dealt with, or that were about a text
    # since edited and published again, do not count again (comments.selectors).
    reports = reports_open(comment=comment)
    cited = list(reports.values_list("clause_id", flat=True))
    if len(cited) < comment.site.report_threshold:
        return
    counts = Counter(cited)
    # The most reported clause; a tie goes to the one reported first.
    clause_id = max(counts, key=lambda c: (counts[c], -cited.index(c)))
    transition(
        comment,
        to=S.HELD,
        actor=Actor(ActorKind.READERS, f"{len(cited)} reader reports"),
        clause_id=clause_id,
        clause_title=clauses.get(clause_id, ""),
        note=f"Held for a moderator after {len(cited)} reader reports.",
    )


class ReportAPI(BaseAPI):
    class ReportInputSerializer(serializers.Serializer):
        clause = serializers.CharField(max_length=64, help_text="A clause id of the policy.")
        note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    @extend_schema_serializer(component_name="Report")
    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        comment = serializers.IntegerField(source="comment_id")
        clause = serializers.CharField(source="clause_id")
        note = serializers.CharField()
        created_at = serializers.DateTimeField()

    @extend_schema(
        operation_id="comment_report",
        request=ReportInputSerializer,
        responses={201: OutputSerializer, **ERRORS},
        summary="Report a comment as breaking a clause of the site's policy.",
        description=(
            "One report per reader per comment (409 `already_reported`). Readers cannot report "
            "their own comments (403 `own_comment`). The clause must be an id of the site's "
            "policy in force (400 `unknown_clause`, with the allowed ids). A comment the reader "
            "cannot see answers 404. Enough reports hold the comment for a moderator."
        ),
    )
    def post(self, request: Request, comment_id: int) -> Response:
        reader = require_reader(request)
        data = validated(self.ReportInputSerializer, request.data)
        report = report_create(
            comment_id=comment_id, reporter=reader, clause_id=data["clause"], note=data["note"]
        )
        return Response(self.OutputSerializer(report).data, status=status.HTTP_201_CREATED)
