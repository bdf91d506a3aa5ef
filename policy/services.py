"""Writes for policies and moderation: saving policy versions, deciding comments.

The engine (policy.engine) decides; this module gathers its context, records the decision
and moves the comment through the state machine (comments.lifecycle).
"""

import logging
import time
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from comments.errors import InvalidInput
from comments.lifecycle import Actor, transition
from comments.models import ActorKind, Comment, CommentStatus, Site
from policy.documents import compiled, default_policy_source
from policy.engine import Action, Context, PolicyError, Verdict, load_policy

from .models import ModerationDecision, PolicyVersion, Standing

logger = logging.getLogger(__name__)

S = CommentStatus
RECENT_WINDOW = timedelta(hours=24)
RECENT_LIMIT = 10


class InvalidPolicy(InvalidInput):
    code = "invalid_policy"
    message = "The policy document is not valid."


def check_policy_source(source: str) -> None:
    """Validate a policy document; raise InvalidPolicy naming every bad field or line."""
    try:
        load_policy(source)
    except PolicyError as exc:
        raise InvalidPolicy(errors=list(getattr(exc, "errors", None) or [str(exc)])) from exc


@transaction.atomic
def policy_save(
    *, site: Site, source: str, by: AbstractBaseUser | None = None, note: str = ""
) -> PolicyVersion:
    """Store a new version of the site's policy. Earlier versions are kept unchanged."""
    check_policy_source(source)
    policy = load_policy(source)
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


def moderation_context(comment: Comment, *, scores: dict | None = None) -> Context:
    """What the engine knows about a comment's author and article, in three queries."""
    standing = Standing.objects.filter(site_id=comment.site_id, commenter_id=comment.author_id)
    standing = standing.first()
    history = (
        Comment.objects.filter(site_id=comment.site_id, author_id=comment.author_id)
        .exclude(pk=comment.pk)
        .aggregate(
            approved=Count("id", filter=Q(status=S.PUBLISHED)),
            rejected=Count("id", filter=Q(status=S.REJECTED)),
        )
    )
    recent = tuple(
        Comment.objects.filter(
            author_id=comment.author_id,
            site_id=comment.site_id,
            created_at__gte=timezone.now() - RECENT_WINDOW,
        )
        .exclude(pk=comment.pk)
        .exclude(status=S.DELETED)
        .order_by("-created_at")
        .values_list("body", flat=True)[:RECENT_LIMIT]
    )
    article = comment.article
    return Context(
        author_standing=standing.effective_state() if standing else "active",
        author_approved_count=history["approved"],
        author_rejected_count=history["rejected"],
        recent_bodies=recent,
        article_open=article.accepts_comments(),
        article_premoderated=article.premoderated,
        scores=scores,
    )


def revision_of(comment: Comment) -> str:
    return comment.edited_at.isoformat() if comment.edited_at else "original"


def evaluate(comment: Comment, *, scores: dict | None = None) -> tuple[PolicyVersion, Verdict]:
    version = policy_current(site=comment.site)
    _, engine = compiled(version.pk, version.source)
    return version, engine.evaluate(comment.body, moderation_context(comment, scores=scores))


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
) -> ModerationDecision | None:
    """Record the decision and move the comment. Returns None when this revision was decided.

    Precondition: inside a transaction that holds the comment's row lock.
    `publish=False` records a publish verdict but leaves the comment pending (for the
    pipeline to finish).
    """
    deciding = verdict.clause
    revision = revision_of(comment)
    try:
        with transaction.atomic():
            decision = ModerationDecision.objects.create(
                comment=comment,
                stage=stage,
                revision=revision,
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
    except IntegrityError:
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


def _reason(verdict: Verdict) -> str:
    hit = verdict.clause
    if hit is None:
        return ""
    if verdict.action == Action.REJECT:
        return (
            f"This comment breaks clause {hit.clause_number} of the comment policy: "
            f"{hit.clause_title}."
        )
    if verdict.action == Action.HOLD:
        return (
            f"A moderator will review this comment under clause {hit.clause_number}: "
            f"{hit.clause_title}."
        )
    return ""


def pipeline_has_work(comment: Comment, *, engine_needs_scorers: frozenset[str]) -> bool:
    """Whether a comment the local rules would publish must wait for the pipeline: the policy
    has scorer rules, or the site has a scorer (spam service, classifier) configured."""
    from .models import ScorerConfig

    if engine_needs_scorers:
        return True
    return ScorerConfig.objects.filter(site_id=comment.site_id, enabled=True).exists()


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
    version = policy_current(site=comment.site)
    _, engine = compiled(version.pk, version.source)
    verdict = engine.evaluate(comment.body, moderation_context(comment))
    elapsed = int((time.perf_counter() - started) * 1_000_000)
    waits = verdict.action == Action.PUBLISH and pipeline_has_work(
        comment, engine_needs_scorers=engine.needs_scorers
    )
    apply_verdict(
        comment,
        verdict=verdict,
        version=version,
        stage=ModerationDecision.Stage.SYNC,
        elapsed_us=elapsed,
        publish=not waits,
    )
    if waits:
        from policy.pipeline import enqueue_moderation

        enqueue_moderation(comment.pk)
