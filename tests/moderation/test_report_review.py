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
