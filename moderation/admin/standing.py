"""Commenters' standings and the moderators' action log, both read-only here: standings change
through the queue's author actions and the moderation API (moderation.services)."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode

from moderation.access import sites_moderated_by
from moderation.models import CommenterStanding, ModeratorAction

from .base import ModerationAdmin
from .filters import CommenterFilter, SiteFilter


@admin.register(CommenterStanding)
class CommenterStandingAdmin(ModerationAdmin):
    list_display = ["commenter_link", "site", "state", "until", "reason", "message", "setter"]
    list_filter = ["state", "site"]
    search_fields = ["commenter__display_name", "=commenter__public_id", "reason"]
    list_select_related = ["commenter", "site", "set_by"]
    readonly_fields = ["commenter", "site", "state", "until", "reason", "message", "set_by"]
    list_display_links = None

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).filter(site__in=sites_moderated_by(request.user))

    def get_list_filter(self, request: HttpRequest) -> list:
        return ["state", SiteFilter]

    @admin.display(description="Commenter", ordering="commenter__display_name")
    def commenter_link(self, obj: CommenterStanding) -> str:
        queue = reverse("admin:moderation_queuecomment_changelist")
        log = reverse("admin:moderation_moderatoraction_changelist")
        public_id = obj.commenter.public_id
        return format_html(
            '{} (<a href="{}">comments</a> · <a href="{}">events</a>)',
            obj.commenter.display_name,
            f"{queue}?{urlencode({'author': public_id, 'queue': 'published'})}",
            f"{log}?{urlencode({'commenter': public_id})}",
        )

    @admin.display(description="Set by", ordering="set_at")
    def setter(self, obj: CommenterStanding) -> str:
        who = obj.set_by.get_username() if obj.set_by else "system"
        return f"{who}, {obj.set_at:%Y-%m-%d %H:%M}"


@admin.register(ModeratorAction)
class ModeratorActionAdmin(ModerationAdmin):
    list_display = [
        "created_at",
        "kind",
        "site",
        "comment_link",
        "commenter",
        "actor_label",
        "change",
        "clause_title",
        "note",
    ]
    list_filter = ["kind", SiteFilter, CommenterFilter, ("created_at", admin.DateFieldListFilter)]
    search_fields = ["commenter__display_name", "=commenter__public_id", "actor_label", "note"]
    list_select_related = ["site", "commenter", "comment"]
    list_display_links = None

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).filter(site__in=sites_moderated_by(request.user))

    @admin.display(description="Comment")
    def comment_link(self, obj: ModeratorAction) -> str:
        if not obj.comment_id:
            return "—"
        return format_html(
            '<a href="{}">#{}</a>',
            reverse("admin:moderation_queuecomment_change", args=[obj.comment_id]),
            obj.comment_id,
        )

    @admin.display(description="Change")
    def change(self, obj: ModeratorAction) -> str:
        if obj.kind == ModeratorAction.Kind.STANDING:
            until = f" until {obj.until:%Y-%m-%d %H:%M}" if obj.until else ""
            return f"{obj.standing_from or 'active'} → {obj.standing_to}{until}"
        if obj.from_status != obj.to_status:
            return f"{obj.from_status} → {obj.to_status}"
        return ""
