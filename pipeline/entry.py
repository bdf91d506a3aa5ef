"""Where the pipeline's work starts: a comment posted or edited, a re-moderation started.

`moderate_comment` is the moderation entry point comments.services calls for every new and
edited comment (registered in comments.hooks by pipeline.apps). The local rules decide at once,
inside the posting transaction; a comment they would publish waits for the pipeline's task
when scorers must look at it (pipeline.services.decide_pending).
"""

from __future__ import annotations

import time
from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction

from comments.errors import Conflict
from comments.hooks import Reason
from comments.models import Comment, CommentStatus, Site
from policy.engine import Action
from policy.services import evaluate_comment, policy_current

from .config import pipeline_has_work, site_moderation
from .enqueue import send_on_commit, send_task
from .models import ModerationDecision, RemoderationRun
from .services import apply_verdict
from .tasks import moderate_comment_task, remoderate_task

S = CommentStatus


def moderate_comment(comment: Comment, *, reason: Reason) -> None:
    """The moderation entry point for new and edited comments (comments.hooks).

    Precondition: inside the transaction that created or locked the comment. The local rules
    (text, standing, history) decide at once. A comment they would publish is published now,
    unless scorers must look at it: then it stays pending and the pipeline decides it after
    the transaction commits.
    """
    if comment.status != S.PENDING:
        return
    started = time.perf_counter()
    config = site_moderation(site=comment.site)
    verdict = evaluate_comment(comment, engine=config.engine)
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
        enqueue_moderation(comment.pk)


def enqueue_moderation(comment_id: int) -> None:
    """Ask the pipeline to decide a pending comment once the current transaction commits."""
    transaction.on_commit(lambda: send_moderation_task(comment_id))


def send_moderation_task(comment_id: int) -> bool:
    """Send the moderation task now; False (and a log line) when the broker is unreachable."""
    return send_task(moderate_comment_task, comment_id)


@transaction.atomic
def remoderation_start(
    *,
    site: Site,
    since: datetime,
    apply: bool = False,
    confirms: RemoderationRun | None = None,
    by: User | None = None,
    run_now: bool = False,
) -> RemoderationRun:
    """Create a re-moderation run (pipeline.remoderation) and queue it (after commit). An
    applying run should confirm a finished dry run made under the same policy version; with
    `run_now` the caller runs it itself (the management command) instead of queueing it."""
    version = policy_current(site=site)
    if confirms is not None:
        if confirms.site_id != site.pk or confirms.apply:
            raise Conflict("That run is not a dry run of this site.", code="not_a_dry_run")
        if confirms.state != RemoderationRun.State.DONE:
            raise Conflict("The dry run has not finished.", code="dry_run_not_finished")
        if confirms.policy_version_id != version.pk:
            raise Conflict(
                "The policy changed since the dry run; run a new dry run.",
                code="policy_changed",
            )
        since = confirms.since
    run = RemoderationRun.objects.create(
        site=site,
        policy_version=version,
        since=since,
        apply=apply,
        confirms=confirms,
        created_by=by,
    )
    if not run_now:
        send_on_commit(remoderate_task, run.pk)
    return run
