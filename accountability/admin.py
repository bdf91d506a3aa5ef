"""The moderators' admin for accountable moderation: the appeal queue, the notice queue and
the transparency report with its charts.

Like every moderation page (moderation.admin.base), each view is behind the role check, each
queryset scoped to the sites the user moderates (moderation.access), and each decision a
service call (accountability.services) per row, reported row by row.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from comments.errors import ParleyError
from moderation.access import (
    access_site_for_moderation,
    acting_user,
    is_moderator,
    sites_moderated_by,
)
from moderation.admin.base import ModerationAdmin, moderation_admin_view
from moderation.admin.filters import SiteFilter
from moderation.admin_sites import SiteScopedAdmin

from .models import Appeal, AppealState, Erasure, Notice, NoticeOutcome, SiteDataPolicy
from .selectors import transparency_report
from .services import appeal_decide, notice_decide


class DecisionForm(helpers.ActionForm):
    note = forms.CharField(
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": "Note to the reader or notifier"}),
    )
    clause = forms.CharField(
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"placeholder": "Clause id (illegal; upholding a hold)"}),
    )


def _each(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    verb: str,
    act: Callable[[Any, str, str], Any],
) -> None:
    note = (request.POST.get("note") or "").strip()
    clause = (request.POST.get("clause") or "").strip()
    done, failed = 0, []
    for row in queryset.order_by("pk"):
        try:
            act(row, note, clause)
        except ParleyError as exc:
            failed.append(f"#{row.pk}: {exc.message}")
        else:
            done += 1
    modeladmin.message_user(
        request, f"{verb}: {done}.", messages.SUCCESS if done else messages.INFO
    )
    if failed:
        modeladmin.message_user(request, "Not done: " + "; ".join(failed), messages.ERROR)


class ScopedQueueAdmin(ModerationAdmin):
    action_form = DecisionForm
    list_per_page = 25
    list_display_links = None

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).filter(site__in=sites_moderated_by(request.user))

    def get_list_filter(self, request: HttpRequest) -> list:
        return [*self.list_filter, SiteFilter]


@admin.register(Appeal)
class AppealAdmin(ScopedQueueAdmin):
    list_display = [
        "id",
        "site",
        "kind",
        "subject",
        "comment_text",
        "appellant",
        "explanation",
        "state",
        "due",
        "decided_by_user",
        "reviewer",
        "outcome_note",
    ]
    list_filter = ["state", "kind"]
    list_select_related = ["site", "appellant", "comment", "decided_by_user", "reviewer"]
    search_fields = ["explanation", "appellant__display_name", "=appellant__public_id"]
    ordering = ["due_at", "id"]
    actions = ["reverse", "uphold"]

    def get_urls(self) -> list:
        report = moderation_admin_view(self.admin_site, self.transparency_view, is_moderator)
        return [
            path("transparency/", report, name="accountability_transparency"),
            *super().get_urls(),
        ]

    @admin.display(description="Decision appealed")
    def subject(self, obj: Appeal) -> str:
        if obj.comment_id is None:
            return f"standing: {obj.contested_status}"
        return format_html(
            '<a href="{}">comment {}</a>: {} ({})',
            reverse("admin:moderation_queuecomment_change", args=[obj.comment_id]),
            obj.comment_id,
            obj.contested_status,
            obj.contested_clause_id or "no clause",
        )

    @admin.display(description="The comment")
    def comment_text(self, obj: Appeal) -> str:
        if obj.comment is None:
            return ""
        body = obj.comment.body
        return body if len(body) <= 300 else body[:297] + "..."

    @admin.display(description="Due", ordering="due_at")
    def due(self, obj: Appeal) -> str:
        if obj.state != AppealState.OPEN:
            return f"decided {obj.decided_at:%Y-%m-%d}" if obj.decided_at else "decided"
        late = " (overdue)" if obj.due_at < timezone.now() else ""
        return f"{obj.due_at:%Y-%m-%d}{late}"

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        scoped = self.get_queryset(request).filter(state=AppealState.OPEN)
        title = (
            f"Appeals: {scoped.count()} open, "
            f"{scoped.filter(due_at__lt=timezone.now()).count()} overdue"
        )
        return super().changelist_view(request, {**(extra_context or {}), "title": title})

    def _decide(self, request: HttpRequest, queryset: QuerySet, outcome: str, verb: str) -> None:
        by = acting_user(request)
        _each(
            self,
            request,
            queryset,
            verb,
            lambda appeal, note, clause: appeal_decide(
                by=by, appeal_id=appeal.pk, outcome=outcome, note=note, clause_id=clause
            ),
        )

    @admin.action(description="Reverse the decision (publish again / restore standing)")
    def reverse(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._decide(request, queryset, AppealState.REVERSED, "Reversed")

    @admin.action(description="Uphold the decision")
    def uphold(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._decide(request, queryset, AppealState.UPHELD, "Upheld")

    def transparency_view(self, request: HttpRequest) -> HttpResponse:
        """The transparency report of one site and period, with charts (Chart.js, served
        from Parley's own static files: the admin's CSP allows no other script origin)."""
        sites = list(sites_moderated_by(request.user))
        slug = request.GET.get("site") or (sites[0].slug if sites else "")
        since = _day(request.GET.get("since"))
        until = _day(request.GET.get("until"))
        context = {
            **self.admin_site.each_context(request),
            "title": "Transparency report",
            "sites": sites,
            "since_value": request.GET.get("since", ""),
            "until_value": request.GET.get("until", ""),
            "report": None,
        }
        if slug:
            try:
                site = access_site_for_moderation(request.user, slug)
            except ParleyError as exc:
                context["error"] = exc.message
            else:
                report = transparency_report(site=site, since=since, until=until)
                query = request.GET.urlencode()
                context.update(
                    site=site,
                    report=report,
                    waits={
                        "comments": _duration(report["median_seconds_to_decision"]),
                        "appeals": _duration(report["appeals"]["median_seconds_to_decision"]),
                        "notices": _duration(report["notices"]["median_seconds_to_decision"]),
                    },
                    chart_data=_chart_data(report),
                    json_url=reverse("moderation-transparency", args=[site.slug]) + f"?{query}",
                    csv_url=reverse("moderation-transparency-csv", args=[site.slug]) + f"?{query}",
                )
        return TemplateResponse(request, "admin/accountability/transparency.html", context)


def _day(value: str | None) -> datetime | None:
    """A date from the form (YYYY-MM-DD) as the start of that day in UTC; None if absent or
    not a date."""
    if not value:
        return None
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        return None
    return datetime.combine(day, time.min, tzinfo=UTC)


def _duration(seconds: float | None) -> str:
    """A median wait as people read it: 40 s, 12 min, 3.5 h, 2.1 days; "none" for no decision."""
    if seconds is None:
        return "none"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 36 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def _chart_data(report: dict[str, Any]) -> dict[str, Any]:
    """What transparency.js draws: plain numbers and labels, handed over as JSON data."""
    clauses = report["restrictions"]["by_clause"]
    return {
        "clauses": {
            "labels": [c["clause_title"] or c["clause_id"] for c in clauses],
            "automated": [c["automated"] for c in clauses],
            "moderator": [c["moderator"] for c in clauses],
        },
        "actions": {
            "labels": ["held", "rejected", "removed"],
            "values": [report["restrictions"][k] for k in ("held", "rejected", "removed")],
        },
        "appeals": {
            "labels": ["open", "upheld", "reversed"],
            "values": [report["appeals"][k] for k in ("open", "upheld", "reversed")],
        },
        "notices": {
            "labels": ["open", "illegal", "not illegal", "outside scope"],
            "values": [
                report["notices"][k] for k in ("open", "illegal", "not_illegal", "outside_scope")
            ],
        },
    }


@admin.register(Notice)
class NoticeAdmin(ScopedQueueAdmin):
    list_display = [
        "id",
        "site",
        "comment_text",
        "notifier_label",
        "legal_ground",
        "explanation",
        "outcome",
        "created_at",
        "reviewer",
        "outcome_note",
    ]
    list_filter = ["outcome"]
    list_select_related = ["site", "comment", "notifier", "reviewer"]
    search_fields = ["legal_ground", "explanation", "notifier_email"]
    ordering = ["created_at", "id"]
    actions = ["illegal", "not_illegal", "outside_scope"]

    @admin.display(description="Comment")
    def comment_text(self, obj: Notice) -> str:
        body = obj.comment.body
        return f"#{obj.comment_id} ({obj.comment.status}): {body[:200]}"

    @admin.display(description="Notifier")
    def notifier_label(self, obj: Notice) -> str:
        if obj.notifier is not None:
            return f"{obj.notifier.display_name} (signed in)"
        return f"{obj.notifier_name or 'guest'} <{obj.notifier_email}>"

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        waiting = self.get_queryset(request).filter(outcome=NoticeOutcome.OPEN).count()
        title = f"Notices of illegal content: {waiting} open"
        return super().changelist_view(request, {**(extra_context or {}), "title": title})

    def _decide(self, request: HttpRequest, queryset: QuerySet, outcome: str, verb: str) -> None:
        by = acting_user(request)
        _each(
            self,
            request,
            queryset,
            verb,
            lambda notice, note, clause: notice_decide(
                by=by, notice_id=notice.pk, outcome=outcome, note=note, clause_id=clause
            ),
        )

    @admin.action(description="Illegal: take the comment down (cite a clause)")
    def illegal(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._decide(request, queryset, NoticeOutcome.ILLEGAL, "Found illegal")

    @admin.action(description="Not illegal")
    def not_illegal(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._decide(request, queryset, NoticeOutcome.NOT_ILLEGAL, "Found not illegal")

    @admin.action(description="Outside the scope of notices")
    def outside_scope(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._decide(request, queryset, NoticeOutcome.OUTSIDE_SCOPE, "Outside scope")


@admin.register(SiteDataPolicy)
class SiteDataPolicyAdmin(SiteScopedAdmin):
    """What happens to a reader's comments when they delete their account (site admins)."""

    list_display = ["site", "erasure", "updated_at"]
    list_select_related = ["site"]


@admin.register(Erasure)
class ErasureAdmin(SiteScopedAdmin):
    """The log of erased accounts: counts only. Erasures a reader made themselves concern no
    one site and are shown to superusers only."""

    list_display = [
        "created_at",
        "via",
        "site",
        "comments_removed",
        "comments_anonymised",
        "votes",
        "reports",
    ]
    list_filter = ["via"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
