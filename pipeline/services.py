"""The asynchronous half of moderation: enqueueing after commit, deciding once, sweeping.

Nothing here may lose a comment: a comment stays `pending` until a decision is applied, an
enqueue that fails is logged (the sweeper re-enqueues later), and a decision is applied once
per revision however many times its task is delivered.

A decision has two phases. Scorers are network calls, so they run first with no transaction
and no row lock held; then the comment is locked, checked to be still pending and still the
same revision, and the engine decides with the scores in its context.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta

from celery import Task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from comments import rows
from comments.lifecycle import Actor, transition
from comments.models import ActorKind, Article, Comment, Commenter, CommentStatus, Site

from .engine import Action, Verdict
from .models import (
    DeliveryStatus,
    ModerationDecision,
    NotificationLog,
    NotificationStatus,
    PolicyVersion,
    WebhookDelivery,
)
from .scorers import ScorerError, ScorerUnavailable, run_scorers, scorers_for
from .services import apply_verdict, moderation_context, revision_of, site_moderation

logger = logging.getLogger(__name__)

S = CommentStatus

# What the author and the moderator see when a comment is held because a scorer was down.
SCORER_UNAVAILABLE = "scorer_unavailable"
SCORER_UNAVAILABLE_TITLE = "Automatic check unavailable"
SCORER_UNAVAILABLE_NOTE = (
    "A moderator will review this comment: an automatic check could not run. "
    "This is not a judgement on the comment."
)


def enqueue_moderation(comment_id: int) -> None:
    """Ask the pipeline to decide a pending comment once the current transaction commits."""
    transaction.on_commit(lambda: send_moderation_task(comment_id))


def send_task(task: Task, object_id: int) -> bool:
    """Send `task(object_id)` now. A broker failure is logged, never raised: the row that
    needs the work is already committed, and the sweeper sends it again later.

    Precondition: not inside a transaction (call it from `transaction.on_commit`)."""
    try:
        task.apply_async((object_id,), retry=False)
    except Exception:
        # Any broker error (connection refused, timeout, auth, a full memory): the request
        # that stored the row must still succeed. Deliberately broad, and never retried here.
        logger.warning("Could not enqueue %s(%s)", task.name, object_id, exc_info=True)
        return False
    return True


def send_on_commit(task: Task, object_id: int) -> None:
    transaction.on_commit(lambda: send_task(task, object_id))


def send_moderation_task(comment_id: int) -> bool:
    """Send the moderation task now; False (and a log line) when the broker is unreachable."""
    from .tasks import moderate_comment_task

    return send_task(moderate_comment_task, comment_id)


# What a decision reads of the comment's relations: the engine (article state), the site's
# cached configuration (its stamp), the scorers' payloads (Akismet, HTTP), the webhook payloads
# and the audit rows' labels. The other columns are deferred (reading one costs a query;
# tests/pipeline/test_post_queries.py counts a decision's statements).
_SITE = ("id", "slug", "name", "allowed_origins", "config_stamp")
_ARTICLE = ("id", "site", "key", "url", "title", "is_open", "closes_at", "premoderated")
_AUTHOR = ("id", "user", "public_id", "display_name")


def _load(comment_id: int) -> Comment | None:
    """The comment with what scorers and the engine read (site, article, author and user), not
    locked. Hand-written (comments.rows): every decision runs it."""
    user_model = get_user_model()
    c, s = rows.columns(Comment, "c"), rows.columns(Site, "s", _SITE)
    a, au = rows.columns(Article, "a", _ARTICLE), rows.columns(Commenter, "au", _AUTHOR)
    u = rows.columns(user_model, "u", ("id", user_model.get_email_field_name(), "is_active"))
    row = rows.fetchone(
        f"SELECT {c.sql}, {s.sql}, {a.sql}, {au.sql}, {u.sql} "  # noqa: S608
        f"FROM {Comment._meta.db_table} c "
        f"JOIN {Site._meta.db_table} s ON s.id = c.site_id "
        f"JOIN {Article._meta.db_table} a ON a.id = c.article_id "
        f"JOIN {Commenter._meta.db_table} au ON au.id = c.author_id "
        f"JOIN {user_model._meta.db_table} u ON u.{user_model._meta.pk.column} = au.user_id "
        "WHERE c.id = %s",
        [comment_id],
    )
    if row is None:
        return None
    comment, site, article, author, user = rows.load_joined(row, c, s, a, au, u)
    comment.site, comment.article, comment.author = site, article, author
    author.user = user
    return comment


def _lock(comment: Comment) -> bool:
    """Lock the comment's row and refresh what may have changed since it was read (its status
    and revision); False when the row is gone. Precondition: inside a transaction."""
    c = rows.columns(Comment, "c", ("status", "edited_at"))
    locks = connection.features.has_select_for_update
    for_update = connection.ops.for_update_sql() if locks else ""
    row = rows.fetchone(
        f"SELECT {c.sql} FROM {Comment._meta.db_table} c WHERE c.id = %s {for_update}",  # noqa: S608
        [comment.pk],
    )
    if row is None:
        return False
    comment.status, comment.edited_at = c.values(row)
    return True


def decide_pending(comment_id: int, *, final_attempt: bool = True) -> str | None:
    """Decide one pending comment; the task calls this. Returns the new status, or None when
    there was nothing to do (gone, no longer pending, edited meanwhile, already decided).

    Raises ScorerUnavailable when a scorer is down and this is not the final attempt (the task
    retries with backoff). On the final attempt, or when a scorer fails for good, the comment
    is held for a moderator: never published unchecked.
    """
    comment = _load(comment_id)
    if comment is None or comment.status != S.PENDING:
        return None
    revision = revision_of(comment)
    config = site_moderation(site=comment.site)
    version, engine = config.version, config.engine

    scores: dict[str, dict[str, float]] = {}
    failure: ScorerError | None = None
    # Every scorer the site enabled runs (its scores are kept for moderators and for a later
    # re-moderation); the policy's `score` rules decide which of them matter.
    scorers = scorers_for(comment)
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
        if not _lock(comment) or comment.status != S.PENDING or revision_of(comment) != revision:
            # Gone, decided by another delivery, or edited (the edit enqueued its own task).
            return None
        if failure is not None:
            decision = hold_unscored(comment, version=version, error=failure)
        else:
            # Non-None scores make the engine run its `score` rules; a scorer the site has not
            # configured is simply absent, and a missing score does not fire.
            verdict = engine.evaluate(comment.body, moderation_context(comment, scores=scores))
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


def sweep_pending(*, older_than: timedelta | None = None, limit: int = 1000) -> int:
    """Re-enqueue comments pending for longer than `older_than`; returns how many were sent.

    A comment whose task is merely slow gets a second task; the second finds it decided (or
    decides it, and the first then finds nothing to do)."""
    if older_than is None:
        older_than = timedelta(seconds=settings.PARLEY_SWEEP_PENDING_AFTER_SECONDS)
    cutoff = timezone.now() - older_than
    ids = list(
        Comment.objects.filter(status=S.PENDING, status_changed_at__lt=cutoff)
        .order_by("status_changed_at")
        .values_list("pk", flat=True)[:limit]
    )
    sent = sum(send_moderation_task(pk) for pk in ids)
    if ids:
        logger.info("Sweeper re-enqueued %s of %s pending comments", sent, len(ids))
    return sent


def sweep_outbox(*, older_than: timedelta | None = None, limit: int = 1000) -> int:
    """Send again webhook deliveries and e-mails still waiting (their enqueue failed or their
    worker died) from the last day."""
    from .tasks import deliver_webhook_task, send_notification_task

    if older_than is None:
        older_than = timedelta(seconds=settings.PARLEY_SWEEP_PENDING_AFTER_SECONDS)
    now = timezone.now()
    window = {"created_at__lt": now - older_than, "created_at__gte": now - timedelta(days=1)}
    plan: list[tuple[Task, Callable]] = [
        (
            deliver_webhook_task,
            lambda: WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, **window),
        ),
        (
            send_notification_task,
            lambda: NotificationLog.objects.filter(status=NotificationStatus.PENDING, **window),
        ),
    ]
    sent = 0
    for task, waiting in plan:
        ids = list(waiting().order_by("created_at").values_list("pk", flat=True)[:limit])
        sent += sum(send_task(task, pk) for pk in ids)
    return sent
