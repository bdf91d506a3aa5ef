"""Demo data for the moderators' side: fill every queue of a site and give a user a role.

Called by the demo loader (demo/management/commands/load_demo.py):

    from moderation.demo import seed_queues
    seed_queues(site=site, moderator=moderator, readers=[u.commenter for u in users.values()])

Safe to re-run: it does nothing on a site that already has seeded comments. Held and
rejected comments are decided by the real policy engine, so their evidence is real.
"""

from collections.abc import Sequence
from datetime import timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from comments.lifecycle import Actor, record_event, transition
from comments.models import (
    ActorKind,
    Article,
    Comment,
    Commenter,
    CommentEvent,
    CommentStatus,
    Site,
)
from comments.rendering import render_body
from comments.reports import report_create
from pipeline.config import site_moderation
from pipeline.models import ModerationDecision
from pipeline.services import apply_verdict
from policy.models import StandingState
from policy.services import evaluate_comment

from .models import Role, SiteRole
from .services import standing_set

S = CommentStatus
DEMO_ARTICLE_KEY = "moderation-demo"

# (body, minutes ago), grouped by what the default policy does with them
PUBLISHED = [
    ("Will the joint inspection teams include observers from outside the region?", 26 * 60),
    ("Thanks for collecting the questions. Is there a date for the next round?", 4 * 60 + 15),
]
HELD = [
    ("You are an idiot if you believe the communiqué.", 50),
    ("Anyone who disagrees is a moron and a clown.", 2 * 60 + 10),
    ("The delegates can piss off back to Lisbon.", 5 * 60 + 30),
    ("Email me at john.doe@example.com and I'll send you the leaked annex.", 23 * 60),
]
REJECTED = [("This is shit journalism.", 3 * 60 + 5)]
PENDING = [("Still waiting for the pipeline: does the annex cover naval patrols?", 1)]
REPORTED = [
    # (body, number of reports, reported clause, minutes ago)
    ("The minister is clearly lying about the budget, as usual.", 1, "civility", 7 * 60),
    ("People from that region never keep their word.", 3, "hate-speech", 20 * 60),
]


@transaction.atomic
def seed_queues(
    *, site: Site, moderator: User, readers: Sequence[Commenter]
) -> dict[str, list[int]]:
    """Give `moderator` the admin role on `site` and put demo comments in every queue.

    `readers` (at least three) author and report the comments. Returns the ids per queue.
    """
    if len(readers) < 3:
        raise ValueError("seed_queues needs at least three readers")
    SiteRole.objects.update_or_create(
        user=moderator, site=site, defaults={"role": Role.ADMIN, "granted_by": None}
    )
    if not moderator.is_staff:
        type(moderator).objects.filter(pk=moderator.pk).update(is_staff=True)
        moderator.is_staff = True
    moderator.__dict__.pop("_moderation_roles", None)
    article, created = Article.objects.get_or_create(
        site=site,
        key=DEMO_ARTICLE_KEY,
        defaults={"title": "Lisbon talks: your questions answered", "url": ""},
    )
    if not created and article.comments.exists():
        return {}

    seeded: dict[str, list[int]] = {
        "published": [],
        "held": [],
        "rejected": [],
        "pending": [],
        "reported": [],
    }
    now = timezone.now()

    def ago(minutes: int):
        return now - timedelta(minutes=minutes)

    for i, (body, minutes) in enumerate(PUBLISHED):
        comment = _decided(article, readers[(i + 2) % len(readers)], body, ago(minutes))
        seeded["published"].append(comment.pk)
    for i, (body, minutes) in enumerate(HELD):
        comment = _decided(article, readers[i % len(readers)], body, ago(minutes))
        seeded["held"].append(comment.pk)
    for body, minutes in REJECTED:
        seeded["rejected"].append(_decided(article, readers[1], body, ago(minutes)).pk)
    for body, minutes in PENDING:
        seeded["pending"].append(_posted(article, readers[2], body, ago(minutes)).pk)

    for n, (body, reports, clause, minutes) in enumerate(REPORTED):
        comment = _posted(article, readers[n], body, ago(minutes))
        transition(comment, to=S.PUBLISHED, actor=Actor(ActorKind.SYSTEM, "demo"))
        # Readers' reports through the real service: at the site's threshold it holds the
        # comment under the most reported clause, with that clause's title.
        for reporter in [r for r in readers if r.pk != comment.author_id][:reports]:
            report_create(comment_id=comment.pk, reporter=reporter, clause_id=clause)
        seeded["reported"].append(comment.pk)

    standing_set(
        by=moderator,
        site=site,
        commenter=readers[0],
        state=StandingState.WARNED,
        reason="Two personal attacks this week.",
        message="Please criticise ideas, not people (clause 1 of our guidelines).",
    )
    return seeded


def _posted(article: Article, author: Commenter, body: str, at) -> Comment:
    comment = Comment.objects.create(
        site=article.site,
        article=article,
        author=author,
        body=body,
        html=render_body(body),
        status=S.PENDING,
        created_at=at,
        status_changed_at=at,
    )
    record_event(comment, kind=CommentEvent.Kind.CREATED, actor=Actor.author(comment))
    return comment


def _decided(article: Article, author: Commenter, body: str, at) -> Comment:
    """Posted and decided by the site's policy in force, as the synchronous stage would."""
    comment = _posted(article, author, body, at)
    config = site_moderation(site=comment.site)
    verdict = evaluate_comment(comment, engine=config.engine)
    apply_verdict(
        comment, verdict=verdict, version=config.version, stage=ModerationDecision.Stage.SYNC
    )
    return comment
