"""The moderators' workspace on the admin's start page: what waits, for how long, what was
decided lately, and the pages moderators work with (queues, commenters, history, policy).

Reads only; every count is limited to the sites the user moderates (moderation.access)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Min, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode

from comments.models import Comment, Site

from .access import AnyUser, sites_administered_by, sites_moderated_by
from .models import ModeratorAction
from .selectors import QUEUES, policy_clauses, queue_counts, queue_q, with_queue_state

QUEUE_WORDS = {
    "held": "Held",
    "reported": "Reported",
    "pending": "Pending",
    "rejected": "Rejected & removed",
    "published": "Published",
}
RECENT = timedelta(days=7)


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    count: int | None = None


@dataclass(frozen=True)
class Workspace:
    queues: list[Link]
    oldest_waiting: datetime | None
    decided_recently: int
    decided_by_you: int
    pages: list[Link]
    # Per site: its name and its policy's clauses, each linking to the queue under it.
    policies: list[tuple[str, list[Link]]]


def _admin_url(name: str) -> str:
    try:
        return reverse(f"admin:{name}")
    except NoReverseMatch:
        return ""


def workspace_for(user: AnyUser) -> Workspace | None:
    """None for a user who moderates no site."""
    sites = list(sites_moderated_by(user).order_by("name"))
    if not sites:
        return None
    counts = queue_counts(sites=sites)
    queue_url = _admin_url("moderation_queuecomment_changelist")
    oldest = (
        with_queue_state(Comment.objects.filter(site__in=sites))
        .filter(queue_q("held") | queue_q("reported") | queue_q("pending"))
        .aggregate(at=Min("created_at"))["at"]
    )
    decided = ModeratorAction.objects.filter(
        site__in=sites, created_at__gte=timezone.now() - RECENT
    ).aggregate(total=Count("id"), yours=Count("id", filter=Q(actor=user)))
    pages = [
        Link("Commenters' standing", _admin_url("moderation_commenterstanding_changelist")),
        Link(
            "History: every moderator action", _admin_url("moderation_moderatoraction_changelist")
        ),
    ]
    if sites_administered_by(user).exists():
        pages.append(Link("Policy versions", _admin_url("policy_policyversion_changelist")))
        pages.append(
            Link("Moderators and their roles", _admin_url("moderation_siterole_changelist"))
        )
    return Workspace(
        queues=[
            Link(QUEUE_WORDS[name], f"{queue_url}?{urlencode({'queue': name})}", counts[name])
            for name in QUEUES
        ],
        oldest_waiting=oldest,
        decided_recently=decided["total"],
        decided_by_you=decided["yours"],
        pages=[page for page in pages if page.url],
        policies=[(site.name, _clause_links(site, queue_url)) for site in sites],
    )


def _clause_links(site: Site, queue_url: str) -> list[Link]:
    return [
        Link(
            f"§{clause.number} {clause.title}",
            f"{queue_url}?{urlencode({'site': str(site.pk), 'clause': clause.id})}",
        )
        for clause in policy_clauses(site=site)
    ]
