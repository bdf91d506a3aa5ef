"""Deciding comments and recording the decisions: the moderation pipeline's writes.

Nothing here may lose a comment: a comment stays `pending` until a decision is applied, and a
decision is applied once per revision however many times its task is delivered (the
decision's unique constraint). The engine (policy.engine) decides; this module records its
decision (`apply_verdict`) and moves the comment through the state machine
(comments.lifecycle). What starts a decision is in pipeline.entry.

A decision of the pipeline (`decide_pending`, the task's work) has two phases. Scorers are
network calls, so they run first with no transaction and no row lock held; then the comment
is locked, checked to be still pending and still the same revision, and the engine decides
with the scores in its context.
"""

from __future__ import annotations

import logging
import time

from django.db import transaction

from comments import rows
from comments.lifecycle import Actor, transition
from comments.locks import comment_status_locked
from comments.models import ActorKind, Comment, CommentStatus
from policy.engine import Action, Verdict
from policy.models import PolicyVersion
from policy.services import breaks_clause, evaluate_comment

from . import sql
from .config import site_moderation
from .models import ModerationDecision
from .scorers import ScorerError, ScorerUnavailable, run_scorers, scorers_for

logger = logging.getLogger(__name__)

S = CommentStatus

# What the author and the moderator see when a comment is held because a scorer was down.
SCORER_UNAVAILABLE = "scorer_unavailable"
SCORER_UNAVAILABLE_TITLE = "Automatic check unavailable"
SCORER_UNAVAILABLE_NOTE = (
    "A moderator will review this comment: an automatic check could not run. "
    "This is not a judgement on the comment."
)


def revision_of(comment: Comment) -> str:
    return comment.edited_at.isoformat() if comment.edited_at else "original"


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
    a duplicate in the insert itself (`ON CONFLICT (comment, stage, revision) DO NOTHING`);
    `first_decision=True` (the caller created the comment in this same transaction, so no
    decision about it can exist) inserts plainly.
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
    elif not rows.insert_unless_conflict(decision, constraint="decision_once_per_revision"):
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
        return breaks_clause(hit.clause_number, hit.clause_title)
    if verdict.action == Action.HOLD:
        return (
            f"A moderator will review this comment under clause {hit.clause_number}: "
            f"{hit.clause_title}."
        )
    return ""


def decide_pending(comment_id: int, *, final_attempt: bool = True) -> str | None:
    """Decide one pending comment; the task calls this. Returns the new status, or None when
    there was nothing to do (gone, no longer pending, edited meanwhile, already decided).

    Raises ScorerUnavailable when a scorer is down and this is not the final attempt (the task
    retries with backoff). On the final attempt, or when a scorer fails for good, the comment
    is held for a moderator: never published unchecked.
    """
    comment = sql.comment_to_decide(comment_id)
    if comment is None or comment.status != S.PENDING:
        return None
    revision = revision_of(comment)
    config = site_moderation(site=comment.site)
    version, engine = config.version, config.engine

    scores: dict[str, dict[str, float]] = {}
    failure: ScorerError | None = None
    # Every scorer the site enabled runs (its scores are kept for moderators and for a later
    # re-moderation); the policy's `score` rules decide which of them matter.
    scorers = scorers_for(comment, config=config)
    started = time.perf_counter()
    if scorers:
        try:
            scores = run_scorers(comment, scorers)
        except ScorerUnavailable as exc:
            if not final_attempt:
                raise
            failure = exc
        except ScorerError as exc:
            failure = exc

    with transaction.atomic():
        if (
            not comment_status_locked(comment)
            or comment.status != S.PENDING
            or revision_of(comment) != revision
        ):
            # Gone, decided by another delivery, or edited (the edit enqueued its own task).
            return None
        if failure is not None:
            decision = hold_unscored(comment, version=version, error=failure)
        else:
            # Non-None scores make the engine run its `score` rules; a scorer the site has not
            # configured is simply absent, and a missing score does not fire.
            verdict = evaluate_comment(comment, engine=engine, scores=scores)
            decision = apply_verdict(
                comment,
                verdict=verdict,
                version=version,
                stage=ModerationDecision.Stage.PIPELINE,
                elapsed_us=int((time.perf_counter() - started) * 1_000_000),
                actor_kind=_actor_kind(verdict),
                scores=scores,
            )
        return comment.status if decision is not None else None


def _actor_kind(verdict: Verdict) -> str:
    if verdict.clause is not None and verdict.clause.rule == "score":
        return ActorKind.SCORER
    return ActorKind.RULE


def hold_unscored(
    comment: Comment, *, version: PolicyVersion, error: ScorerError
) -> ModerationDecision | None:
    """Hold a comment whose scorer could not answer; record it as the pipeline's decision.

    Precondition: inside a transaction holding the comment's row lock, comment pending."""
    decision, created = ModerationDecision.objects.get_or_create(
        comment=comment,
        stage=ModerationDecision.Stage.PIPELINE,
        revision=revision_of(comment),
        defaults={
            "action": Action.HOLD.value,
            "clause_id": SCORER_UNAVAILABLE,
            "clause_title": SCORER_UNAVAILABLE_TITLE,
            "hits": [
                {
                    "rule": SCORER_UNAVAILABLE,
                    "clause_id": SCORER_UNAVAILABLE,
                    "clause_title": SCORER_UNAVAILABLE_TITLE,
                    "action": "hold",
                    "evidence": {"scorer": error.scorer, "error": str(error)[:300]},
                }
            ],
            "policy_version": version,
            "policy_version_number": version.version,
        },
    )
    if not created:
        return None
    transition(
        comment,
        to=S.HELD,
        actor=Actor(ActorKind.SCORER, error.scorer),
        clause_id=SCORER_UNAVAILABLE,
        clause_title=SCORER_UNAVAILABLE_TITLE,
        note=SCORER_UNAVAILABLE_NOTE,
        policy_version=version.version,
    )
    logger.warning("Held comment %s: %s", comment.pk, error)
    return decision
