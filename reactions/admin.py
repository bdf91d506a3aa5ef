"""Reaction settings, edited on the site's own admin page (moderation.admin_sites.SiteAdmin)."""

from django import forms
from django.contrib import admin

from .kinds import KINDS, MAX_PER_SITE
from .models import SiteReactions


class SiteReactionsForm(forms.ModelForm):
    kinds = forms.MultipleChoiceField(
        choices=[(k.kind, f"{k.emoji} {k.label}") for k in KINDS.values()],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=f"Shown under each comment beside the up-vote, in this order; at most "
        f"{MAX_PER_SITE}. None ticked: the up-vote only.",
    )

    class Meta:
        model = SiteReactions
        fields = ["kinds"]

    def clean_kinds(self) -> list[str]:
        chosen = set(self.cleaned_data["kinds"])
        kinds = [k for k in KINDS if k in chosen]
        if len(kinds) > MAX_PER_SITE:
            raise forms.ValidationError(f"At most {MAX_PER_SITE} reactions.")
        return kinds


class SiteReactionsInline(admin.StackedInline):
    model = SiteReactions
    form = SiteReactionsForm
    can_delete = False
    max_num = 1
    min_num = 0
    extra = 1
    verbose_name = "reactions"
    verbose_name_plural = "reactions"
