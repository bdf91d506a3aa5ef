"""Reads for accountable moderation: the appeal and notice queues, and the transparency
report. Every list costs a constant number of queries (tests/accountability assert it)."""

from __future__ import annotations

import statistics
from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from comments.models import ActorKind, CommentEvent, CommentStatus, Site
from moderation.models import ModeratorAction
from moderation.selectors import site_stats

from .models import Appeal, AppealState, Notice, NoticeOutcome

S = CommentStatus

APPEAL_STATES = ("open", "upheld", "reversed", "all")
NOTICE_STATES = ("open", "illegal", "not_illegal", "outside_scope", "all")


def appeal_queue(*, site: Site, state: str = "open") -> QuerySet[Appeal]:
    """Appeals of a site; open ones by due date (overdue first), decided ones newest first."""
    qs = Appeal.objects.filter(site=site).select_related(
        "appellant",
        "comment",
        "decision_event",
        "standing_action",
        "decided_by_user",
        "reviewer",
    )
    if state != "all":
        qs = qs.filter(state=state)
    if state == "open":
        return qs.order_by("due_at", "id")
    return qs.order_by("-created_at", "-id")


def appeal_counts(*, site: Site) -> dict[str, int]:
    now = timezone.now()
    return Appeal.objects.filter(site=site).aggregate(
        open=Count("id", filter=Q(state=AppealState.OPEN)),
        overdue=Count("id", filter=Q(state=AppealState.OPEN, due_at__lt=now)),
        upheld=Count("id", filter=Q(state=AppealState.UPHELD)),
        reversed=Count("id", filter=Q(state=AppealState.REVERSED)),
    )


def notice_queue(*, site: Site, state: str = "open") -> QuerySet[Notice]:
    qs = Notice.objects.filter(site=site).select_related(
        "comment", "comment__author", "notifier", "reviewer"
    )
    if state != "all":
        qs = qs.filter(outcome=state)
    if state == "open":
        return qs.order_by("created_at", "id")
    return qs.order_by("-created_at", "-id")


def notice_counts(*, site: Site) -> dict[str, int]:
    return Notice.objects.filter(site=site).aggregate(
        **{
            outcome: Count("id", filter=Q(outcome=outcome))
            for outcome in (o.value for o in NoticeOutcome)
        }
    )


def _median_seconds(pairs: list[tuple[datetime, datetime | None]]) -> float | None:
    seconds = [(decided - created).total_seconds() for created, decided in pairs if decided]
    return statistics.median(seconds) if seconds else None


def _period(field: str, since: datetime | None, until: datetime | None) -> Q:
    q = Q()
    if since:
        q &= Q(**{f"{field}__gte": since})
    if until:
        q &= Q(**{f"{field}__lt": until})
    return q


def transparency_report(
    *, site: Site, since: datetime | None, until: datetime | None
) -> dict[str, Any]:
    """What a site decided over a period (DSA Art. 15): restrictions by clause and action,
    automated or by a moderator; standing changes; appeals and notices received and their
    outcomes; median times to decision. Decisions are counted when they were taken, appeals
    and notices when they were received."""
    events = (
        CommentEvent.objects.filter(
            _period("created_at", since, until),
            comment__site=site,
            kind=CommentEvent.Kind.STATUS,
            to_status__in=(S.HELD, S.REJECTED, S.REMOVED),
        )
        .values("clause_id", "clause_title", "to_status", "actor_kind")
        .annotate(n=Count("id"))
        .order_by("clause_id", "to_status", "actor_kind")
    )
    by_clause: dict[str, dict[str, Any]] = {}
    totals = {"automated": 0, "moderator": 0, "held": 0, "rejected": 0, "removed": 0}
    for row in events:
        clause = by_clause.setdefault(
            row["clause_id"],
            {
                "clause_id": row["clause_id"],
                "clause_title": row["clause_title"],
                "held": 0,
                "rejected": 0,
                "removed": 0,
                "automated": 0,
                "moderator": 0,
                "total": 0,
            },
        )
        clause["clause_title"] = clause["clause_title"] or row["clause_title"]
        who = "moderator" if row["actor_kind"] == ActorKind.MODERATOR else "automated"
        for target in (clause, totals):
            target[row["to_status"]] += row["n"]
            target[who] += row["n"]
        clause["total"] += row["n"]

    standings = dict(
        ModeratorAction.objects.filter(
            _period("created_at", since, until), site=site, kind=ModeratorAction.Kind.STANDING
        )
        .values_list("standing_to")
        .annotate(n=Count("id"))
        .order_by()
    )

    appeals = Appeal.objects.filter(_period("created_at", since, until), site=site)
    appeal_rows = appeals.aggregate(
        received=Count("id"),
        about_comments=Count("id", filter=Q(kind="comment")),
        about_standing=Count("id", filter=Q(kind="standing")),
        open=Count("id", filter=Q(state=AppealState.OPEN)),
        upheld=Count("id", filter=Q(state=AppealState.UPHELD)),
        reversed=Count("id", filter=Q(state=AppealState.REVERSED)),
    )
    appeal_rows["median_seconds_to_decision"] = _median_seconds(
        list(appeals.filter(decided_at__isnull=False).values_list("created_at", "decided_at"))
    )

    notices = Notice.objects.filter(_period("created_at", since, until), site=site)
    notice_rows = notices.aggregate(
        received=Count("id"),
        **{o.value: Count("id", filter=Q(outcome=o.value)) for o in NoticeOutcome},
    )
    notice_rows["median_seconds_to_decision"] = _median_seconds(
        list(notices.filter(decided_at__isnull=False).values_list("created_at", "decided_at"))
    )
    notice_rows["by_legal_ground"] = list(
        notices.values("legal_ground")
        .annotate(count=Count("id"))
        .order_by("-count", "legal_ground")
    )

    comments = site_stats(site=site, since=since, until=until)
    return {
        "site": site.slug,
        "since": since,
        "until": until,
        "generated_at": timezone.now(),
        "restrictions": {
            **totals,
            "total": totals["automated"] + totals["moderator"],
            "by_clause": sorted(by_clause.values(), key=lambda c: (-c["total"], c["clause_id"])),
        },
        "standing_changes": {state: standings.get(state, 0) for state in _STANDINGS},
        "appeals": appeal_rows,
        "notices": notice_rows,
        "comments_decided": comments["decided"],
        "median_seconds_to_decision": comments["median_seconds_to_decision"],
    }


_STANDINGS = ("active", "warned", "premoderated", "suspended", "banned")


def transparency_rows(report: dict[str, Any]) -> list[tuple[str, str, str, Any]]:
    """The report flattened for CSV: (section, key, measure, value)."""
    rows: list[tuple[str, str, str, Any]] = []
    restrictions = report["restrictions"]
    for measure in ("held", "rejected", "removed", "automated", "moderator", "total"):
        rows.append(("restrictions", "all", measure, restrictions[measure]))
    for clause in restrictions["by_clause"]:
        for measure in ("held", "rejected", "removed", "automated", "moderator", "total"):
            rows.append(("restrictions", clause["clause_id"], measure, clause[measure]))
    for state, n in report["standing_changes"].items():
        rows.append(("standing_changes", state, "count", n))
    for section in ("appeals", "notices"):
        for measure, value in report[section].items():
            if measure == "by_legal_ground":
                for ground in value:
                    rows.append((section, ground["legal_ground"], "count", ground["count"]))
            else:
                rows.append((section, "all", measure, "" if value is None else value))
    rows.append(("comments", "all", "decided", report["comments_decided"]))
    median = report["median_seconds_to_decision"]
    rows.append(("comments", "all", "median_seconds_to_decision", "" if median is None else median))
    return rows
