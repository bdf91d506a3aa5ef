"""Statements of reasons (DSA Art. 17): why a comment or a reader is restricted, built from
the records Parley already keeps.

The decision is the audit row the state machine wrote (comments.CommentEvent) or the standing
change a moderator made (moderation.ModeratorAction); the clause is read from the policy
version the decision cites (or, when the decision names none, the version in force at the
time); the facts are the engine's hits with their evidence (pipeline.ModerationDecision) or the
readers' reports. The plain-language text comes from one template per action, translatable.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

from comments.models import ActorKind, Comment, CommentEvent, CommentStatus, Report, Site
from moderation.models import ModeratorAction
from pipeline.models import ModerationDecision
from policy.documents import compiled, render_policy_text
from policy.models import PolicyVersion, Standing, StandingState

S = CommentStatus

# Statuses that restrict a comment, and so have a statement and may be appealed.
RESTRICTED = (S.HELD, S.REJECTED, S.REMOVED)
RESTRICTED_STANDINGS = (
    StandingState.WARNED,
    StandingState.PREMODERATED,
    StandingState.SUSPENDED,
    StandingState.BANNED,
)
# How long after a decision its subject may appeal (the DSA asks for at least six months).
APPEAL_WINDOW = timedelta(days=183)
AUTOMATED_ACTORS = (
    ActorKind.RULE,
    ActorKind.SCORER,
    ActorKind.READERS,
    ActorKind.POLICY_CHANGE,
    ActorKind.SYSTEM,
)


class Automation:
    AUTOMATED = "automated"
    CONFIRMED = "automated_then_confirmed"
    MODERATOR = "moderator"


@dataclass(frozen=True)
class ClauseAt:
    """A clause as readers saw it at one policy version."""

    id: str
    number: int | None
    title: str
    html: str
    policy_version: int | None


@dataclass(frozen=True)
class Statement:
    kind: str  # "comment" or "standing"
    action: str  # held | rejected | removed | warned | premoderated | suspended | banned
    decided_at: datetime
    automation: str
    decided_by: str  # the actor kind: rule, scorer, readers, moderator, policy_change, system
    clause: ClauseAt | None
    note: str
    facts: dict[str, Any]
    text: str
    appeal_until: datetime
    comment_id: int | None = None
    until: datetime | None = None
    decision: CommentEvent | ModeratorAction | None = field(default=None, compare=False)


def clause_at(*, site: Site, clause_id: str, version: int | None, at: datetime) -> ClauseAt | None:
    """The clause `clause_id` of the site's policy at `version` (or, without one, the version
    in force at `at`). A clause the policy does not have (a system hold such as
    `scorer_unavailable`) has no number or text; None when no clause was cited."""
    if not clause_id:
        return None
    versions = PolicyVersion.objects.filter(site=site)
    if version is not None:
        found = versions.filter(version=version).first()
    else:
        found = versions.filter(created_at__lte=at).order_by("-version").first()
    if found is not None:
        policy, _ = compiled(found.pk, found.source)
        try:
            clause = policy.clause(clause_id)
        except KeyError:
            pass
        else:
            return ClauseAt(
                id=clause.id,
                number=clause.number,
                title=clause.title,
                html=render_policy_text(clause.text),
                policy_version=found.version,
            )
    return ClauseAt(
        id=clause_id,
        number=None,
        title="",
        html="",
        policy_version=found.version if found else version,
    )


def restricting_event(comment: Comment, events: list[CommentEvent] | None = None):
    """The audit row that put a restricted comment in its current status, or None."""
    if comment.status not in RESTRICTED:
        return None
    if events is None:
        events = list(
            CommentEvent.objects.filter(comment=comment, kind=CommentEvent.Kind.STATUS)
            .select_related("actor_user")
            .order_by("created_at", "id")
        )
    for event in reversed(events):
        if event.kind == CommentEvent.Kind.STATUS:
            return event if event.to_status == comment.status else None
    return None


def _automation(event: CommentEvent, events: list[CommentEvent]) -> str:
    if event.actor_kind in AUTOMATED_ACTORS:
        return Automation.AUTOMATED
    # A moderator's decision on a comment an automated decision had held confirms it.
    if event.from_status == S.HELD:
        before = [e for e in events if e.kind == CommentEvent.Kind.STATUS and e.pk != event.pk]
        held = [e for e in before if e.to_status == S.HELD and e.created_at <= event.created_at]
        if held and held[-1].actor_kind in AUTOMATED_ACTORS:
            return Automation.CONFIRMED
    return Automation.MODERATOR


def _hits_for(comment: Comment, *, until: datetime) -> tuple[list[dict[str, Any]], int | None]:
    """The engine's hits that restricted the comment (hold or reject), from its latest
    decision up to `until`, with the evidence as stored."""
    decision = (
        ModerationDecision.objects.filter(comment=comment, created_at__lte=until)
        .exclude(action="publish")
        .order_by("-created_at", "-id")
        .first()
    )
    if decision is None:
        return [], None
    hits = [
        {
            "rule": hit.get("rule", ""),
            "clause_id": hit.get("clause_id", ""),
            "action": hit.get("action", ""),
            "evidence": dict(hit.get("evidence") or {}),
        }
        for hit in decision.hits or []
        if hit.get("action") in ("hold", "reject")
    ]
    return hits, decision.policy_version_number


def comment_statement(comment: Comment, *, language: str | None = None) -> Statement | None:
    """The statement of reasons for a restricted comment, or None when it is not restricted."""
    events = list(
        CommentEvent.objects.filter(comment=comment, kind=CommentEvent.Kind.STATUS)
        .select_related("actor_user")
        .order_by("created_at", "id")
    )
    event = restricting_event(comment, events)
    if event is None:
        return None
    automation = _automation(event, events)
    facts: dict[str, Any] = {"rules": [], "reports": []}
    version = event.policy_version
    if event.actor_kind != ActorKind.READERS and automation != Automation.MODERATOR:
        # What the engine found: the decision itself, or the hold a moderator confirmed.
        facts["rules"], engine_version = _hits_for(comment, until=event.created_at)
        version = version or engine_version
    if event.actor_kind == ActorKind.READERS:
        cited = (
            Report.objects.filter(comment=comment, created_at__lte=event.created_at)
            .values_list("clause_id", flat=True)
            .order_by("created_at", "id")
        )
        counts: dict[str, int] = {}
        for clause_id in cited:
            counts[clause_id] = counts.get(clause_id, 0) + 1
        facts["reports"] = [{"clause_id": c, "count": n} for c, n in counts.items()]
    clause = clause_at(
        site=comment.site, clause_id=event.clause_id, version=version, at=event.created_at
    )
    statement = Statement(
        kind="comment",
        action=comment.status,
        decided_at=event.created_at,
        automation=automation,
        decided_by=event.actor_kind,
        clause=clause,
        note=event.note,
        facts=facts,
        text="",
        appeal_until=event.created_at + APPEAL_WINDOW,
        comment_id=comment.pk,
        decision=event,
    )
    return _with_text(statement, language=language, site=comment.site)


def standing_decision(*, site: Site, standing: Standing) -> ModeratorAction | None:
    """The moderator's change that set the reader's current standing, or None."""
    return (
        ModeratorAction.objects.filter(
            site=site,
            commenter_id=standing.commenter_id,
            kind=ModeratorAction.Kind.STANDING,
            standing_to=standing.state,
        )
        .select_related("actor")
        .order_by("-created_at", "-id")
        .first()
    )


def standing_statement(
    *, site: Site, standing: Standing | None, language: str | None = None
) -> Statement | None:
    """The statement of reasons for a restricted standing on a site, or None."""
    if standing is None or standing.effective_state() not in RESTRICTED_STANDINGS:
        return None
    action = standing_decision(site=site, standing=standing)
    decided_at = action.created_at if action else standing.set_at
    clause = None
    policy = PolicyVersion.objects.filter(site=site, created_at__lte=decided_at).first()
    if policy is not None:
        parsed, _ = compiled(policy.pk, policy.source)
        for c in parsed.clauses:
            if any(rule.rule == "standing" for rule in c.rules):
                clause = ClauseAt(
                    id=c.id,
                    number=c.number,
                    title=c.title,
                    html=render_policy_text(c.text),
                    policy_version=policy.version,
                )
                break
    statement = Statement(
        kind="standing",
        action=standing.effective_state(),
        decided_at=decided_at,
        automation=Automation.MODERATOR,
        decided_by=ActorKind.MODERATOR,
        clause=clause,
        note=standing.message or standing.reason,
        facts={"rules": [], "reports": []},
        text="",
        appeal_until=decided_at + APPEAL_WINDOW,
        until=standing.until if standing.state == StandingState.SUSPENDED else None,
        decision=action,
    )
    return _with_text(statement, language=language, site=site)


def _with_text(statement: Statement, *, language: str | None, site: Site) -> Statement:
    """The statement with its plain-language text, in `language` when Parley has it."""
    template = f"accountability/statements/{statement.action}.txt"
    context = {"s": statement, "site": site, "clause": statement.clause}
    with translation.override(language or translation.get_language()):
        text = render_to_string(template, context).strip()
    return replace(statement, text=" ".join(text.split()))


def statement_for_email(log: Any) -> str:
    """The statement of reasons for the comment of a "not published" e-mail
    (pipeline.notifications), in plain text, or "" when the comment is not restricted."""
    statement = comment_statement(log.comment)
    return statement.text if statement is not None else ""
