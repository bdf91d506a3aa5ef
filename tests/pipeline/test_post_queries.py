"""Posting is the write hot path: its statements are counted here, as reading's are in
tests/comments/test_thread_api.py (docs/performance.md explains each one)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from comments.models import Comment, CommentEvent, CommentStatus, Site
from pipeline.config import site_moderation
from pipeline.models import ModerationDecision
from pipeline.services import decide_pending

from ..comments.conftest import thread_url
from ..factories import CommentFactory

# Outside the test's own transaction a post also runs BEGIN and COMMIT; inside it, the
# request's atomic block is a savepoint and its release (two statements).
TOP_LEVEL = [
    "token with user and commenter",
    "article with site",
    "savepoint",
    "comment insert",
    "created audit row",
    "moderation context",
    "decision insert",
    "status update",
    "status audit row",
    "article version bump (comments.pagecache: the cached pages are stale from the commit)",
    "release savepoint",
]


def _statements(reader_api, article, payload) -> tuple[object, list[str]]:
    # The site's policy, scorers and webhooks come from the per-process cache once loaded.
    site_moderation(site=article.site)
    with CaptureQueriesContext(connection) as queries:
        response = reader_api.post(thread_url(article), payload, format="json")
    return response, [q["sql"] for q in queries.captured_queries]


def test_a_published_post_runs_a_fixed_set_of_statements(reader_api, article):
    response, sql = _statements(reader_api, article, {"body": "A measured, civil comment."})
    assert response.status_code == 201, response.content
    assert len(sql) == len(TOP_LEVEL), "\n".join(sql)
    comment = Comment.objects.get(pk=response.json()["id"])
    assert comment.status == CommentStatus.PUBLISHED
    events = list(CommentEvent.objects.filter(comment=comment).order_by("pk"))
    assert [(e.kind, e.from_status, e.to_status) for e in events] == [
        ("created", "", "pending"),
        ("status", "pending", "published"),
    ]
    assert ModerationDecision.objects.filter(comment=comment).count() == 1


def test_a_reply_adds_its_parent_and_the_parents_reply_count(reader_api, article, other_reader):
    parent = CommentFactory(article=article, author=other_reader)
    response, sql = _statements(
        reader_api, article, {"body": "A civil reply to that.", "parent": parent.pk}
    )
    assert response.status_code == 201, response.content
    # + the parent (with its own parent, for the depth clamp), + its reply count, + the
    # reply notification to the parent's author (one row, `ON CONFLICT DO NOTHING`, no
    # savepoint; the e-mail goes after commit).
    assert len(sql) == len(TOP_LEVEL) + 3, "\n".join(sql)
    parent.refresh_from_db()
    assert parent.reply_count == 1


def test_a_pipeline_decision_runs_a_fixed_set_of_statements(
    reader_api, article, on_commit, monkeypatch, quiet_house
):
    # A comment waiting for the site's classifier (stored as if the broker had been down).
    monkeypatch.setattr("pipeline.entry.send_moderation_task", lambda comment_id: False)
    with on_commit():
        response = reader_api.post(thread_url(article), {"body": "A point."}, format="json")
    assert response.status_code == 202, response.content
    monkeypatch.undo()
    comment_id = response.json()["id"]
    # The cache is keyed by the site's stamp, which configuring the scorer changed.
    site_moderation(site=Site.objects.get(pk=article.site_id))
    with CaptureQueriesContext(connection) as queries:
        assert decide_pending(comment_id) == CommentStatus.PUBLISHED
    sql = [q["sql"] for q in queries.captured_queries]
    # The comment with its site, article, author and user; the atomic block (a savepoint in
    # the test's transaction, BEGIN outside it); the row lock (status and revision); the
    # moderation context; the decision; the status update; the audit row; the article's
    # version bump (comments.pagecache); its release/COMMIT.
    assert len(sql) == 9, "\n".join(sql)
    assert len(quiet_house.calls) == 1
    decision = ModerationDecision.objects.get(comment_id=comment_id, stage="pipeline")
    assert decision.scores == {"house": {"toxic": 0.01}}
