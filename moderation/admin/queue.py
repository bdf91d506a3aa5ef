"""The moderation queue: one page per queue (held, reported, pending, rejected, published),
rows decided in place by moderation/queue.js through the moderation API, bulk actions below.

Reader-supplied text reaches the page only through auto-escaped templates
(admin/moderation/queuecomment/row_*.html) and moderation.display, which escapes it.
"""

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import SafeString

from comments.errors import NotFound, ParleyError
from comments.ids import parse_id
from comments.models import Comment, CommentStatus
from moderation import display
from moderation.access import access_comment_for_moderation, comments_for_moderation
from moderation.models import QueueComment
from moderation.selectors import (
    QUEUE_ORDER,
    QUEUES,
    Clause,
    comment_history,
    for_display,
    latest_decision,
    open_reports,
    with_queue_state,
)
from moderation.services import allowed_actions
from policy.models import StandingState
from security.reauth import ReauthAdminMixin

from .actions import QUEUE_ACTIONS, QueueActionForm
from .base import ModerationAdmin
from .filters import (
    QUEUE_LABELS,
    ArticleFilter,
    AuthorFilter,
    ClauseFilter,
    QueueFilter,
    SiteFilter,
    clause_choices,
    clauses_by_site,
    queue_sizes,
    selected_queue,
)

S = CommentStatus
TEMPLATES = "admin/moderation/queuecomment"


def _render(name: str, context: dict[str, Any]) -> SafeString:
    return render_to_string(f"{TEMPLATES}/{name}.html", context)


@admin.register(QueueComment)
class QueueAdmin(ReauthAdminMixin, ModerationAdmin):
    list_filter = [
        QueueFilter,
        SiteFilter,
        ArticleFilter,
        ClauseFilter,
        "status",
        AuthorFilter,
        ("created_at", admin.DateFieldListFilter),
    ]
    search_fields = ["body", "author__display_name", "author__user__username", "=author__public_id"]
    list_per_page = 25
    show_full_result_count = False
    action_form = QueueActionForm
    actions = QUEUE_ACTIONS
    # Bulk take-downs and bans ask for the password again after PARLEY_REAUTH_SECONDS
    # (security.reauth); the row buttons and keys (one comment, through the API) do not.
    reauth_actions = ["reject_or_remove", "ban_authors", "ban_authors_and_take_down"]
    list_display_links = None
    fields = ["summary", "history_table"]
    readonly_fields = ["summary", "history_table"]

    class Media:
        css = {"all": ["moderation/queue.css"]}
        js = ["moderation/queue.js"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return for_display(with_queue_state(comments_for_moderation(request.user)))

    def get_ordering(self, request: HttpRequest) -> tuple[str, ...]:
        return QUEUE_ORDER[selected_queue(request)]

    def get_list_display(self, request: HttpRequest) -> list:
        # Closures over the request: each row needs the request's clause lists and queue.
        clauses = clauses_by_site(request)
        queue = selected_queue(request)

        @admin.display(description="Comment")
        def comment(obj: Comment) -> str:
            return self.comment_cell(obj)

        @admin.display(description="Author")
        def author(obj: Comment) -> str:
            return self.author_cell(obj)

        @admin.display(description="Why it is here")
        def why(obj: Comment) -> str:
            return self.why_cell(obj)

        @admin.display(description="Decide")
        def decide(obj: Comment) -> str:
            return self.decide_cell(obj, clauses.get(obj.site_id, []), queue)

        return [comment, author, why, decide]

    # Cells.

    def comment_cell(self, obj: Comment) -> SafeString:
        decision = latest_decision(obj)
        return _render(
            "row_comment",
            {
                "comment": obj,
                "decision_url": reverse("moderation-decision", args=[obj.pk]),
                "history_url": reverse("admin:moderation_queuecomment_change", args=[obj.pk]),
                "age": display.age(obj.created_at),
                "parent": display.parent_html(obj),
                "body": display.highlighted(obj.body, decision.hits if decision else []),
            },
        )

    def author_cell(self, obj: Comment) -> SafeString:
        author = obj.author
        state = obj.standing_state or StandingState.ACTIVE
        suspended = obj.standing_until and state == StandingState.SUSPENDED
        queue_url = reverse("admin:moderation_queuecomment_changelist")
        log_url = reverse("admin:moderation_moderatoraction_changelist")
        standing_url = reverse("admin:moderation_commenterstanding_changelist")
        return _render(
            "row_author",
            {
                "comment": obj,
                "author": author,
                "state": state,
                "until": obj.standing_until.strftime("%Y-%m-%d %H:%M") if suspended else "",
                "member_for": display.age(author.user.date_joined),
                "comments_url": f"{queue_url}?"
                + urlencode({"author": author.public_id, "queue": "published"}),
                "events_url": f"{log_url}?{urlencode({'commenter': author.public_id})}",
                "standing_url": f"{standing_url}?{urlencode({'q': author.public_id})}",
            },
        )

    def why_cell(self, obj: Comment) -> SafeString:
        reports = getattr(obj, "report_list", [])
        return format_html(
            "{}{}",
            display.hits_html(latest_decision(obj)),
            display.reports_html(reports, {r.pk for r in open_reports(obj)}),
        )

    def decide_cell(self, obj: Comment, clauses: list[Clause], queue: str) -> SafeString:
        actions = allowed_actions(obj)
        against = "remove" if obj.status == S.PUBLISHED else "reject"
        buttons = []
        if "approve" in actions:
            label = "Dismiss reports" if obj.status == S.PUBLISHED else "Approve"
            buttons.append(("approve", "a", label))
        if against in actions and obj.status not in (S.REJECTED, S.REMOVED):
            buttons.append((against, "r", against.title()))
        if obj.status == S.PUBLISHED:
            if obj.featured:
                buttons.append(("unfeature", "f", "Unfeature"))
            else:
                buttons.append(("feature", "f", "Feature"))
        return _render(
            "row_decide",
            {"comment": obj, "clauses": clauses, "queue": queue, "buttons": buttons},
        )

    # The comment's page: what it says and everything that happened to it.

    @admin.display(description="Comment")
    def summary(self, obj: Comment) -> SafeString:
        return _render(
            "summary",
            {
                "comment": obj,
                "comment_cell": self.comment_cell(obj),
                "author_cell": self.author_cell(obj),
                "why_cell": self.why_cell(obj),
            },
        )

    @admin.display(description="History")
    def history_table(self, obj: Comment) -> SafeString:
        return _render("history", {"events": comment_history(comment=obj)})

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        # A comment of a site the moderator does not moderate: 403, not the admin's redirect.
        comment_id = parse_id(object_id)
        if comment_id is None:
            raise Http404
        try:
            access_comment_for_moderation(request.user, comment_id)
        except NotFound as exc:
            raise Http404 from exc
        except ParleyError as exc:
            raise PermissionDenied from exc
        return super().change_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        tabs = self._queue_tabs(request)
        current = next(t for t in tabs if t["current"])
        extra = {
            "title": f"Moderation queue: {current['label']}",
            "queue_tabs": tabs,
            "queue_help": True,
            **(extra_context or {}),
        }
        response = super().changelist_view(request, extra)
        form = getattr(response, "context_data", {}).get("action_form")
        if form is not None:
            form.fields["clause"].widget.choices = clause_choices(request)
        return response

    def _queue_tabs(self, request: HttpRequest) -> list[dict[str, Any]]:
        counts = queue_sizes(request)
        current = selected_queue(request)
        params = {k: v for k, v in request.GET.items() if k in ("site", "article", "clause")}
        base = reverse("admin:moderation_queuecomment_changelist")
        return [
            {
                "name": name,
                "label": QUEUE_LABELS[name],
                "count": counts[name],
                "current": name == current,
                "url": f"{base}?{urlencode({**params, 'queue': name})}",
            }
            for name in QUEUES
        ]
