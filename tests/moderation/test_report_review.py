"""Reports a moderator reviewed do not count again towards the report threshold."""

from comments.models import CommentEvent, CommentStatus
from tests.conftest import client_for
from tests.factories import CommenterFactory, CommentFactory

S = CommentStatus


def report(comment, clause: str = "civility") -> int:
    reporter = client_for(CommenterFactory())
    response = reporter.post(
        f"/api/v1/comments/{comment.pk}/reports/", {"clause": clause}, format="json"
    )
    return response.status_code


def approve(mod_api, comment) -> int:
    return mod_api.post(
        f"/api/v1/moderation/comments/{comment.pk}/decision/", {"action": "approve"}, format="json"
    ).status_code


def test_reviewed_reports_do_not_count_again(mod_api, site, article, policy):
    site.report_threshold = 3
    site.save()
    comment = CommentFactory(article=article, status=S.PUBLISHED)
    assert [report(comment), report(comment)] == [201, 201]

    assert approve(mod_api, comment) == 200  # reviewed: it stays published
    comment.refresh_from_db()
    assert comment.status == S.PUBLISHED
    review = comment.events.get(kind=CommentEvent.Kind.REVIEW)
    assert (review.actor_kind, review.from_status, review.to_status) == (
        "moderator",
        S.PUBLISHED,
        S.PUBLISHED,
    )

    assert [report(comment), report(comment)] == [201, 201]
    comment.refresh_from_db()
    assert comment.status == S.PUBLISHED  # 2 new reports, under the threshold of 3

    assert report(comment) == 201
    comment.refresh_from_db()
    assert (comment.status, comment.moderation_clause_id) == (S.HELD, "civility")


def reported_queue(mod_api, site) -> list[tuple[int, int]]:
    response = mod_api.get(f"/api/v1/moderation/sites/{site.slug}/queue/", {"queue": "reported"})
    assert response.status_code == 200
    return [(item["id"], item["open_reports"]) for item in response.json()["results"]]


def test_reports_on_a_text_edited_and_published_again_are_closed_for_both(
    mod_api, site, article, policy, reader
):
    """The report threshold and the queue share one definition of open reports: after the
    author edits and the pipeline publishes the new text, the old reports count for neither
    (the queue used to list them as open while the threshold had started afresh)."""
    site.report_threshold = 3
    site.save()
    comment = CommentFactory(article=article, author=reader, status=S.PUBLISHED, body="Old text")
    assert [report(comment), report(comment)] == [201, 201]
    assert reported_queue(mod_api, site) == [(comment.pk, 2)]

    edited = client_for(reader).patch(
        f"/api/v1/comments/{comment.pk}/", {"body": "New text"}, format="json"
    )
    assert (edited.status_code, edited.json()["status"]) == (200, "published")
    assert reported_queue(mod_api, site) == []

    assert [report(comment), report(comment)] == [201, 201]
    comment.refresh_from_db()
    assert comment.status == S.PUBLISHED  # 2 open reports, under the threshold of 3
    assert reported_queue(mod_api, site) == [(comment.pk, 2)]
    assert report(comment) == 201
    comment.refresh_from_db()
    assert comment.status == S.HELD
    assert reported_queue(mod_api, site) == [(comment.pk, 3)]
