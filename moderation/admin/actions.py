"""The queue's bulk actions. Each one calls a moderation service per comment (or per author),
each in its own transaction; failures are reported and do not undo the others."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from comments.errors import ParleyError
from comments.ids import parse_id
from comments.models import Comment, CommentStatus
from moderation.access import acting_user
from moderation.services import (
    comment_approve,
    comment_feature,
    comment_reject,
    comment_remove,
    standing_set,
)
from policy.models import StandingState

S = CommentStatus


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


def _form_value(request: HttpRequest, name: str) -> str:
    return (request.POST.get(name) or "").strip()


def _each(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    verb: str,
    act: Callable[[Comment], Any],
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
    modeladmin.message_user(request, text, messages.SUCCESS if done else messages.INFO)
    if failed:
        modeladmin.message_user(request, "Not done: " + "; ".join(failed), messages.ERROR)


def _authors(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet, verb: str, **change: Any
) -> None:
    pairs = {(c.site, c.author) for c in queryset.select_related("site", "author")}
    done, failed = 0, []
    for site, author in sorted(pairs, key=lambda p: (p[0].pk, p[1].pk)):
        try:
            outcome = standing_set(by=acting_user(request), site=site, commenter=author, **change)
        except ParleyError as exc:
            failed.append(f"{author.display_name}: {exc.message}")
            continue
        done += int(outcome.changed)
    modeladmin.message_user(request, f"{verb}: {done} author(s).", messages.SUCCESS)
    if failed:
        modeladmin.message_user(request, "Not done: " + "; ".join(failed), messages.ERROR)


@admin.action(description="Approve (publish; dismiss reports)")
def approve(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    note = _form_value(request, "note")
    _each(
        modeladmin,
        request,
        queryset,
        "Approved",
        lambda c: comment_approve(by=acting_user(request), comment_id=c.pk, note=note),
    )


@admin.action(description="Reject, or remove if published, citing the clause")
def reject_or_remove(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet
) -> None:
    clause, note = _form_value(request, "clause"), _form_value(request, "note")

    def act(comment: Comment) -> Any:
        decide = comment_remove if comment.status == S.PUBLISHED else comment_reject
        return decide(by=acting_user(request), comment_id=comment.pk, clause_id=clause, note=note)

    _each(modeladmin, request, queryset, "Rejected or removed", act)


@admin.action(description="Feature")
def feature(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    _each(
        modeladmin,
        request,
        queryset,
        "Featured",
        lambda c: comment_feature(by=acting_user(request), comment_id=c.pk, featured=True),
    )


@admin.action(description="Stop featuring")
def unfeature(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    _each(
        modeladmin,
        request,
        queryset,
        "Unfeatured",
        lambda c: comment_feature(by=acting_user(request), comment_id=c.pk, featured=False),
    )


@admin.action(description="Authors: warn (the note is the message they see)")
def warn_authors(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    note = _form_value(request, "note")
    _authors(
        modeladmin,
        request,
        queryset,
        "Warned",
        state=StandingState.WARNED,
        reason=note,
        message=note,
    )


@admin.action(description="Authors: suspend for the number of days")
def suspend_authors(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    asked = parse_id(_form_value(request, "days"))
    days = asked if asked is not None and 0 < asked <= 3650 else 7
    note = _form_value(request, "note")
    _authors(
        modeladmin,
        request,
        queryset,
        f"Suspended for {days} days",
        state=StandingState.SUSPENDED,
        until=timezone.now() + timedelta(days=days),
        reason=note,
        message=note,
    )


@admin.action(description="Authors: premoderate all their comments")
def premoderate_authors(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet
) -> None:
    note = _form_value(request, "note")
    _authors(
        modeladmin, request, queryset, "Premoderated", state=StandingState.PREMODERATED, reason=note
    )


@admin.action(description="Authors: ban")
def ban_authors(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    note = _form_value(request, "note")
    _authors(
        modeladmin,
        request,
        queryset,
        "Banned",
        state=StandingState.BANNED,
        reason=note,
        message=note,
    )


@admin.action(description="Authors: ban and take down their comments of the last 7 days")
def ban_authors_and_take_down(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet
) -> None:
    note = _form_value(request, "note")
    _authors(
        modeladmin,
        request,
        queryset,
        "Banned",
        state=StandingState.BANNED,
        reason=note,
        message=note,
        reject_recent=True,
    )


@admin.action(description="Authors: restore to active")
def restore_authors(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    note = _form_value(request, "note")
    _authors(modeladmin, request, queryset, "Restored", state=StandingState.ACTIVE, reason=note)


QUEUE_ACTIONS = [
    approve,
    reject_or_remove,
    feature,
    unfeature,
    warn_authors,
    suspend_authors,
    premoderate_authors,
    ban_authors,
    ban_authors_and_take_down,
    restore_authors,
]
