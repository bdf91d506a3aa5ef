"""Writes for policies and moderation: saving policy versions, deciding comments.

The engine (policy.engine) decides; this module gathers its context, records the decision
and moves the comment through the state machine (comments.lifecycle).
"""

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone

from comments import rows
from comments.errors import InvalidInput
from comments.lifecycle import Actor, transition
from comments.models import ActorKind, Comment, CommentStatus, Site
from policy.documents import compiled, default_policy_source
from policy.engine import Action, Context, Engine, Policy, PolicyError, Verdict, load_policy

from .models import (
    ModerationDecision,
    PolicyVersion,
    ScorerConfig,
    Standing,
    StandingState,
    WebhookEndpoint,
)

logger = logging.getLogger(__name__)

S = CommentStatus
RECENT_WINDOW = timedelta(hours=24)
RECENT_LIMIT = 10
HISTORY_COUNT_CAP = 1000  # as far as the author's approved/rejected comments are counted


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
    *, site: Site, source: str, by: AbstractBaseUser | None = None, note: str = ""
) -> PolicyVersion:
    """Store a new version of the site's policy. Earlier versions are kept unchanged."""
    policy = check_policy_source(source)
    Site.objects.select_for_update().filter(pk=site.pk).first()
    latest = PolicyVersion.objects.filter(site=site).aggregate(v=Max("version"))["v"] or 0
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
    try:
        return policy_save(site=site, source=default_policy_source(), note="Parley default policy")
    except IntegrityError:
        return PolicyVersion.objects.filter(site=site).order_by("-version").first()


@dataclass(frozen=True)
class SiteModeration:
    """A site's moderation configuration as one process caches it (see `site_moderation`)."""

    stamp: str
    version: PolicyVersion
    engine: Engine
    scorers: tuple[ScorerConfig, ...]  # enabled, by name
    webhooks: tuple[WebhookEndpoint, ...]  # active

    @property
    def has_scorers(self) -> bool:
        return bool(self.scorers)


SITE_CACHE_SIZE = 1024
_site_cache: OrderedDict[int, SiteModeration] = OrderedDict()
_site_cache_lock = threading.Lock()


def site_moderation(*, site: Site) -> SiteModeration:
    """The site's policy in force (compiled), enabled scorers and active webhook endpoints,
    cached per process under the site's `config_stamp`.

    Every save or delete of a PolicyVersion, ScorerConfig or WebhookEndpoint gives the site a
    new stamp (policy.models.site_config_changed), and callers pass a site row they loaded for
    this request or task, so a change is seen by every process at its next request: no query
    on a hit, three on a miss. The stamp is read before the configuration, so an entry never
    holds a configuration older than its stamp.
    """
    cached = _site_cache.get(site.pk)
    if cached is not None and cached.stamp == site.config_stamp:
        return cached
    version = policy_current(site=site)  # may save the default, which changes site's stamp
    _, engine = compiled(version.pk, version.source)
    config = SiteModeration(
        stamp=site.config_stamp,
        version=version,
        engine=engine,
        scorers=tuple(ScorerConfig.objects.filter(site_id=site.pk, enabled=True).order_by("name")),
        webhooks=tuple(WebhookEndpoint.objects.filter(site_id=site.pk, active=True)),
    )
    with _site_cache_lock:
        _site_cache[site.pk] = config
        _site_cache.move_to_end(site.pk)
        while len(_site_cache) > SITE_CACHE_SIZE:
            _site_cache.popitem(last=False)
    return config


def forget_site_moderation(site_ids: Iterable[int]) -> None:
    """Drop this process's entries (other processes see the new stamp on their next load)."""
    with _site_cache_lock:
        for pk in site_ids:
            _site_cache.pop(pk, None)


@cache
def _context_sql() -> str:
    comment = Comment._meta.db_table
    standing = Standing._meta.db_table
    # One round trip: the first row carries standing and history, the others the author's
    # recent bodies. The counts stop at HISTORY_COUNT_CAP, so a prolific commenter's post
    # costs no more than a newcomer's. Written by hand: composing three ORM queries cost more
    # CPU than running them, on the path every post takes.
    return f"""
        SELECT 0, NULL, NULL,
          (SELECT state FROM {standing} WHERE site_id = %s AND commenter_id = %s),
          (SELECT until <= %s FROM {standing} WHERE site_id = %s AND commenter_id = %s),
          (SELECT COUNT(*) FROM (SELECT 1 FROM {comment}
            WHERE site_id = %s AND author_id = %s AND id <> %s AND status = %s
            LIMIT {HISTORY_COUNT_CAP}) approved),
          (SELECT COUNT(*) FROM (SELECT 1 FROM {comment}
            WHERE site_id = %s AND author_id = %s AND id <> %s AND status = %s
            LIMIT {HISTORY_COUNT_CAP}) rejected)
        UNION ALL
        SELECT 1, recent.body, ROW_NUMBER() OVER (ORDER BY recent.created_at DESC),
          NULL, NULL, NULL, NULL FROM (
          SELECT body, created_at FROM {comment}
            WHERE author_id = %s AND site_id = %s AND created_at >= %s
              AND id <> %s AND status <> %s
            ORDER BY created_at DESC LIMIT {RECENT_LIMIT}
        ) recent
    """  # noqa: S608 - table names from the models, every value a parameter


def moderation_context(comment: Comment, *, scores: dict | None = None) -> Context:
    """What the engine knows about a comment's author and article, in one query."""
    site_id, author_id = comment.site_id, comment.author_id
    own_id = comment.pk or 0  # an unsaved draft (policy API) excludes nothing
    now = timezone.now()
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            _context_sql(),
            [
                *(site_id, author_id, adapt(now), site_id, author_id),
                *(site_id, author_id, own_id, S.PUBLISHED),
                *(site_id, author_id, own_id, S.REJECTED),
                *(author_id, site_id, adapt(now - RECENT_WINDOW), own_id, S.DELETED),
            ],
        )
        found = cursor.fetchall()
    head = next(row for row in found if row[0] == 0)
    # Newest first, by rank: the times themselves are not needed (and parsing them was a
    # noticeable share of a decision's CPU).
    recent = sorted((row for row in found if row[0] == 1), key=lambda row: row[2])
    state, ended = head[3], head[4]
    # As Standing.effective_state: a suspension that has run out counts as active.
    if state is None or (state == StandingState.SUSPENDED and ended):
        state = StandingState.ACTIVE
    article = comment.article
    return Context(
        author_standing=state,
        author_approved_count=head[5],
        author_rejected_count=head[6],
        recent_bodies=tuple(row[1] for row in recent),
        article_open=article.accepts_comments(),
        article_premoderated=article.premoderated,
        scores=scores,
    )


def revision_of(comment: Comment) -> str:
    return comment.edited_at.isoformat() if comment.edited_at else "original"


def evaluate(comment: Comment, *, scores: dict | None = None) -> tuple[PolicyVersion, Verdict]:
    config = site_moderation(site=comment.site)
    context = moderation_context(comment, scores=scores)
    return config.version, config.engine.evaluate(comment.body, context)


def apply_verdict(
    comment: Comment,
    *,
    verdict: Verdict,
    version: PolicyVersion,
    stage: str,
    actor_kind: str = ActorKind.RULE,
    elapsed_us: int = 0,
    scores: dict | None = None,
    publish: bool = True,
    first_decision: bool = False,
) -> ModerationDecision | None:
    """Record the decision and move the comment. Returns None when this revision was decided.

    Precondition: inside a transaction that holds the comment's row lock.
    `publish=False` records a publish verdict but leaves the comment pending (for the
    pipeline to finish). The decision's unique constraint (comment, stage, revision) catches
    a duplicate in the insert itself (`ON CONFLICT DO NOTHING`); `first_decision=True` (the
    caller created the comment in this same transaction, so no decision about it can exist)
    inserts plainly.
    """
    deciding = verdict.clause
    decision = ModerationDecision(
        comment=comment,
        stage=stage,
        revision=revision_of(comment),
        action=verdict.action.value,
        flagged=verdict.flagged,
        clause_id=deciding.clause_id if deciding else "",
        clause_title=deciding.clause_title if deciding else "",
        hits=verdict.to_dict().get("hits", []),
        scores=scores or {},
        policy_version=version,
        policy_version_number=version.version,
        elapsed_us=elapsed_us,
    )
    if first_decision:
        rows.insert(decision)
    elif not rows.insert_unless_conflict(decision):
        return None  # delivered twice: this stage of this revision is already decided

    target = {
        Action.REJECT: S.REJECTED,
        Action.HOLD: S.HELD,
        Action.PUBLISH: S.PUBLISHED if publish else None,
    }[verdict.action]
    if target is not None and comment.status != target:
        transition(
            comment,
            to=target,
            actor=Actor(actor_kind, deciding.rule if deciding else "policy"),
            clause_id=deciding.clause_id if deciding else "",
            clause_title=deciding.clause_title if deciding else "",
            note=_reason(verdict),
            policy_version=version.version,
        )
    return decision


def breaks_clause(number: int, title: str) -> str:
    """What the author of a rejected or removed comment is told."""
    return f"This comment breaks clause {number} of the comment policy: {title}."


def _reason(verdict: Verdict) -> str:
    hit = verdict.clause
    if hit is None:
        return ""
    if verdict.action == Action.REJECT:
        return breaks_clause(hit.clause_number, hit.clause_title)
    if verdict.action == Action.HOLD:
        return (
            f"A moderator will review this comment under clause {hit.clause_number}: "
            f"{hit.clause_title}."
        )
    return ""


def pipeline_has_work(config: SiteModeration) -> bool:
    """Whether a comment the local rules would publish must wait for the pipeline: the policy
    has scorer rules, or the site has a scorer (spam service, classifier) configured."""
    return bool(config.engine.needs_scorers) or config.has_scorers


def moderate_comment(comment: Comment, *, reason: str) -> None:
    """The moderation entry point for new and edited comments (settings.PARLEY_MODERATION_ENTRY).

    Precondition: inside the transaction that created or locked the comment. The local rules
    (text, standing, history) decide at once. A comment they would publish is published now,
    unless scorers must look at it: then it stays pending and the pipeline decides it after
    the transaction commits.
    """
    if comment.status != S.PENDING:
        return
    started = time.perf_counter()
    config = site_moderation(site=comment.site)
    verdict = config.engine.evaluate(comment.body, moderation_context(comment))
    elapsed = int((time.perf_counter() - started) * 1_000_000)
    waits = verdict.action == Action.PUBLISH and pipeline_has_work(config)
    apply_verdict(
        comment,
        verdict=verdict,
        version=config.version,
        stage=ModerationDecision.Stage.SYNC,
        elapsed_us=elapsed,
        publish=not waits,
        # A comment created in this transaction has no decision yet, and no other
        # transaction can see it to decide it: a duplicate is impossible, no savepoint needed.
        first_decision=reason == "created",
    )
    if waits:
        from policy.pipeline import enqueue_moderation

        enqueue_moderation(comment.pk)
