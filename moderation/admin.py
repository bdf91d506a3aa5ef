"""The moderators' side of the admin: the queue, standings, the action log and site roles.

Every page goes through `moderation_admin_view` (anonymous: the login page; signed in but not
a moderator: 403) and every queryset through moderation.access. Actions call services.
"""

from collections.abc import Callable
from datetime import timedelta
from functools import update_wrapper
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth import get_user_model
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.generic import RedirectView

from comments.errors import NotFound, ParleyError
from comments.models import Article, Comment, CommentStatus
from policy.models import StandingState

from . import admin_sites, display  # noqa: F401 - admin_sites registers its pages
from .access import (
    access_comment_for_moderation,
    comments_for_moderation,
    is_moderator,
    is_site_admin,
    sites_administered_by,
    sites_moderated_by,
)
from .models import CommenterStanding, ModeratorAction, QueueComment, SiteRole
from .selectors import (
    QUEUE_ORDER,
    QUEUES,
    Clause,
    clause_q,
    comment_history,
    for_display,
    latest_decision,
    open_reports,
    policy_clauses,
    queue_counts,
    queue_q,
    with_queue_state,
)
from .services import (
    allowed_actions,
    comment_approve,
    comment_feature,
    comment_reject,
    comment_remove,
    site_role_grant,
    site_role_revoke,
    standing_set,
)

S = CommentStatus
QUEUE_LABELS = {
    "held": "Held",
    "reported": "Reported",
    "pending": "Pending",
    "rejected": "Rejected & removed",
    "published": "Published",
}


def moderation_admin_view(
    admin_site: admin.AdminSite, view: Callable, allowed: Callable[[Any], bool]
) -> Callable:
    """Like AdminSite.admin_view, but a signed-in user without the role gets 403, not the
    login form."""

    def inner(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(
                request.get_full_path(), reverse("admin:login", current_app=admin_site.name)
            )
        if not allowed(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return csrf_protect(never_cache(update_wrapper(inner, view)))


class ModerationAdmin(admin.ModelAdmin):
    """Base for every admin page of this app: access from moderation.access, no raw saves."""

    page_access: Callable[[Any], bool] = staticmethod(is_moderator)

    def get_urls(self) -> list:
        info = self.opts.app_label, self.opts.model_name

        def wrap(view: Callable) -> Callable:
            return moderation_admin_view(self.admin_site, view, self.page_access)

        return [
            path("", wrap(self.changelist_view), name="{}_{}_changelist".format(*info)),
            path("add/", wrap(self.add_view), name="{}_{}_add".format(*info)),
            path(
                "<path:object_id>/history/",
                wrap(self.history_view),
                name="{}_{}_history".format(*info),
            ),
            path(
                "<path:object_id>/delete/",
                wrap(self.delete_view),
                name="{}_{}_delete".format(*info),
            ),
            path(
                "<path:object_id>/change/",
                wrap(self.change_view),
                name="{}_{}_change".format(*info),
            ),
            path(
                "<path:object_id>/",
                wrap(RedirectView.as_view(pattern_name="admin:{}_{}_change".format(*info))),
            ),
        ]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.page_access(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.page_access(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# The queue ---------------------------------------------------------------------------------


def _selected_site_ids(request: HttpRequest) -> list[int]:
    raw = request.GET.get("site")
    return [int(raw)] if raw and raw.isdigit() else []


def _counts(request: HttpRequest) -> dict[str, int]:
    """Queue sizes over the sites in view, once per request (the tabs and the filter)."""
    counts = getattr(request, "moderation_queue_counts", None)
    if counts is None:
        sites = sites_moderated_by(request.user)
        if site_ids := _selected_site_ids(request):
            sites = sites.filter(pk__in=site_ids)
        counts = queue_counts(sites=sites)
        request.moderation_queue_counts = counts
    return counts


class QueueFilter(admin.SimpleListFilter):
    title = "queue"
    parameter_name = "queue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        counts = _counts(request)
        return [(name, f"{QUEUE_LABELS[name]} ({counts[name]})") for name in QUEUES]

    def value(self) -> str:
        value = super().value()
        return value if value in QUEUES else "held"

    def choices(self, changelist: Any):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(queue_q(self.value()))


class SiteFilter(admin.SimpleListFilter):
    title = "site"
    parameter_name = "site"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(str(s.pk), s.name) for s in sites_moderated_by(request.user)]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        return queryset.filter(site_id=int(value)) if value and value.isdigit() else queryset


class ArticleFilter(admin.SimpleListFilter):
    """The articles with the most recent comments (any article by ?article=<id>)."""

    title = "article"
    parameter_name = "article"
    shown = 20

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        articles = Article.objects.filter(site__in=sites_moderated_by(request.user))
        if site_ids := _selected_site_ids(request):
            articles = articles.filter(site_id__in=site_ids)
        recent = list(articles.order_by("-created_at")[: self.shown])
        value = self.value()
        if value and value.isdigit() and all(str(a.pk) != value for a in recent):
            recent += list(articles.filter(pk=int(value)))
        return [(str(a.pk), str(a)) for a in recent]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        return queryset.filter(article_id=int(value)) if value and value.isdigit() else queryset


def _clauses_by_site(request: HttpRequest) -> dict[int, list[Clause]]:
    """The policy clauses of each site the moderator works on, once per request."""
    cached = getattr(request, "moderation_clauses", None)
    if cached is None:
        cached = {site.pk: policy_clauses(site=site) for site in sites_moderated_by(request.user)}
        request.moderation_clauses = cached
    return cached


class ClauseFilter(admin.SimpleListFilter):
    title = "clause"
    parameter_name = "clause"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        seen: dict[str, str] = {}
        site_ids = _selected_site_ids(request)
        for site_id, clauses in _clauses_by_site(request).items():
            if site_ids and site_id not in site_ids:
                continue
            for clause in clauses:
                seen.setdefault(clause.id, f"§{clause.number} {clause.title}")
        return list(seen.items())

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        return queryset.filter(clause_q(value)) if value else queryset


class AuthorFilter(admin.SimpleListFilter):
    """Set by the author links in each row (?author=<public id>)."""

    title = "author"
    parameter_name = "author"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        value = self.value()
        if not value:
            return []
        names = Comment.objects.filter(author__public_id=value).values_list(
            "author__display_name", flat=True
        )
        return [(value, names.first() or value)]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        return queryset.filter(author__public_id=value) if value else queryset


class QueueActionForm(helpers.ActionForm):
    clause = forms.CharField(
        required=False, widget=forms.Select(), help_text="For reject and remove."
    )
    note = forms.CharField(
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": "Note or message to the reader"}),
    )
    days = forms.IntegerField(required=False, min_value=1, max_value=3650, initial=7)


def _clause_choices(request: HttpRequest) -> list[tuple[str, str]]:
    seen: dict[str, str] = {"": "— clause —"}
    for clauses in _clauses_by_site(request).values():
        for clause in clauses:
            seen.setdefault(clause.id, f"§{clause.number} {clause.title}")
    return list(seen.items())


@admin.register(QueueComment)
class QueueAdmin(ModerationAdmin):
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
    actions = [
        "approve",
        "reject_or_remove",
        "feature",
        "unfeature",
        "warn_authors",
        "suspend_authors",
        "premoderate_authors",
        "ban_authors",
        "ban_authors_and_take_down",
        "restore_authors",
    ]
    list_display_links = None
    fields = ["summary", "history_table"]
    readonly_fields = ["summary", "history_table"]

    class Media:
        css = {"all": ["moderation/queue.css"]}
        js = ["moderation/queue.js"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return for_display(with_queue_state(comments_for_moderation(request.user)))

    def get_ordering(self, request: HttpRequest) -> list[str]:
        queue = request.GET.get("queue")
        return list(QUEUE_ORDER.get(queue or "held", QUEUE_ORDER["held"]))

    def get_list_display(self, request: HttpRequest) -> list:
        # Closures over the request: each row needs the request's clause lists and queue.
        clauses = _clauses_by_site(request)
        queue = request.GET.get("queue") if request.GET.get("queue") in QUEUES else "held"

        def comment(obj: Comment) -> str:
            return self.comment_cell(obj)

        def author(obj: Comment) -> str:
            return self.author_cell(obj)

        def why(obj: Comment) -> str:
            return self.why_cell(obj)

        def decide(obj: Comment) -> str:
            return self.decide_cell(obj, clauses.get(obj.site_id, []), queue)

        comment.short_description = "Comment"
        author.short_description = "Author"
        why.short_description = "Why it is here"
        decide.short_description = "Decide"
        return [comment, author, why, decide]

    # Cells. Reader-supplied text only ever passes through format_html / display.*

    def comment_cell(self, obj: Comment) -> str:
        decision = latest_decision(obj)
        body = display.highlighted(obj.body, decision.hits if decision else [])
        return format_html(
            '<div class="pm-row" data-id="{}" data-status="{}" data-featured="{}"'
            ' data-decision-url="{}">'
            '<div class="pm-meta"><span class="pm-status pm-status-{}">{}</span>{} · '
            '<a href="{}">{}</a> · {} ago{} · <a href="{}">history</a></div>'
            '{}<div class="pm-body">{}</div>{}</div>',
            obj.pk,
            obj.status,
            "true" if obj.featured else "false",
            reverse("moderation-decision", args=[obj.pk]),
            obj.status,
            obj.get_status_display(),
            format_html(' <span class="pm-featured">{}</span>', "featured") if obj.featured else "",
            obj.article.url or "#",
            str(obj.article),
            display.age(obj.created_at),
            " · edited" if obj.edited_at else "",
            reverse("admin:moderation_queuecomment_change", args=[obj.pk]),
            display.parent_html(obj),
            body,
            format_html(
                '<div class="pm-applied">Applied: {} ({}) — {}</div>',
                obj.moderation_clause_title,
                obj.moderation_clause_id,
                obj.moderation_reason,
            )
            if obj.moderation_clause_id
            else "",
        )

    def author_cell(self, obj: Comment) -> str:
        author = obj.author
        state = obj.standing_state or StandingState.ACTIVE
        queue_url = reverse("admin:moderation_queuecomment_changelist")
        log_url = reverse("admin:moderation_moderatoraction_changelist")
        standing_url = reverse("admin:moderation_commenterstanding_changelist")
        return format_html(
            '<div class="pm-author"><b>{}</b> <span class="pm-standing pm-standing-{}">{}{}</span>'
            "<br>{} approved · {} rejected · {} removed · {} reported"
            "<br>member for {}{}"
            '<br><a href="{}">comments</a> · <a href="{}">events</a> · <a href="{}">standing</a>'
            "</div>",
            author.display_name,
            state,
            state,
            format_html(" until {}", obj.standing_until.strftime("%Y-%m-%d %H:%M"))
            if obj.standing_until and state == StandingState.SUSPENDED
            else "",
            obj.author_approved,
            obj.author_rejected,
            obj.author_removed,
            obj.author_reported,
            display.age(author.user.date_joined),
            format_html("<br>“{}”", obj.standing_reason) if obj.standing_reason else "",
            f"{queue_url}?{urlencode({'author': author.public_id, 'queue': 'published'})}",
            f"{log_url}?{urlencode({'commenter': author.public_id})}",
            f"{standing_url}?{urlencode({'q': author.public_id})}",
        )

    def why_cell(self, obj: Comment) -> str:
        reports = getattr(obj, "report_list", [])
        return format_html(
            "{}{}",
            display.hits_html(latest_decision(obj)),
            display.reports_html(reports, {r.pk for r in open_reports(obj)}),
        )

    def decide_cell(self, obj: Comment, clauses: list[Clause], queue: str) -> str:
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
        options = format_html_join(
            "",
            '<option value="{}"{}>§{} {}</option>',
            (
                (
                    c.id,
                    " selected" if c.id == obj.moderation_clause_id else "",
                    c.number,
                    c.title,
                )
                for c in clauses
            ),
        )
        return format_html(
            '<div class="pm-decide" data-queue="{}">'
            '<select class="pm-clause-select" aria-label="Clause">'
            '<option value="">— clause —</option>{}</select>'
            '<input class="pm-note" type="text" maxlength="500" placeholder="Note to the author">'
            "{}"
            '<div class="pm-result" role="status"></div></div>',
            queue,
            options,
            format_html_join(
                "",
                '<button type="button" class="button pm-do" data-action="{}" title="key: {}">'
                "{}</button>",
                buttons,
            ),
        )

    # The comment's page: what it says and everything that happened to it.

    @admin.display(description="Comment")
    def summary(self, obj: Comment) -> str:
        return format_html(
            "{}{}{}{}",
            self.comment_cell(obj),
            self.author_cell(obj),
            self.why_cell(obj),
            format_html(
                '<p>{} on <a href="{}">{}</a></p>',
                obj.site,
                obj.article.url or "#",
                obj.article,
            ),
        )

    @admin.display(description="History")
    def history_table(self, obj: Comment) -> str:
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
            "<td>{}</td></tr>",
            (
                (
                    e.at.strftime("%Y-%m-%d %H:%M:%S"),
                    e.kind,
                    f"{e.actor_kind}: {e.actor}" if e.actor else e.actor_kind,
                    e.summary,
                    format_html("{}: {}", e.clause_id, e.clause_title) if e.clause_id else "",
                    e.policy_version or "",
                    e.note,
                )
                for e in comment_history(comment=obj)
            ),
        )
        return format_html(
            '<table class="pm-history"><thead><tr><th>When</th><th>What</th><th>Who</th>'
            "<th>Change</th><th>Clause</th><th>Policy</th><th>Note</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            rows,
        )

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        # A comment of a site the moderator does not moderate: 403, not the admin's redirect.
        if not object_id.isdigit() or len(object_id) > 18:
            raise Http404
        try:
            access_comment_for_moderation(request.user, int(object_id))
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
            form.fields["clause"].widget.choices = _clause_choices(request)
        return response

    def _queue_tabs(self, request: HttpRequest) -> list[dict[str, Any]]:
        counts = _counts(request)
        current = request.GET.get("queue") if request.GET.get("queue") in QUEUES else "held"
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

    # Actions on a selection. Each comment is decided in its own transaction; failures are
    # reported and do not undo the others.

    def _form_value(self, request: HttpRequest, name: str) -> str:
        return (request.POST.get(name) or "").strip()

    def _each(
        self, request: HttpRequest, queryset: QuerySet, verb: str, act: Callable[[Comment], Any]
    ) -> None:
        done, unchanged, failed = 0, 0, []
        for comment in queryset.order_by("pk"):
            try:
                outcome = act(comment)
            except ParleyError as exc:
                failed.append(f"#{comment.pk}: {exc.message}")
                continue
            if getattr(outcome, "changed", True):
                done += 1
            else:
                unchanged += 1
        text = f"{verb}: {done}."
        if unchanged:
            text += f" Already so: {unchanged}."
        self.message_user(request, text, messages.SUCCESS if done else messages.INFO)
        if failed:
            self.message_user(request, "Not done: " + "; ".join(failed), messages.ERROR)

    @admin.action(description="Approve (publish; dismiss reports)")
    def approve(self, request: HttpRequest, queryset: QuerySet) -> None:
        note = self._form_value(request, "note")
        self._each(
            request,
            queryset,
            "Approved",
            lambda c: comment_approve(by=request.user, comment_id=c.pk, note=note),
        )

    @admin.action(description="Reject, or remove if published, citing the clause")
    def reject_or_remove(self, request: HttpRequest, queryset: QuerySet) -> None:
        clause, note = self._form_value(request, "clause"), self._form_value(request, "note")

        def act(comment: Comment):
            decide = comment_remove if comment.status == S.PUBLISHED else comment_reject
            return decide(by=request.user, comment_id=comment.pk, clause_id=clause, note=note)

        self._each(request, queryset, "Rejected or removed", act)

    @admin.action(description="Feature")
    def feature(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(
            request,
            queryset,
            "Featured",
            lambda c: comment_feature(by=request.user, comment_id=c.pk, featured=True),
        )

    @admin.action(description="Stop featuring")
    def unfeature(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(
            request,
            queryset,
            "Unfeatured",
            lambda c: comment_feature(by=request.user, comment_id=c.pk, featured=False),
        )

    def _authors(self, request: HttpRequest, queryset: QuerySet, verb: str, **change: Any) -> None:
        pairs = {(c.site, c.author) for c in queryset.select_related("site", "author")}
        done, failed = 0, []
        for site, author in sorted(pairs, key=lambda p: (p[0].pk, p[1].pk)):
            try:
                outcome = standing_set(by=request.user, site=site, commenter=author, **change)
            except ParleyError as exc:
                failed.append(f"{author.display_name}: {exc.message}")
                continue
            done += int(outcome.changed)
        self.message_user(request, f"{verb}: {done} author(s).", messages.SUCCESS)
        if failed:
            self.message_user(request, "Not done: " + "; ".join(failed), messages.ERROR)

    @admin.action(description="Authors: warn (the note is the message they see)")
    def warn_authors(self, request: HttpRequest, queryset: QuerySet) -> None:
        note = self._form_value(request, "note")
        self._authors(
            request, queryset, "Warned", state=StandingState.WARNED, reason=note, message=note
        )

    @admin.action(description="Authors: suspend for the number of days")
    def suspend_authors(self, request: HttpRequest, queryset: QuerySet) -> None:
        raw = self._form_value(request, "days") or "7"
        days = int(raw) if raw.isdigit() and 0 < int(raw) <= 3650 else 7
        note = self._form_value(request, "note")
        self._authors(
            request,
            queryset,
            f"Suspended for {days} days",
            state=StandingState.SUSPENDED,
            until=timezone.now() + timedelta(days=days),
            reason=note,
            message=note,
        )

    @admin.action(description="Authors: premoderate all their comments")
    def premoderate_authors(self, request: HttpRequest, queryset: QuerySet) -> None:
        note = self._form_value(request, "note")
        self._authors(
            request, queryset, "Premoderated", state=StandingState.PREMODERATED, reason=note
        )

    @admin.action(description="Authors: ban")
    def ban_authors(self, request: HttpRequest, queryset: QuerySet) -> None:
        note = self._form_value(request, "note")
        self._authors(
            request, queryset, "Banned", state=StandingState.BANNED, reason=note, message=note
        )

    @admin.action(description="Authors: ban and take down their comments of the last 7 days")
    def ban_authors_and_take_down(self, request: HttpRequest, queryset: QuerySet) -> None:
        note = self._form_value(request, "note")
        self._authors(
            request,
            queryset,
            "Banned",
            state=StandingState.BANNED,
            reason=note,
            message=note,
            reject_recent=True,
        )

    @admin.action(description="Authors: restore to active")
    def restore_authors(self, request: HttpRequest, queryset: QuerySet) -> None:
        note = self._form_value(request, "note")
        self._authors(request, queryset, "Restored", state=StandingState.ACTIVE, reason=note)


# Standing and the action log -------------------------------------------------------------


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


class CommenterFilter(admin.SimpleListFilter):
    title = "commenter"
    parameter_name = "commenter"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        value = self.value()
        if not value:
            return []
        return [(value, value)]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        return queryset.filter(commenter__public_id=value) if value else queryset


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


# Roles -------------------------------------------------------------------------------------


class SiteRoleForm(forms.ModelForm):
    username = forms.CharField(max_length=150, help_text="The staff member's username.")

    class Meta:
        model = SiteRole
        fields = ["site", "role"]

    def clean_username(self) -> Any:
        name = self.cleaned_data["username"]
        user = get_user_model().objects.filter(username=name).first()
        if user is None:
            raise forms.ValidationError("No user with that username.")
        return user


@admin.register(SiteRole)
class SiteRoleAdmin(ModerationAdmin):
    page_access = staticmethod(is_site_admin)
    list_display = ["user", "site", "role", "granted_by", "created_at"]
    list_filter = ["role", "site"]
    search_fields = ["user__username"]
    list_select_related = ["user", "site", "granted_by"]
    form = SiteRoleForm

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).filter(site__in=sites_administered_by(request.user))

    def get_list_filter(self, request: HttpRequest) -> list:
        return ["role", SiteFilter]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        if db_field.name == "site":
            kwargs["queryset"] = sites_administered_by(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_site_admin(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_site_admin(request.user)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["username", "site", "role"]

    def save_model(self, request: HttpRequest, obj: SiteRole, form: Any, change: bool) -> None:
        role = site_role_grant(
            by=request.user,
            user=form.cleaned_data["username"],
            site=form.cleaned_data["site"],
            role=form.cleaned_data["role"],
        )
        obj.pk, obj.user, obj.site, obj.role = role.pk, role.user, role.site, role.role

    def delete_model(self, request: HttpRequest, obj: SiteRole) -> None:
        site_role_revoke(by=request.user, user=obj.user, site=obj.site)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for role in queryset.select_related("user", "site"):
            site_role_revoke(by=request.user, user=role.user, site=role.site)
