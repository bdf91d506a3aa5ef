"""The transparency report through the moderation API, as JSON and CSV."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from accountability.models import Appeal, Notice
from moderation.services import comment_reject, comment_remove, standing_set
from tests.factories import CommentFactory
from tests.openapi import assert_matches_schema

from .conftest import ROLES, api_for, assert_error

URL = "/api/v1/moderation/sites/daily/transparency/"


@pytest.fixture
def activity(reader, moderator, second_moderator, site, article, make_held):
    """Two automated holds (one then confirmed by a moderator), a moderator's removal, a ban,
    an appeal reversed, a notice found illegal and another open."""
    held = make_held(author=reader)
    confirmed = make_held()
    comment_reject(by=moderator, comment_id=confirmed.pk, clause_id="civility")
    published = CommentFactory(article=article)
    comment_remove(by=moderator, comment_id=published.pk, clause_id="spam")
    standing_set(by=moderator, site=site, commenter=reader, state="banned")
    client = api_for(reader.user)
    client.post(f"/api/v1/comments/{held.pk}/appeals/", {"explanation": "No."}, format="json")
    api_for(second_moderator).post(
        f"/api/v1/moderation/appeals/{Appeal.objects.get().pk}/decision/",
        {"outcome": "reversed"},
        format="json",
    )
    for comment, ground in ((CommentFactory(article=article), "Defamation"), (held, "Hate")):
        api_for(None).post(
            f"/api/v1/comments/{comment.pk}/notices/",
            {"legal_ground": ground, "explanation": "x", "good_faith": True, "email": "n@x.org"},
            format="json",
        )
    first = Notice.objects.order_by("pk").first()
    api_for(moderator).post(
        f"/api/v1/moderation/notices/{first.pk}/decision/",
        {"outcome": "illegal", "clause": "civility"},
        format="json",
    )


def test_the_report_counts_decisions_appeals_and_notices(moderator, activity):
    response = api_for(moderator).get(URL)
    body = assert_matches_schema(response)
    restrictions = body["restrictions"]
    # Holds: 2 by the rule; rejection: 1 by a moderator; removals: the spam one and the
    # notice's (both by a moderator).
    assert {k: restrictions[k] for k in ("held", "rejected", "removed")} == {
        "held": 2,
        "rejected": 1,
        "removed": 2,
    }
    assert (restrictions["automated"], restrictions["moderator"], restrictions["total"]) == (
        2,
        3,
        5,
    )
    civility = next(c for c in restrictions["by_clause"] if c["clause_id"] == "civility")
    assert civility == {
        "clause_id": "civility",
        "clause_title": "Be civil",
        "held": 2,
        "rejected": 1,
        "removed": 1,
        "automated": 2,
        "moderator": 2,
        "total": 4,
    }
    assert body["standing_changes"]["banned"] == 1
    appeals = body["appeals"]
    assert (appeals["received"], appeals["reversed"], appeals["open"]) == (1, 1, 0)
    assert appeals["median_seconds_to_decision"] is not None
    notices = body["notices"]
    assert (notices["received"], notices["illegal"], notices["open"]) == (2, 1, 1)
    assert notices["by_legal_ground"] == [
        {"legal_ground": "Defamation", "count": 1},
        {"legal_ground": "Hate", "count": 1},
    ]


def test_a_period_before_the_activity_counts_nothing(moderator, activity):
    until = (timezone.now() - timedelta(days=1)).isoformat()
    body = api_for(moderator).get(URL, {"until": until}).json()
    assert body["restrictions"]["total"] == 0
    assert body["appeals"]["received"] == 0
    assert body["notices"]["received"] == 0


def test_an_inverted_period_is_refused(moderator, site, policy):
    now = timezone.now()
    response = api_for(moderator).get(
        URL, {"since": now.isoformat(), "until": (now - timedelta(days=1)).isoformat()}
    )
    assert_error(response, 400, "invalid_period")


def test_the_csv_has_one_row_per_figure(moderator, activity):
    response = api_for(moderator).get("/api/v1/moderation/sites/daily/transparency.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["section", "key", "measure", "value"]
    assert ["restrictions", "all", "total", "5"] in rows
    assert ["restrictions", "civility", "automated", "2"] in rows
    assert ["appeals", "all", "reversed", "1"] in rows
    assert ["notices", "Defamation", "count", "1"] in rows


def test_a_csv_client_refused_gets_the_json_error_as_json(moderator, site, policy):
    now = timezone.now()
    response = api_for(None).get(
        "/api/v1/moderation/sites/daily/transparency.csv", HTTP_ACCEPT="text/csv"
    )
    assert_error(response, 401, "not_authenticated")
    bad_period = {"since": now.isoformat(), "until": (now - timedelta(days=1)).isoformat()}
    response = api_for(moderator).get(
        "/api/v1/moderation/sites/daily/transparency.csv", bad_period, HTTP_ACCEPT="text/csv"
    )
    assert_error(response, 400, "invalid_period")


def test_the_csv_defuses_spreadsheet_formulas(moderator, article, policy):
    api_for(None).post(
        f"/api/v1/comments/{CommentFactory(article=article).pk}/notices/",
        {
            "legal_ground": "=HYPERLINK(1)",
            "explanation": "x",
            "good_faith": True,
            "email": "a@b.org",
        },
        format="json",
    )
    text = api_for(moderator).get("/api/v1/moderation/sites/daily/transparency.csv").content
    assert b"'=HYPERLINK(1)" in text


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", ["transparency/", "transparency.csv"])
def test_transparency_permission_matrix(role, path, users):
    response = api_for(users[role]).get(f"/api/v1/moderation/sites/daily/{path}")
    expected = {"anonymous": 401, "reader": 403, "other_moderator": 403}.get(role, 200)
    assert response.status_code == expected
    if expected != 200:
        assert_error(response, expected)


def test_the_report_costs_the_same_queries_however_much_happened(
    moderator, site, policy, make_held, django_assert_num_queries
):
    client = api_for(moderator)
    client.get(URL)  # the site's policy cache is warm from here on
    with django_assert_num_queries(14):  # 13, and the second-factor check of a token
        client.get(URL)
    for _ in range(5):
        make_held()
    with django_assert_num_queries(14):  # 13, and the second-factor check of a token
        assert client.get(URL).json()["restrictions"]["held"] == 5
