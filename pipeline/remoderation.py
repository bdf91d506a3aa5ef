"""Re-moderation: run the policy in force over a site's recent published comments.

A run is started by pipeline.entry.remoderation_start and done here (`remoderation_execute`,
the task's work). First a dry run lists what would change; then a run that confirms it applies
the same policy version: a comment the policy now holds goes to `held`, one it now rejects is
`removed` (a published comment cannot become `rejected` in the state machine). Each is recorded as a
ModerationDecision of stage `policy_change` and a CommentEvent by actor `policy_change`.
Scorers are not called again: the scores recorded when each comment was decided are reused.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from comments.errors import InvalidInput
from comments.lifecycle import Actor, transition
from comments.locks import comments_locked
from comments.models import ActorKind, Comment, CommentStatus
from policy.documents import compiled
from policy.engine import Action, Verdict
from policy.models import PolicyVersion
from policy.services import evaluate_comment

from .models import ModerationDecision, RemoderationRun
from .services import revision_of

logger = logging.getLogger(__name__)

S = CommentStatus
BATCH = 200
_DURATION = re.compile(r"^(\d{1,5})([mhd])$")


def parse_since(value: str, *, now: datetime | None = None) -> datetime:
    """'30m', '12h' or '7d' before now."""
    match = _DURATION.match(value.strip())
    if not match:
        raise InvalidInput("Give a duration like 30m, 12h or 7d.", code="invalid_since")
    amount, unit = int(match.group(1)), match.group(2)
    delta = {"m": timedelta(minutes=amount), "h": timedelta(hours=amount)}.get(
        unit, timedelta(days=amount)
    )
    return (now or timezone.now()) - delta


def remoderation_execute(run_id: int) -> int:
    """Do one run; returns how many comments would change (dry) or changed (applied).
    Not in one transaction: each applied comment commits on its own."""
    run = RemoderationRun.objects.select_related("site", "policy_version").filter(pk=run_id).first()
    if run is None or run.state == RemoderationRun.State.DONE:
        return 0
    RemoderationRun.objects.filter(pk=run.pk).update(state=RemoderationRun.State.RUNNING)
    version = run.policy_version
    _, engine = compiled(version.pk, version.source)
    checked = 0
    changes: list[dict] = []
    try:
        for batch in _published_batches(run):
            scores = _recorded_scores(batch)
            for comment in batch:
                verdict = evaluate_comment(
                    comment, engine=engine, scores=scores.get(comment.pk, {})
                )
                checked += 1
                if verdict.action == Action.PUBLISH:
                    continue
                if run.apply and not _apply_one(comment.pk, verdict=verdict, version=version):
                    continue
                changes.append(_change(comment, verdict))
    except Exception as exc:
        # Record why the run stopped for the moderator who started it, then fail the task.
        RemoderationRun.objects.filter(pk=run.pk).update(
            state=RemoderationRun.State.FAILED,
            checked=checked,
            changes=changes,
            error=str(exc)[:500],
            finished_at=timezone.now(),
        )
        raise
    RemoderationRun.objects.filter(pk=run.pk).update(
        state=RemoderationRun.State.DONE,
        checked=checked,
        changes=changes,
        finished_at=timezone.now(),
    )
    return len(changes)


def _published_batches(run: RemoderationRun) -> Iterator[list[Comment]]:
    ids = list(
        Comment.objects.filter(site=run.site, status=S.PUBLISHED, created_at__gte=run.since)
        .order_by("id")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(ids), BATCH):
        yield list(
            Comment.objects.filter(pk__in=ids[start : start + BATCH])
            .select_related("article", "author")
            .order_by("id")
        )


def _recorded_scores(batch: list[Comment]) -> dict[int, dict]:
    scores: dict[int, dict] = {}
    rows = (
        ModerationDecision.objects.filter(
            comment__in=batch, stage=ModerationDecision.Stage.PIPELINE
        )
        .order_by("created_at", "id")
        .values_list("comment_id", "scores")
    )
    for comment_id, value in rows:
        scores[comment_id] = value or {}
    return scores


def _change(comment: Comment, verdict: Verdict) -> dict:
    clause = verdict.clause
    return {
        "comment": comment.pk,
        "action": verdict.action.value,
        "to_status": S.HELD if verdict.action == Action.HOLD else S.REMOVED,
        "clause_id": clause.clause_id if clause else "",
        "clause_title": clause.clause_title if clause else "",
        "excerpt": comment.body[:120],
    }


def _apply_one(comment_id: int, *, verdict: Verdict, version: PolicyVersion) -> bool:
    """Hold or remove one published comment under the new policy; False when it is no longer
    published or this policy version already decided it."""
    clause = verdict.clause
    with transaction.atomic():
        comment = comments_locked("site").filter(pk=comment_id).first()
        if comment is None or comment.status != S.PUBLISHED:
            return False
        try:
            with transaction.atomic():
                ModerationDecision.objects.create(
                    comment=comment,
                    stage=ModerationDecision.Stage.POLICY_CHANGE,
                    # One decision per revision per policy version: a later policy may look again.
                    revision=f"{revision_of(comment)}@v{version.version}"[:40],
                    action=verdict.action.value,
                    flagged=verdict.flagged,
                    clause_id=clause.clause_id if clause else "",
                    clause_title=clause.clause_title if clause else "",
                    hits=verdict.to_dict().get("hits", []),
                    policy_version=version,
                    policy_version_number=version.version,
                )
        except IntegrityError:
            return False
        held = verdict.action == Action.HOLD
        title = clause.clause_title if clause else ""
        number = clause.clause_number if clause else 0
        note = (
            f"Policy version {version.version} "
            + ("holds this comment for a moderator" if held else "removes this comment")
            + (f" under clause {number}: {title}." if clause else ".")
        )
        transition(
            comment,
            to=S.HELD if held else S.REMOVED,
            actor=Actor(ActorKind.POLICY_CHANGE, f"policy v{version.version}"),
            clause_id=clause.clause_id if clause else "",
            clause_title=title,
            note=note,
            policy_version=version.version,
        )
    return True
