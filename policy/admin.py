"""Admin for policy documents: every save is a new version; saved versions are read-only."""

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from comments.models import Site

from .documents import default_policy_source
from .models import PolicyVersion
from .services import InvalidPolicy, check_policy_source, policy_current, policy_save


class PolicyVersionForm(forms.ModelForm):
    source = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 40, "cols": 110, "style": "font-family: monospace"}),
        help_text="The whole policy in TOML. Every clause's rules are checked before saving.",
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
class PolicyVersionAdmin(admin.ModelAdmin):
    form = PolicyVersionForm
    list_display = ["site", "version", "title", "note", "created_by", "created_at"]
    list_filter = ["site"]
    list_select_related = ["site", "created_by"]
    readonly_fields = ["version", "title", "created_by", "created_at"]

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False if obj is not None else super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # decisions cite versions; they are kept

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        initial = super().get_changeform_initial_data(request)
        site = Site.objects.filter(pk=initial.get("site")).first()
        initial["source"] = (
            policy_current(site=site).source if site is not None else default_policy_source()
        )
        return initial

    def save_model(self, request: HttpRequest, obj: PolicyVersion, form, change: bool) -> None:
        saved = policy_save(
            site=form.cleaned_data["site"],
            source=form.cleaned_data["source"],
            by=request.user,
            note=form.cleaned_data.get("note", ""),
        )
        obj.pk = saved.pk
        obj.version = saved.version
