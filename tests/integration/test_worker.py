"""The pipeline with a real Redis broker and real Celery worker processes on PostgreSQL."""

import time
from datetime import timedelta

import pytest
from django.db import connection

from comments.models import Comment, CommentStatus
from pipeline.entry import send_moderation_task
from pipeline.models import ModerationDecision, NotificationLog, ScorerConfig
from pipeline.sweeper import sweep_pending
from tests.conftest import client_for
from tests.factories import ArticleFactory, CommenterFactory, CommentFactory, SiteFactory

from .conftest import use_broker, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
S = CommentStatus


@pytest.fixture
def world(scorer_server):
    site = SiteFactory(slug="daily")
    article = ArticleFactory(site=site, key="budget-2026")
    # A scorer configured: every comment the local rules would publish waits for the pipeline.
    ScorerConfig.objects.create(
        site=site, name="house", kind="http", endpoint=scorer_server.url, key="s3cret"
    )
    author = CommenterFactory(user__username="alice", user__email="alice@example.org")
    return {"site": site, "article": article, "author": author, "client": client_for(author)}


def post(client, body="A measured point about the budget.", parent=None):
    data = {"body": body} if parent is None else {"body": body, "parent": parent}
    response = client.post(
        "/api/v1/sites/daily/articles/budget-2026/comments/", data, format="json"
    )
    assert response.status_code == 202, response.content
    return response.json()["id"]


def status_of(comment_id: int) -> str:
    return Comment.objects.get(pk=comment_id).status


def pipeline_decisions(comment_id: int) -> int:
    return ModerationDecision.objects.filter(comment_id=comment_id, stage="pipeline").count()


def test_a_post_is_decided_by_the_worker(world, shared_broker, start_worker, scorer_server):
    start_worker(shared_broker)
    comment_id = post(world["client"])
    wait_for(lambda: status_of(comment_id) == S.PUBLISHED)
    assert pipeline_decisions(comment_id) == 1
    assert scorer_server.calls[0]["comment"]["id"] == comment_id
    decision = ModerationDecision.objects.get(comment_id=comment_id, stage="pipeline")
    assert decision.scores == {"house": {"toxic": 0.01}}


def test_redis_down_loses_nothing_and_the_sweeper_catches_up(world, own_redis, start_worker):
    use_broker(own_redis.url)
    own_redis.stop()
    ids = []
    for n in range(5):
        started = time.perf_counter()
        ids.append(post(world["client"], body=f"Point number {n} about the budget."))
        assert time.perf_counter() - started < 1.0  # the broker failure costs no waiting
    assert [status_of(i) for i in ids] == [S.PENDING] * 5

    own_redis.start()
    use_broker(own_redis.url)
    start_worker(own_redis.url)
    assert sweep_pending(older_than=timedelta(0)) == 5
    wait_for(lambda: all(status_of(i) == S.PUBLISHED for i in ids))
    assert [pipeline_decisions(i) for i in ids] == [1] * 5


def test_a_task_delivered_twice_yields_one_decision_and_one_notification(
    world, shared_broker, start_worker, mail_dir
):
    parent = CommentFactory(article=world["article"], author=world["author"])
    replier = client_for(CommenterFactory(user__username="bob"))
    reply_id = post(replier, body="I disagree, politely.", parent=parent.pk)
    assert send_moderation_task(reply_id)  # the same task, a second time
    start_worker(shared_broker)
    wait_for(lambda: status_of(reply_id) == S.PUBLISHED)
    wait_for(lambda: NotificationLog.objects.filter(status="sent").exists())
    time.sleep(1.0)  # let the second delivery run to its no-op
    assert pipeline_decisions(reply_id) == 1
    assert NotificationLog.objects.count() == 1
    mails = list(mail_dir.iterdir())
    assert len(mails) == 1
    assert "alice@example.org" in mails[0].read_text()


def test_a_worker_killed_mid_task_leaves_the_comment_to_be_decided_once_later(
    world, shared_broker, start_worker, scorer_server
):
    scorer_server.delay = 30  # the task is in flight while the scorer thinks
    first = start_worker(shared_broker, PARLEY_VISIBILITY_TIMEOUT="3")
    comment_id = post(world["client"])
    assert scorer_server.seen.wait(15)
    first.kill()
    assert status_of(comment_id) == S.PENDING
    assert pipeline_decisions(comment_id) == 0

    scorer_server.delay = 0
    # A new worker gets the unacknowledged message back once the visibility timeout passes
    # (kombu looks for such messages every 10 s). Production also runs the sweeper every
    # minute; it is the backstop here too, and a sweep that races the redelivery is one more
    # duplicate delivery, which must still decide once.
    start_worker(shared_broker, PARLEY_VISIBILITY_TIMEOUT="3")
    try:
        wait_for(lambda: status_of(comment_id) == S.PUBLISHED, timeout=25)
    except AssertionError:
        assert sweep_pending(older_than=timedelta(0)) == 1
        wait_for(lambda: status_of(comment_id) == S.PUBLISHED, timeout=15)
    time.sleep(1.0)
    assert pipeline_decisions(comment_id) == 1
    assert status_of(comment_id) == S.PUBLISHED


def _worker_backends() -> set[int]:
    """PostgreSQL backends on the test database other than this test's own connection."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return {row[0] for row in cursor.fetchall()}


def test_the_worker_keeps_its_connection_and_recovers_when_it_dies(
    world, shared_broker, start_worker
):
    # A connection the worker may keep (the other tests' workers use DATABASE_CONN_MAX_AGE=0).
    start_worker(shared_broker, DATABASE_CONN_MAX_AGE="600")
    first = post(world["client"])
    wait_for(lambda: status_of(first) == S.PUBLISHED)
    backends = _worker_backends()
    assert len(backends) == 1
    second = post(world["client"], body="A second measured point about the budget.")
    wait_for(lambda: status_of(second) == S.PUBLISHED)
    assert _worker_backends() == backends  # the same connection decided both

    # The server drops it (a restart, a failover): the next task fails once on the dead
    # connection, the worker drops it, and the retry decides on a new one.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [backends.pop()])
    third = post(world["client"], body="A third measured point about the budget.")
    wait_for(lambda: status_of(third) == S.PUBLISHED, timeout=30)
    assert pipeline_decisions(third) == 1
