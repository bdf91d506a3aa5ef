"""A site's written policy as Django serves it: saving versions, the policy in force (cached
per process), and the context the engine reads about a comment's author and article.

The engine (policy.engine) decides; the moderation pipeline (pipeline.services) records its
decisions and moves comments. The policy and check endpoints (policy.apis) need only this.
"""

import threading
from dataclasses import dataclass

from cachetools import LRUCache
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Max

from comments.errors import InvalidInput
from comments.models import Comment, Site
from policy.documents import compiled, default_policy_source
from policy.engine import Context, Engine, Policy, PolicyError, Verdict, load_policy

from . import sql
from .models import PolicyVersion, StandingState


class InvalidPolicy(InvalidInput):
    code = "invalid_policy"
    message = "The policy document is not valid."


def check_policy_source(source: str) -> Policy:
    """Parse a policy document; raise InvalidPolicy naming every bad field or line."""
    try:
        return load_policy(source)
    except PolicyError as exc:
        raise InvalidPolicy(errors=list(getattr(exc, "errors", None) or [str(exc)])) from exc


@transaction.atomic
def policy_save(
    *, site: Site, source: str, by: User | None = None, note: str = "", first: bool = False
) -> PolicyVersion:
    """Store a new version of the site's policy. Earlier versions are kept unchanged. With
    `first`, only if the site has none yet: otherwise its latest version is returned."""
    policy = check_policy_source(source)
    # NO KEY UPDATE: serialises the saves of one site without waiting on (or deadlocking with)
    # the posts whose comments refer to the site row meanwhile (their key-share locks).
    Site.objects.select_for_update(no_key=True).filter(pk=site.pk).first()
    latest = PolicyVersion.objects.filter(site=site).aggregate(v=Max("version"))["v"] or 0
    if first and latest:
        return PolicyVersion.objects.get(site=site, version=latest)
    return PolicyVersion.objects.create(
        site=site,
        version=latest + 1,
        source=source,
        title=policy.title[:200],
        note=note[:300],
        created_by=by,
    )


def policy_current(*, site: Site) -> PolicyVersion:
    """The site's policy in force: its latest version, or the shipped default as version 1."""
    current = PolicyVersion.objects.filter(site=site).order_by("-version").first()
    if current is not None:
        return current
    # Concurrent first requests all get here: policy_save re-checks under the site's lock.
    return policy_save(
        site=site, source=default_policy_source(), note="Parley default policy", first=True
    )


@dataclass(frozen=True)
class SitePolicy:
    """A site's policy in force as one process caches it (see `site_policy`)."""

    stamp: str
    version: PolicyVersion
    engine: Engine


SITE_CACHE_SIZE = 1024
# Per process, the sites most recently asked for; LRUCache is not thread-safe, hence the lock.
_site_cache: LRUCache[int, SitePolicy] = LRUCache(maxsize=SITE_CACHE_SIZE)
_site_cache_lock = threading.Lock()


def site_policy(*, site: Site) -> SitePolicy:
    """The site's policy in force, compiled, cached per process under the site's
    `config_stamp`.

    Every save or delete of a PolicyVersion (or of any other part of the site's moderation
    configuration) gives the site a new stamp (policy.models.site_config_changed), and callers
    pass a site row they loaded for this request or task, so a change is seen by every process
    at its next request: no query on a hit, one on a miss.
    """
    with _site_cache_lock:
        cached = _site_cache.get(site.pk)
    if cached is not None and cached.stamp == site.config_stamp:
        return cached
    version = policy_current(site=site)  # may save the default, which changes site's stamp
    _, engine = compiled(version.pk, version.source)
    found = SitePolicy(stamp=site.config_stamp, version=version, engine=engine)
    with _site_cache_lock:
        _site_cache[site.pk] = found
    return found


def moderation_context(comment: Comment, *, scores: dict | None = None) -> Context:
    """What the engine knows about a comment's author and article: the author's standing on
    the site, their published and rejected comments, their recent bodies (policy.sql, one
    query), the article's state, and the scorers' `scores` when the pipeline has them.

    The one way a context is assembled: posting, the pipeline, re-moderation and the policy
    check endpoint (an unsaved draft) all call this."""
    found = sql.author_history(
        site_id=comment.site_id, author_id=comment.author_id, own_id=comment.pk or 0
    )
    state = found.standing
    # As Standing.effective_state: a suspension that has run out counts as active.
    if state is None or (state == StandingState.SUSPENDED and found.suspension_over):
        state = StandingState.ACTIVE
    article = comment.article
    return Context(
        author_standing=state,
        author_approved_count=found.approved,
        author_rejected_count=found.rejected,
        recent_bodies=found.recent_bodies,
        article_open=article.accepts_comments(),
        article_premoderated=article.premoderated,
        scores=scores,
    )


def evaluate_comment(comment: Comment, *, engine: Engine, scores: dict | None = None) -> Verdict:
    """The engine's verdict on a comment in its context (`moderation_context`)."""
    return engine.evaluate(comment.body, moderation_context(comment, scores=scores))


def breaks_clause(number: int, title: str) -> str:
    """What the author of a rejected or removed comment is told."""
    return f"This comment breaks clause {number} of the comment policy: {title}."
