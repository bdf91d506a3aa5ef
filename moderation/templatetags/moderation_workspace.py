"""{% moderation_workspace %}: the moderators' workspace on the admin's start page."""

from django import template

from moderation.workspace import workspace_for

register = template.Library()


@register.inclusion_tag("admin/moderation/workspace.html", takes_context=True)
def moderation_workspace(context: template.Context) -> dict:
    request = context["request"]
    return {"workspace": workspace_for(request.user)}
