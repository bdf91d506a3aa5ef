"""Reads for moderators: the queues, their counts, a comment's history, site statistics.

Every queue page costs a constant number of queries whatever its size: the author's history,
open reports and the reason a comment was held are annotated, the rest is prefetched.
"""

import statistics
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce

from comments.models import ActorKind, Comment, CommentEvent, CommentStatus, Report, Site
from comments.selectors import open_reports_q, report_is_open, reports_open, reports_settled_at
from pipeline.config import site_moderation
from pipeline.models import ModerationDecision
from policy.models import Standing

S = CommentStatus

QUEUES = ("held", "reported", "pending", "rejected", "published")
# Oldest first where moderators work through a backlog; newest first where they review.
QUEUE_ORDER: dict[str, tuple[str, ...]] = {
    "held": ("created_at", "id"),
    "reported": ("created_at", "id"),
    "pending": ("created_at", "id"),
    "rejected": ("-status_changed_at", "-id"),
    "published": ("-status_changed_at", "-id"),
}
# A decision that ends a comment's wait: the first of these in its history.
DECISIVE_STATUSES = (S.PUBLISHED, S.REJECTED, S.REMOVED)


def with_queue_state(qs: QuerySet[Comment]) -> QuerySet[Comment]:
    """Annotate what places a comment in a queue: open reports and who last changed it."""
    last_status_actor = Subquery(
        CommentEvent.objects.filter(comment=OuterRef("pk"), kind=CommentEvent.Kind.STATUS)
        .order_by("-created_at", "-id")
        .values("actor_kind")[:1]
    )
    open_reports = Subquery(
        Report.objects.filter(
            open_reports_q(OuterRef("reports_settled_at")), comment=OuterRef("pk")
        )
        .order_by()
        .values("comment")
        .annotate(n=Count("id"))
        .values("n"),
        output_field=IntegerField(),
    )
    return qs.annotate(
        reports_settled_at=reports_settled_at(),
        last_status_actor=last_status_actor,
    ).annotate(open_reports=Coalesce(open_reports, 0))


def queue_q(queue: str) -> Q:
    """Which comments a queue holds (on a queryset annotated by `with_queue_state`).

    A comment is in one queue at a time: a comment held because readers reported it is in
    the reported queue, not the held one.
    """
    held_by_readers = Q(status=S.HELD, last_status_actor=ActorKind.READERS)
    if queue == "pending":
        return Q(status=S.PENDING)
    if queue == "held":
        return Q(status=S.HELD) & ~Q(held_by_readers & Q(open_reports__gt=0))
    if queue == "reported":
        return Q(open_reports__gt=0) & (Q(status=S.PUBLISHED) | held_by_readers)
    if queue == "rejected":
        return Q(status__in=(S.REJECTED, S.REMOVED))
    if queue == "published":
        return Q(status=S.PUBLISHED)
    raise ValueError(f"Unknown queue {queue!r}")


def with_author_history(qs: QuerySet[Comment]) -> QuerySet[Comment]:
    """Annotate the author's record on the comment's site: approved, rejected, removed,
    reported, and their standing (state, until, reason) — one query for the whole page."""

    def count_of(q: Q) -> Coalesce:
        return Coalesce(
            Subquery(
                Comment.objects.filter(
                    q, author_id=OuterRef("author_id"), site_id=OuterRef("site_id")
                )
                .order_by()
                .values("author_id")
                .annotate(n=Count("id"))
                .values("n"),
                output_field=IntegerField(),
            ),
            0,
        )

    reported = Coalesce(
        Subquery(
            Report.objects.filter(
                comment__author_id=OuterRef("author_id"), comment__site_id=OuterRef("site_id")
            )
            .order_by()
            .values("comment__author_id")
            .annotate(n=Count("comment_id", distinct=True))
            .values("n"),
            output_field=IntegerField(),
        ),
        0,
    )
    standing = Standing.objects.filter(
        site_id=OuterRef("site_id"), commenter_id=OuterRef("author_id")
    )
    return qs.annotate(
        author_approved=count_of(Q(status=S.PUBLISHED)),
        author_rejected=count_of(Q(status=S.REJECTED)),
        author_removed=count_of(Q(status=S.REMOVED)),
        author_reported=reported,
        standing_state=Subquery(standing.values("state")[:1]),
        standing_until=Subquery(standing.values("until")[:1]),
        standing_reason=Subquery(standing.values("reason")[:1]),
    )


def for_display(qs: QuerySet[Comment]) -> QuerySet[Comment]:
    """Everything a queue row shows, in a fixed number of queries."""
    return with_author_history(
        qs.select_related("site", "article", "author", "author__user", "parent", "parent__author")
    ).prefetch_related(
        Prefetch(
            "decisions",
            queryset=ModerationDecision.objects.order_by("-created_at", "-id"),
            to_attr="decisions_newest_first",
        ),
        Prefetch(
            "reports",
            queryset=Report.objects.select_related("reporter").order_by("created_at", "id"),
            to_attr="report_list",
        ),
    )


@dataclass(frozen=True)
class QueueFilters:
    queue: str = "held"
    article: str | None = None
    clause: str | None = None
    author: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    q: str | None = None


def filter_q(filters: QueueFilters) -> Q:
    q = Q()
    if filters.article:
        q &= Q(article__key=filters.article)
    if filters.author:
        q &= Q(author__public_id=filters.author)
    if filters.since:
        q &= Q(created_at__gte=filters.since)
    if filters.until:
        q &= Q(created_at__lt=filters.until)
    if filters.clause:
        q &= clause_q(filters.clause)
    if filters.q:
        q &= search_q(filters.q)
    return q


def clause_q(clause_id: str) -> Q:
    """Comments a clause is about: applied to it, decided by the engine, or cited by readers."""
    return (
        Q(moderation_clause_id=clause_id)
        | Q(Exists(ModerationDecision.objects.filter(comment=OuterRef("pk"), clause_id=clause_id)))
        | Q(Exists(Report.objects.filter(comment=OuterRef("pk"), clause_id=clause_id)))
    )


def search_q(text: str) -> Q:
    return (
        Q(body__icontains=text)
        | Q(author__display_name__icontains=text)
        | Q(author__user__username__icontains=text)
        | Q(author__public_id=text)
    )


def queue_comments(*, site: Site, filters: QueueFilters) -> QuerySet[Comment]:
    """One queue of one site, filtered and in the queue's order, ready to display."""
    qs = with_queue_state(Comment.objects.filter(site=site))
    qs = qs.filter(queue_q(filters.queue)).filter(filter_q(filters))
    return for_display(qs).order_by(*QUEUE_ORDER[filters.queue])


def queue_counts(*, sites: QuerySet[Site] | list[Site]) -> dict[str, int]:
    """How many comments wait in each queue of the given sites, in one query."""
    qs = with_queue_state(Comment.objects.filter(site__in=sites))
    return qs.aggregate(**{name: Count("id", filter=queue_q(name)) for name in QUEUES})


def latest_decision(comment: Comment) -> ModerationDecision | None:
    prefetched = getattr(comment, "decisions_newest_first", None)
    if prefetched is not None:
        return prefetched[0] if prefetched else None
    return comment.decisions.order_by("-created_at", "-id").first()


def open_reports(comment: Comment) -> list[Report]:
    """The comment's open reports (comments.selectors has the definition), from the prefetched
    list and annotation of `for_display` / `with_queue_state` when they are there."""
    reports = getattr(comment, "report_list", None)
    settled_at = getattr(comment, "reports_settled_at", None)
    if reports is None or settled_at is None:
        return list(reports_open(comment=comment).select_related("reporter"))
    return [r for r in reports if report_is_open(r, settled_at=settled_at)]


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    kind: str  # "event" (status change or edit), "decision" (the engine), "action" (moderator)
    actor_kind: str
    actor: str
    summary: str
    from_status: str = ""
    to_status: str = ""
    clause_id: str = ""
    clause_title: str = ""
    note: str = ""
    policy_version: int | None = None
    hits: list[dict[str, Any]] | None = None
    scores: dict[str, Any] | None = None


def comment_history(*, comment: Comment) -> list[HistoryEntry]:
    """Every decision and edit about a comment, oldest first: the audit trail, the engine's
    decisions and the moderators' actions. Three queries."""
    entries: list[HistoryEntry] = []
    for event in comment.events.select_related("actor_user").order_by("created_at", "id"):
        if event.kind == CommentEvent.Kind.STATUS:
            summary = f"{event.from_status or '-'} → {event.to_status}"
        else:
            summary = event.get_kind_display()
        entries.append(
            HistoryEntry(
                at=event.created_at,
                kind="event",
                actor_kind=event.actor_kind,
                actor=event.actor_label
                or (event.actor_user.get_username() if event.actor_user else ""),
                summary=summary,
                from_status=event.from_status,
                to_status=event.to_status,
                clause_id=event.clause_id,
                clause_title=event.clause_title,
                note=event.note,
                policy_version=event.policy_version,
            )
        )
    for decision in comment.decisions.order_by("created_at", "id"):
        entries.append(
            HistoryEntry(
                at=decision.created_at,
                kind="decision",
                actor_kind="engine",
                actor=f"policy engine ({decision.get_stage_display().lower()})",
                summary=f"decided: {decision.action}",
                clause_id=decision.clause_id,
                clause_title=decision.clause_title,
                policy_version=decision.policy_version_number,
                hits=list(decision.hits or []),
                scores=dict(decision.scores or {}),
            )
        )
    for action in comment.moderator_actions.order_by("created_at", "id"):
        entries.append(
            HistoryEntry(
                at=action.created_at,
                kind="action",
                actor_kind=ActorKind.MODERATOR,
                actor=action.actor_label,
                summary=action.get_kind_display().lower(),
                from_status=action.from_status,
                to_status=action.to_status,
                clause_id=action.clause_id,
                clause_title=action.clause_title,
                note=action.note,
                policy_version=action.policy_version,
            )
        )
    order = {"event": 0, "decision": 1, "action": 2}
    entries.sort(key=lambda e: (e.at, order[e.kind]))
    return entries


def site_stats(*, site: Site, since: datetime | None, until: datetime | None) -> dict[str, Any]:
    """Queue sizes now; decisions per clause and the median wait for a decision over the
    period (comments created, and decisions made, between `since` and `until`)."""
    period = Q()
    if since:
        period &= Q(created_at__gte=since)
    if until:
        period &= Q(created_at__lt=until)

    per_clause: dict[str, dict[str, Any]] = {}
    rows = (
        CommentEvent.objects.filter(
            period,
            comment__site=site,
            kind=CommentEvent.Kind.STATUS,
            to_status__in=(S.HELD, S.REJECTED, S.REMOVED),
        )
        .exclude(clause_id="")
        .values("clause_id", "to_status", "actor_kind")
        .annotate(n=Count("id"), title=Min("clause_title"))
        .order_by("clause_id")
    )
    for row in rows:
        entry = per_clause.setdefault(
            row["clause_id"],
            {
                "clause_id": row["clause_id"],
                "clause_title": row["title"],
                "held": 0,
                "rejected": 0,
                "removed": 0,
                "by_moderators": 0,
                "total": 0,
            },
        )
        entry[row["to_status"]] += row["n"]
        entry["total"] += row["n"]
        if row["actor_kind"] == ActorKind.MODERATOR:
            entry["by_moderators"] += row["n"]

    waits = (
        Comment.objects.filter(period, site=site)
        .annotate(
            decided_at=Min(
                "events__created_at",
                filter=Q(
                    events__kind=CommentEvent.Kind.STATUS,
                    events__to_status__in=DECISIVE_STATUSES,
                ),
            )
        )
        .filter(decided_at__isnull=False)
        .values_list("created_at", "decided_at")
    )
    seconds = [(decided - created).total_seconds() for created, decided in waits]
    return {
        "since": since,
        "until": until,
        "queues": queue_counts(sites=[site]),
        "decisions_per_clause": sorted(per_clause.values(), key=lambda e: -e["total"]),
        "decided": len(seconds),
        "median_seconds_to_decision": statistics.median(seconds) if seconds else None,
    }


@dataclass(frozen=True)
class Clause:
    """A clause of a site's policy as moderators cite it."""

    id: str
    number: int
    title: str
    policy_version: int


def policy_clauses(*, site: Site) -> list[Clause]:
    """The clauses of the site's policy in force (the only ones a decision may cite)."""
    config = site_moderation(site=site)
    return [
        Clause(id=c.id, number=c.number, title=c.title, policy_version=config.version.version)
        for c in config.engine.policy.clauses
    ]


def standing_clause(*, site: Site) -> Clause | None:
    """The clause of the site's policy that enforces commenter standing (the one a ban or a
    suspension cites), or None when the policy has no `standing` rule."""
    config = site_moderation(site=site)
    for c in config.engine.policy.clauses:
        if any(rule.rule == "standing" for rule in c.rules):
            return Clause(
                id=c.id, number=c.number, title=c.title, policy_version=config.version.version
            )
    return None
