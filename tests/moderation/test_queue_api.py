"""The queue and stats endpoints: membership, order, filters, pages, bad input, query counts."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from comments.lifecycle import Actor, transition
from comments.models import Comment, CommentStatus
from policy.models import Standing
from tests.factories import (
    ArticleFactory,
    CommenterFactory,
    CommentFactory,
    ReportFactory,
    StandingFactory,
)

from .conftest import assert_error

S = CommentStatus


def queue(client, site="daily", **params):
    return client.get(f"/api/v1/moderation/sites/{site}/queue/", params)


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


@pytest.fixture
def every_queue(article, make_held, make_reported, policy):
    """One comment in each queue (two held, to see the order)."""
    now = timezone.now()
    older = make_held(created_at=now - timedelta(hours=2))
    newer = make_held("A buffoon's argument.", created_at=now - timedelta(hours=1))
    reported = make_reported(1)
    held_by_readers = make_reported(3, hold=True)
    pending = CommentFactory(article=article, status=S.PENDING)
    rejected = CommentFactory(article=article, status=S.REJECTED)
    removed = CommentFactory(article=article, status=S.REMOVED)
    published = CommentFactory(article=article, status=S.PUBLISHED)
    return {
        "held": [older.pk, newer.pk],
        "reported": [reported.pk, held_by_readers.pk],
        "pending": [pending.pk],
        "rejected": [removed.pk, rejected.pk],
        "published": [published.pk, reported.pk],
    }


@pytest.mark.parametrize("name", ["held", "reported", "pending", "rejected", "published"])
def test_each_queue_holds_its_comments_in_its_order(mod_api, every_queue, name):
    response = queue(mod_api, queue=name)
    if name in ("rejected", "published"):
        # most recently decided first
        assert sorted(ids(response)) == sorted(every_queue[name])
    else:
        assert ids(response) == every_queue[name]
    counts = response.json()["counts"]
    assert counts == {"held": 2, "reported": 2, "pending": 1, "rejected": 2, "published": 2}


def test_the_held_queue_is_the_default_and_oldest_first(mod_api, every_queue):
    response = queue(mod_api)
    assert response.json()["queue"] == "held"
    assert ids(response) == every_queue["held"]


def test_a_row_shows_why_it_is_there(mod_api, article, make_held, reader):
    parent = CommentFactory(article=article, status=S.PUBLISHED, body="The parent says hi.")
    reply = make_held("You nincompoop.", parent=parent, author=reader)
    ReportFactory(comment=reply, reporter=CommenterFactory(), clause_id="civility", note="rude")
    CommentFactory(article=article, author=reader, status=S.REJECTED)
    StandingFactory(site=article.site, commenter=reader, state="warned", reason="Rude")
    item = queue(mod_api).json()["results"][0]
    assert item["id"] == reply.pk
    assert item["parent"] == {
        "id": parent.pk,
        "status": "published",
        "author": parent.author.display_name,
        "body": "The parent says hi.",
    }
    assert item["author"]["standing"] == {"state": "warned", "until": None, "reason": "Rude"}
    assert (item["author"]["rejected"], item["author"]["reported"]) == (1, 1)
    assert item["decision"]["hits"][0]["clause_id"] == "civility"
    assert item["decision"]["hits"][0]["evidence"]["matches"] == [[4, 14, "nincompoop"]]
    assert [(r["clause_id"], r["note"], r["open"]) for r in item["reports"]] == [
        ("civility", "rude", True)
    ]
    assert item["allowed_actions"] == ["approve", "reject"]


def test_filters(mod_api, site, article, make_held, reader, policy):
    now = timezone.now()
    other_article = ArticleFactory(site=site, key="other-story")
    a = make_held("A nincompoop wrote this.", author=reader, created_at=now - timedelta(days=2))
    b = make_held("Such a buffoon.", article=other_article)
    c = make_held("Nincompoop again.")
    assert ids(queue(mod_api, article="other-story")) == [b.pk]
    assert ids(queue(mod_api, author=reader.public_id)) == [a.pk]
    assert ids(queue(mod_api, q="buffoon")) == [b.pk]
    assert ids(queue(mod_api, q=reader.display_name)) == [a.pk]
    assert ids(queue(mod_api, since=(now - timedelta(days=1)).isoformat())) == [b.pk, c.pk]
    assert ids(queue(mod_api, until=(now - timedelta(days=1)).isoformat())) == [a.pk]
    assert ids(queue(mod_api, clause="civility")) == [a.pk, b.pk, c.pk]
    assert ids(queue(mod_api, clause="spam")) == []


def test_pages(mod_api, article, policy):
    comments = [CommentFactory(article=article, status=S.HELD) for _ in range(5)]
    first = queue(mod_api, limit=2).json()
    assert (first["count"], first["page"], first["next_page"]) == (5, 1, 2)
    assert [c["id"] for c in first["results"]] == [c.pk for c in comments[:2]]
    last = queue(mod_api, limit=2, page=3).json()
    assert ([c["id"] for c in last["results"]], last["next_page"]) == ([comments[4].pk], None)
    beyond = queue(mod_api, limit=2, page=9).json()
    assert (beyond["results"], beyond["next_page"]) == ([], None)


@pytest.mark.parametrize(
    "params",
    [
        {"queue": "everything"},
        {"limit": 0},
        {"limit": 101},
        {"limit": "many"},
        {"page": 0},
        {"page": "x"},
        {"since": "yesterday"},
        {"q": "x" * 201},
        {"since": "2026-01-02T00:00:00Z", "until": "2026-01-01T00:00:00Z"},
    ],
)
def test_bad_queue_params_are_400(mod_api, policy, params):
    assert_error(queue(mod_api, **params), 400)


def test_unknown_site_is_404_for_a_superuser(users):
    from .conftest import api_for

    assert_error(queue(api_for(users["superuser"]), site="nowhere"), 404, "site_not_found")


def _fill_held(article, reader, n: int) -> None:
    """n held replies, each by its own author, with reports and an engine decision."""
    from .conftest import decide_by_policy

    for i in range(n):
        parent = CommentFactory(article=article, status=S.PUBLISHED)
        comment = CommentFactory(
            article=article, parent=parent, status=S.PENDING, body=f"Nincompoop number {i}."
        )
        decide_by_policy(comment)
        ReportFactory(comment=comment, reporter=reader, clause_id="civility")
        StandingFactory(site=article.site, commenter=comment.author, state="warned")


@pytest.mark.parametrize("rows", [2, 6])
def test_queue_page_costs_the_same_number_of_queries_whatever_its_size(
    mod_api, article, reader, policy, rows, django_assert_num_queries
):
    _fill_held(article, reader, rows)
    # token (1), second factor for a token (1), site (1), role (1), count (1), page (1),
    # decisions (1), reports (1), queue counts (1)
    with django_assert_num_queries(9):
        response = queue(mod_api, limit=rows)
    assert len(response.json()["results"]) == rows


def test_stats(mod_api, site, article, held, make_held, policy):
    other = make_held("What a buffoon.")
    mod_api.post(
        f"/api/v1/moderation/comments/{held.pk}/decision/",
        {"action": "reject", "clause": "spam"},
        format="json",
    )
    mod_api.post(
        f"/api/v1/moderation/comments/{other.pk}/decision/", {"action": "approve"}, format="json"
    )
    # a comment decided exactly 60 seconds after it was posted
    decided = CommentFactory(
        article=article, status=S.PENDING, created_at=timezone.now() - timedelta(seconds=60)
    )
    with transaction.atomic():
        locked = Comment.objects.select_for_update().get(pk=decided.pk)
        event = transition(locked, to=S.PUBLISHED, actor=Actor("rule", "test"))
    type(event).objects.filter(pk=event.pk).update(created_at=decided.created_at + timedelta(60))

    body = mod_api.get(f"/api/v1/moderation/sites/{site.slug}/stats/").json()
    assert body["queues"] == {
        "held": 0,
        "reported": 0,
        "pending": 0,
        "rejected": 1,
        "published": 2,
    }
    per_clause = {row["clause_id"]: row for row in body["decisions_per_clause"]}
    assert per_clause["civility"] == {
        "clause_id": "civility",
        "clause_title": "Be civil",
        "held": 2,
        "rejected": 0,
        "removed": 0,
        "by_moderators": 0,
        "total": 2,
    }
    assert per_clause["spam"]["rejected"] == 1
    assert per_clause["spam"]["by_moderators"] == 1
    assert body["decided"] == 3
    assert body["median_seconds_to_decision"] is not None
    assert body["median_seconds_to_decision"] < 60

    later = (timezone.now() + timedelta(hours=1)).isoformat()
    empty = mod_api.get(f"/api/v1/moderation/sites/{site.slug}/stats/", {"since": later}).json()
    assert (empty["decided"], empty["median_seconds_to_decision"]) == (0, None)
    assert empty["decisions_per_clause"] == []


@pytest.mark.parametrize(
    "params",
    [{"since": "soon"}, {"since": "2026-01-02T00:00:00Z", "until": "2026-01-01T00:00:00Z"}],
)
def test_bad_stats_params_are_400(mod_api, site, policy, params):
    assert_error(mod_api.get(f"/api/v1/moderation/sites/{site.slug}/stats/", params), 400)


@pytest.mark.parametrize(
    ("params", "field"),
    [({"q": "x" * 201}, "q"), ({"limit": ""}, "limit"), ({"q": ""}, "q")],
)
def test_queue_parameters_are_checked_as_documented(mod_api, params, field):
    error = assert_error(queue(mod_api, **params), 400, "invalid")
    assert list(error["detail"]["fields"]) == [field]


def test_reject_recent_is_a_json_boolean(mod_api, site, reader):
    url = f"/api/v1/moderation/sites/{site.slug}/commenters/{reader.public_id}/standing/"
    response = mod_api.put(url, {"state": "banned", "reject_recent": 1}, format="json")

    error = assert_error(response, 400, "invalid")
    assert list(error["detail"]["fields"]) == ["reject_recent"]
    assert not Standing.objects.filter(commenter=reader).exists()
