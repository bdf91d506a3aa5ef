"""A commenter's standing: set through the API, logged, read by the policy engine."""

from datetime import timedelta

import pytest
from django.utils import timezone

from comments.models import CommentStatus
from moderation.models import ModeratorAction
from policy.models import Standing
from tests.factories import CommentFactory

from .conftest import assert_error, decide_by_policy

S = CommentStatus


def standing_url(site, commenter) -> str:
    return f"/api/v1/moderation/sites/{site.slug}/commenters/{commenter.public_id}/standing/"


def put(client, site, commenter, **body):
    return client.put(standing_url(site, commenter), body, format="json")


def test_warn_sets_the_message_and_logs_who_and_why(mod_api, moderator, site, reader):
    response = put(
        mod_api, site, reader, state="warned", reason="Two insults", message="Please stay civil."
    )
    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in ("author", "site", "state", "until", "reason", "message")} == {
        "author": reader.public_id,
        "site": "daily",
        "state": "warned",
        "until": None,
        "reason": "Two insults",
        "message": "Please stay civil.",
    }
    assert (body["set_by"], body["changed"], body["taken_down"]) == ("mod", True, [])
    standing = Standing.objects.get(site=site, commenter=reader)
    assert (standing.state, standing.set_by) == ("warned", moderator)
    log = ModeratorAction.objects.get(commenter=reader)
    assert (log.kind, log.standing_from, log.standing_to, log.note) == (
        "standing",
        "active",
        "warned",
        "Two insults",
    )
    # the same PUT again changes nothing and logs nothing
    again = put(
        mod_api, site, reader, state="warned", reason="Two insults", message="Please stay civil."
    )
    assert again.json()["changed"] is False
    assert ModeratorAction.objects.filter(commenter=reader).count() == 1
    read = mod_api.get(standing_url(site, reader)).json()
    assert read["state"] == "warned"


def test_get_standing_of_a_commenter_without_one_is_active(mod_api, site, reader):
    body = mod_api.get(standing_url(site, reader)).json()
    assert (body["state"], body["effective_state"], body["set_by"]) == ("active", "active", None)


def test_suspension_runs_out(mod_api, site, reader):
    until = timezone.now() + timedelta(days=3)
    body = put(mod_api, site, reader, state="suspended", until=until.isoformat()).json()
    assert (body["state"], body["effective_state"]) == ("suspended", "suspended")
    Standing.objects.filter(commenter=reader).update(until=timezone.now() - timedelta(seconds=1))
    body = mod_api.get(standing_url(site, reader)).json()
    assert (body["state"], body["effective_state"]) == ("suspended", "active")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"state": "suspended"}, "invalid_until"),
        ({"state": "suspended", "until": "2001-01-01T00:00:00Z"}, "invalid_until"),
        ({"state": "banned", "until": "2999-01-01T00:00:00Z"}, "invalid_until"),
        ({"state": "warned"}, "message_required"),
        ({"state": "warned", "message": "   "}, "message_required"),
        ({"state": "premoderated", "reject_recent": True}, "invalid_reject_recent"),
        ({"state": "exiled"}, "invalid"),
        ({"state": "banned", "reason": "r" * 501}, "invalid"),
        ({"state": "suspended", "until": "next tuesday"}, "invalid"),
        ({"state": "banned", "reject_recent": "perhaps"}, "invalid"),
        ({}, "invalid"),
    ],
)
def test_invalid_standing_changes_nothing(mod_api, site, reader, body, code, unchanged):
    with unchanged():
        response = mod_api.put(standing_url(site, reader), body, format="json")
    assert_error(response, 400, code)


def test_unknown_commenter_is_404(mod_api, site, unchanged):
    with unchanged():
        response = mod_api.put(
            f"/api/v1/moderation/sites/{site.slug}/commenters/nobody/standing/",
            {"state": "banned"},
            format="json",
        )
    assert_error(response, 404, "commenter_not_found")


def test_unknown_site_is_404_for_a_superuser(users, reader):
    from .conftest import api_for

    response = api_for(users["superuser"]).get(
        f"/api/v1/moderation/sites/nowhere/commenters/{reader.public_id}/standing/"
    )
    assert_error(response, 404, "site_not_found")


def test_ban_with_reject_recent_takes_down_recent_comments_only(
    mod_api, site, article, reader, other_site
):
    now = timezone.now()
    published = CommentFactory(article=article, author=reader, status=S.PUBLISHED, featured=True)
    held = CommentFactory(article=article, author=reader, status=S.HELD)
    old = CommentFactory(
        article=article, author=reader, status=S.PUBLISHED, created_at=now - timedelta(days=30)
    )
    from tests.factories import ArticleFactory

    elsewhere = CommentFactory(
        article=ArticleFactory(site=other_site), author=reader, status=S.PUBLISHED
    )
    someone_else = CommentFactory(article=article, status=S.PUBLISHED)

    response = put(
        mod_api, site, reader, state="banned", reason="Spam run", message="", reject_recent=True
    )
    assert response.status_code == 200
    assert sorted(response.json()["taken_down"]) == sorted([published.pk, held.pk])
    for comment, status in [
        (published, S.REMOVED),
        (held, S.REJECTED),
        (old, S.PUBLISHED),
        (elsewhere, S.PUBLISHED),
        (someone_else, S.PUBLISHED),
    ]:
        comment.refresh_from_db()
        assert comment.status == status, comment
    # The take-down cites the clause of the policy that enforces standing.
    assert (held.moderation_clause_id, published.moderation_clause_id) == ("standing",) * 2
    assert held.events.last().clause_id == "standing"
    published.refresh_from_db()
    assert published.featured is False
    kinds = sorted(ModeratorAction.objects.filter(commenter=reader).values_list("kind", flat=True))
    assert kinds == ["reject", "remove", "standing"]


def test_the_engine_reads_the_standing(mod_api, site, article, reader, policy):
    put(mod_api, site, reader, state="premoderated", reason="New account, many reports")
    held = decide_by_policy(CommentFactory(article=article, author=reader, status=S.PENDING))
    assert (held.status, held.moderation_clause_id) == (S.HELD, "standing")

    put(mod_api, site, reader, state="banned", reason="Abuse")
    rejected = decide_by_policy(CommentFactory(article=article, author=reader, status=S.PENDING))
    assert (rejected.status, rejected.moderation_clause_id) == (S.REJECTED, "standing")

    put(mod_api, site, reader, state="active", reason="Appeal accepted")
    published = decide_by_policy(CommentFactory(article=article, author=reader, status=S.PENDING))
    assert published.status == S.PUBLISHED


def test_standing_is_per_site(users, site, other_site, reader):
    from .conftest import api_for

    other = api_for(users["other_moderator"])
    assert put(other, other_site, reader, state="banned").status_code == 200
    assert put(other, site, reader, state="banned").status_code == 403
    assert list(Standing.objects.values_list("site__slug", "state")) == [("weekly", "banned")]
