"""Admin pages for what a site administrator edits: the site's settings, its articles and its
comment policy. Every page is scoped to the sites the user administers (moderation.access);
superusers see every site."""

from datetime import timedelta
from typing import Any

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from comments.errors import ParleyError
from comments.ids import parse_id
from comments.models import Article, Site
from comments.pagecache import article_bump_version, site_pages_changed
from comments.services import site_rotate_api_key
from pipeline.entry import remoderation_start
from pipeline.models import (
    NotificationLog,
    RemoderationRun,
    ScorerConfig,
    WebhookDelivery,
    WebhookEndpoint,
)
from policy.documents import default_policy_source
from policy.models import PolicyVersion
from policy.services import InvalidPolicy, check_policy_source, policy_current, policy_save
from reactions.admin import SiteReactionsInline
from security.reauth import ReauthAdminMixin

from .access import acting_user, is_site_admin, sites_administered_by


class SiteScopedAdmin(admin.ModelAdmin):
    """Visible and editable only on the sites the user administers."""

    site_lookup = "site"  # the path from this model to its Site
    # A scheme-less URL typed into a form means https (Django 6's default, chosen now).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def _administered(self, request: HttpRequest) -> QuerySet[Site]:
        cached = getattr(request, "_administered_sites", None)
        if cached is None:
            cached = request._administered_sites = set(
                sites_administered_by(request.user).values_list("pk", flat=True)
            )
        return cached

    def _site_id(self, obj: Any) -> int:
        return obj.pk if self.site_lookup == "pk" else getattr(obj, f"{self.site_lookup}_id")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(**{f"{self.site_lookup}__in": self._administered(request)})

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_site_admin(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not is_site_admin(request.user):
            return False
        return obj is None or self._site_id(obj) in self._administered(request)

    has_change_permission = has_view_permission

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_site_admin(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if db_field.related_model is Site and not request.user.is_superuser:
            kwargs["queryset"] = Site.objects.filter(pk__in=self._administered(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Site)
class SiteAdmin(ReauthAdminMixin, SiteScopedAdmin):
    site_lookup = "pk"
    list_display = ["slug", "name", "max_depth", "edit_window_seconds", "report_threshold"]
    search_fields = ["slug", "name"]
    actions = ["rotate_api_key", "recheck_last_week"]
    reauth_actions = ["rotate_api_key"]
    inlines = [SiteReactionsInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser  # a new publisher is an installation-level decision

    @admin.action(description="Dry run: re-check the last 7 days under the current policy")
    def recheck_last_week(self, request: HttpRequest, queryset: QuerySet[Site]) -> None:
        since = timezone.now() - timedelta(days=7)
        for site in queryset:
            run = remoderation_start(site=site, since=since, by=acting_user(request))
            self.message_user(
                request,
                f"Dry run {run.pk} for {site.slug} started; see Remoderation runs for what "
                "would change, then apply it from there.",
            )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [] if request.user.is_superuser else ["slug"]

    def save_model(self, request: HttpRequest, obj: Site, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change:
            site_pages_changed(site=obj)  # caches outside Parley purge the site's pages

    @admin.action(description="Rotate the API key (shown once)")
    def rotate_api_key(self, request: HttpRequest, queryset: QuerySet[Site]) -> None:
        for site in queryset:
            key = site_rotate_api_key(site=site)
            self.message_user(
                request, f"New API key for {site.slug}: {key} — store it now.", messages.WARNING
            )


@admin.register(Article)
class ArticleAdmin(SiteScopedAdmin):
    list_display = ["title", "key", "site", "is_open", "closes_at", "premoderated", "created_at"]
    list_filter = ["site", "is_open", "premoderated"]
    search_fields = ["key", "title", "url"]
    list_select_related = ["site"]

    def save_model(self, request: HttpRequest, obj: Article, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change:
            article_bump_version(article_id=obj.pk, site_id=obj.site_id)


class PolicyVersionForm(forms.ModelForm):
    source = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 40, "cols": 110, "style": "font-family: monospace"}),
        help_text="The whole policy in TOML (docs/policy-format.md). It is checked before saving.",
    )

    class Meta:
        model = PolicyVersion
        fields = ["site", "source", "note"]

    def clean_source(self) -> str:
        source = self.cleaned_data["source"]
        try:
            check_policy_source(source)
        except InvalidPolicy as exc:
            raise forms.ValidationError(exc.detail.get("errors") or [exc.message]) from exc
        return source


@admin.register(PolicyVersion)
class PolicyVersionAdmin(ReauthAdminMixin, SiteScopedAdmin):
    """Every save is a new version; saved versions are read-only, since decisions cite them."""

    form = PolicyVersionForm
    reauth_on_save = True
    list_display = ["site", "version", "title", "note", "created_by", "created_at"]
    list_filter = ["site"]
    list_select_related = ["site", "created_by"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return ["site", "source", "note"]
        return ["site", "version", "title", "note", "created_by", "created_at", "source"]

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        initial = super().get_changeform_initial_data(request)
        # `?site=<id>` prefills the site's current policy; anything else is no site.
        site_id = parse_id(initial.get("site"))
        site = Site.objects.filter(pk=site_id).first() if site_id is not None else None
        if site is not None and site.pk not in self._administered(request):
            site = None
        initial["source"] = (
            policy_current(site=site).source if site is not None else default_policy_source()
        )
        return initial

    def save_model(self, request: HttpRequest, obj: PolicyVersion, form, change: bool) -> None:
        saved = policy_save(
            site=form.cleaned_data["site"],
            source=form.cleaned_data["source"],
            by=acting_user(request),
            note=form.cleaned_data.get("note", ""),
        )
        obj.pk = saved.pk
        obj.version = saved.version


@admin.register(ScorerConfig)
class ScorerConfigAdmin(SiteScopedAdmin):
    """External scorers (Akismet, the site's own classifier) the pipeline consults."""

    list_display = ["site", "kind", "endpoint", "enabled", "created_at"]
    list_filter = ["site", "kind", "enabled"]
    list_select_related = ["site"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(SiteScopedAdmin):
    list_display = ["site", "url", "events", "active", "created_at"]
    list_filter = ["site", "active"]
    list_select_related = ["site"]


class LogAdmin(SiteScopedAdmin):
    """A read-only log."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(LogAdmin):
    site_lookup = "endpoint__site"
    list_display = ["event", "endpoint", "status", "attempts", "response_code", "created_at"]
    list_filter = ["status", "event"]
    list_select_related = ["endpoint"]

    def _site_id(self, obj: WebhookDelivery) -> int:
        return obj.endpoint.site_id


@admin.register(NotificationLog)
class NotificationLogAdmin(LogAdmin):
    site_lookup = "comment__site"
    list_display = ["kind", "comment", "recipient", "status", "created_at", "sent_at"]
    list_filter = ["kind", "status"]
    list_select_related = ["comment", "recipient"]

    def _site_id(self, obj: NotificationLog) -> int:
        return obj.comment.site_id


@admin.register(RemoderationRun)
class RemoderationRunAdmin(ReauthAdminMixin, LogAdmin):
    """Re-checking recent published comments after a policy change: a dry run first, then,
    from a finished dry run, the run that applies it."""

    list_display = ["site", "policy_version", "since", "apply", "state", "checked", "created_at"]
    list_filter = ["site", "apply", "state"]
    list_select_related = ["site", "policy_version"]
    readonly_fields = ["changes"]
    actions = ["apply_dry_run"]
    reauth_actions = ["apply_dry_run"]  # takes down every comment the dry run found

    @admin.action(description="Apply the selected finished dry run")
    def apply_dry_run(self, request: HttpRequest, queryset: QuerySet[RemoderationRun]) -> None:
        for run in queryset.select_related("site"):
            try:
                started = remoderation_start(
                    site=run.site,
                    since=run.since,
                    apply=True,
                    confirms=run,
                    by=acting_user(request),
                )
            except ParleyError as exc:
                self.message_user(request, f"Run {run.pk}: {exc.message}", messages.ERROR)
            else:
                self.message_user(request, f"Run {started.pk} is applying run {run.pk}.")


# Sign-in records (django-axes; docs/security.md) ------------------------------------------


class SignInRecordsAdmin(admin.ModelAdmin):
    """Superusers see every record; a site administrator sees those of the accounts holding a
    role on the sites they administer (not failures for unknown usernames, nor other sites'
    staff) and may release those accounts' locks by deleting their attempts."""

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        staff = get_user_model().objects.filter(
            site_roles__site__in=sites_administered_by(request.user)
        )
        return qs.filter(username__in=staff.values("username"))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_site_admin(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_site_admin(request.user)  # objects outside get_queryset are not found

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser


@admin.register(AccessAttempt)
class ScopedAccessAttemptAdmin(SignInRecordsAdmin, AccessAttemptAdmin):
    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_site_admin(request.user)  # deleting an account's attempts releases its lock


@admin.register(AccessFailureLog)
class ScopedAccessFailureLogAdmin(SignInRecordsAdmin, AccessFailureLogAdmin):
    pass


@admin.register(AccessLog)
class ScopedAccessLogAdmin(SignInRecordsAdmin, AccessLogAdmin):
    pass
