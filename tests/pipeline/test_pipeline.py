"""The moderation task: decided once, after commit, nothing lost when the broker is down.

A site with a scorer configured sends every comment the local rules would publish through the
pipeline (`quiet_house`: a classifier at the HTTP boundary that finds nothing)."""

import logging
import time
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from comments.locks import comment_status_locked
from comments.models import ActorKind, Comment, CommentEvent, CommentStatus
from comments.pagecache import PagesAnnouncement
from config.celery_app import app as celery_app
from pipeline.entry import send_moderation_task
from pipeline.models import ModerationDecision
from pipeline.services import decide_pending
from pipeline.sweeper import sweep_pending

S = CommentStatus


class ListHandler(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def broker_down():
    """The real Celery client, not eager, pointed at a port where nothing listens."""
    conf = celery_app.conf
    saved = conf.task_always_eager, conf.broker_url
    conf.task_always_eager, conf.broker_url = False, "redis://127.0.0.1:1/0"
    _reset_connections()
    try:
        yield
    finally:
        conf.task_always_eager, conf.broker_url = saved
        _reset_connections()


def _reset_connections():
    # The app caches its connection and producer pools; drop them so the new URL is used.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def post(client, body="A measured point about the budget.", **extra):
    return client.post(
        "/api/v1/sites/daily/articles/budget-2026/comments/",
        {"body": body, **extra},
        format="json",
    )


def test_post_answers_pending_and_the_task_publishes_after_commit(
    reader_api, article, on_commit, quiet_house
):
    with on_commit() as callbacks:
        response = post(reader_api)
        # The answer is given before anything slow runs: pending, 202.
        assert response.status_code == 202
        assert response.json()["status"] == "pending"
        assert Comment.objects.get().status == S.PENDING
    assert len(callbacks) >= 1
    comment = Comment.objects.get()
    assert comment.status == S.PUBLISHED
    stages = list(ModerationDecision.objects.values_list("stage", "action"))
    assert stages == [("sync", "publish"), ("pipeline", "publish")]
    event = comment.events.filter(kind=CommentEvent.Kind.STATUS).get()
    assert (event.from_status, event.to_status, event.actor_kind) == (
        "pending",
        "published",
        "rule",
    )
    assert event.policy_version == 1
    decision = ModerationDecision.objects.get(stage="pipeline")
    assert decision.scores == {"house": {"toxic": 0.01}}


def _work(callbacks: list) -> list:
    """After-commit callbacks but the announcement of changed pages (comments.pagecache)."""
    return [c for c in callbacks if not isinstance(c, PagesAnnouncement)]


def test_without_scorers_the_local_rules_publish_at_once(reader_api, article, on_commit):
    with on_commit() as callbacks:
        response = post(reader_api)
    assert response.status_code == 201
    assert _work(callbacks) == []
    assert not ModerationDecision.objects.filter(stage="pipeline").exists()


def test_nothing_is_enqueued_when_the_request_rolls_back(
    reader_api, article, on_commit, quiet_house
):
    with on_commit() as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        post(reader_api)
        raise RuntimeError("the request failed after storing")
    assert callbacks == []
    assert not Comment.objects.exists()
    assert not ModerationDecision.objects.filter(stage="pipeline").exists()


def _pending_comment(reader_api, on_commit, monkeypatch):
    # Store a pending comment without its task running (as if the broker had been down).
    monkeypatch.setattr("pipeline.entry.send_moderation_task", lambda comment_id: False)
    with on_commit():
        assert post(reader_api).status_code == 202
    monkeypatch.undo()
    return Comment.objects.get()


def test_a_task_delivered_twice_decides_once(
    reader_api, article, on_commit, monkeypatch, quiet_house
):
    comment = _pending_comment(reader_api, on_commit, monkeypatch)
    with on_commit():
        assert decide_pending(comment.pk) == S.PUBLISHED
    with on_commit():
        assert decide_pending(comment.pk) is None
    assert ModerationDecision.objects.filter(comment=comment, stage="pipeline").count() == 1
    assert comment.events.filter(kind=CommentEvent.Kind.STATUS).count() == 1


def test_the_task_does_nothing_when_the_comment_is_gone_or_decided(
    reader_api, article, on_commit, quiet_house
):
    assert decide_pending(987654) is None
    with on_commit():
        post(reader_api)
    comment = Comment.objects.get()
    events_before = comment.events.count()
    assert decide_pending(comment.pk) is None
    assert comment.events.count() == events_before
    assert ModerationDecision.objects.filter(stage="pipeline").count() == 1


def test_sync_rules_decide_at_once_and_enqueue_nothing(reader_api, article, on_commit, quiet_house):
    with on_commit() as callbacks:
        response = post(reader_api, body="You are an idiot and everyone knows it.")
    assert response.status_code == 202
    assert response.json()["status"] == "held"
    assert response.json()["moderation"]["clause_id"] == "civility"
    assert _work(callbacks) == []  # held by the local rules: no task
    assert not ModerationDecision.objects.filter(stage="pipeline").exists()


def test_broker_down_the_post_still_succeeds_fast_and_the_sweeper_catches_up(
    reader_api, article, on_commit, quiet_house
):
    started = time.perf_counter()
    logged = ListHandler()
    logging.getLogger("pipeline.enqueue").addHandler(logged)
    try:
        with broker_down(), on_commit():
            response = post(reader_api)
    finally:
        logging.getLogger("pipeline.enqueue").removeHandler(logged)
    elapsed = time.perf_counter() - started
    assert response.status_code == 202
    assert elapsed < 1.0
    comment = Comment.objects.get()
    assert comment.status == S.PENDING  # stored, not lost, not decided
    assert [r.getMessage() for r in logged.records] == [
        f"Could not enqueue policy.tasks.moderate_comment_task({comment.pk})"
    ]

    # Too young for the sweeper: left alone.
    assert sweep_pending() == 0
    assert Comment.objects.get().status == S.PENDING
    Comment.objects.filter(pk=comment.pk).update(
        status_changed_at=timezone.now() - timedelta(minutes=5)
    )
    with on_commit():
        assert sweep_pending() == 1
    assert Comment.objects.get().status == S.PUBLISHED


def test_send_reports_failure_instead_of_raising():
    started = time.perf_counter()
    with broker_down():
        assert send_moderation_task(1) is False
    assert time.perf_counter() - started < 1.0


def test_sweep_pending_command(reader_api, article, on_commit, monkeypatch, quiet_house):
    from django.core.management import call_command

    comment = _pending_comment(reader_api, on_commit, monkeypatch)
    Comment.objects.filter(pk=comment.pk).update(
        status_changed_at=timezone.now() - timedelta(minutes=5)
    )
    with on_commit():
        call_command("sweep_pending")
    assert Comment.objects.get().status == S.PUBLISHED


def test_an_edit_meanwhile_leaves_the_old_task_nothing_to_do(
    reader_api, article, on_commit, monkeypatch, quiet_house
):
    comment = _pending_comment(reader_api, on_commit, monkeypatch)
    real_lock = comment_status_locked

    def lock(loaded):
        # Between scoring and deciding, the author edits.
        Comment.objects.filter(pk=loaded.pk).update(edited_at=timezone.now())
        return real_lock(loaded)

    monkeypatch.setattr("pipeline.services.comment_status_locked", lock)
    assert decide_pending(comment.pk) is None
    assert Comment.objects.get().status == S.PENDING
    assert not ModerationDecision.objects.filter(stage="pipeline").exists()


def test_celery_settings_make_the_queue_safe(settings):
    conf = celery_app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_serializer == "json" and conf.accept_content == ["json"]
    assert conf.task_publish_retry is False
    assert conf.broker_connection_timeout <= 1
    options = conf.broker_transport_options
    assert options["visibility_timeout"] > conf.task_time_limit > conf.task_soft_time_limit
    assert options["visibility_timeout"] > 240  # the longest retry countdown
    schedule = conf.beat_schedule["sweep-pending"]
    assert schedule["task"] == "policy.tasks.sweep_pending_task"
    assert ActorKind.SCORER == "scorer"


def test_a_comment_deleted_by_its_author_meanwhile_is_left_alone(
    reader_api, article, on_commit, monkeypatch, quiet_house
):
    comment = _pending_comment(reader_api, on_commit, monkeypatch)
    real_lock = comment_status_locked

    def lock(loaded):
        reader_api.delete(f"/api/v1/comments/{loaded.pk}/")  # while the scorer was thinking
        return real_lock(loaded)

    monkeypatch.setattr("pipeline.services.comment_status_locked", lock)
    assert decide_pending(comment.pk) is None
    assert Comment.objects.get().status == S.DELETED
    assert not ModerationDecision.objects.filter(stage="pipeline").exists()
