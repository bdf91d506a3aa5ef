"""Odd input to every accountability endpoint answers a 4xx in the one error shape, never a
500, and changes nothing."""

import pytest

from comments.models import CommentStatus
from tests.factories import CommentFactory

from .conftest import api_for, assert_error

S = CommentStatus

ODD_TEXT = ["\x00", "   ", "x" * 100_000, {"a": 1}, ["x"], 12, None, True]


@pytest.fixture
def targets(reader, moderator, article, make_held):
    held = make_held(author=reader)
    published = CommentFactory(article=article, status=S.PUBLISHED)
    api_for(reader.user).post(
        f"/api/v1/comments/{held.pk}/appeals/", {"explanation": "Fair?"}, format="json"
    )
    api_for(None).post(
        f"/api/v1/comments/{published.pk}/notices/",
        {"legal_ground": "x", "explanation": "y", "good_faith": True, "email": "a@b.org"},
        format="json",
    )
    return {"held": held, "published": published}


@pytest.mark.parametrize("value", ODD_TEXT, ids=repr)
def test_odd_appeal_explanations(value, reader, targets, nothing_changes):
    with nothing_changes():
        response = api_for(reader.user).post(
            f"/api/v1/comments/{targets['held'].pk}/appeals/",
            {"explanation": value},
            format="json",
        )
        assert 400 <= response.status_code < 500
        assert_error(response, response.status_code)


def _valid(field: str, value: object) -> bool:
    return (
        (field == "good_faith" and value is True)
        or (field == "name" and value == "   ")  # the name is optional
        or (field != "good_faith" and value == 12)  # DRF reads a number as its text
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        (field, value)
        for field in ("legal_ground", "explanation", "email", "name", "good_faith")
        for value in ODD_TEXT
        if not _valid(field, value)
    ],
    ids=repr,
)
def test_odd_notice_fields(field, value, targets, nothing_changes):
    body = {
        "legal_ground": "Libel",
        "explanation": "Because.",
        "good_faith": True,
        "email": "n@example.org",
        field: value,
    }
    with nothing_changes():
        response = api_for(None).post(
            f"/api/v1/comments/{targets['published'].pk}/notices/", body, format="json"
        )
        assert 400 <= response.status_code < 500, response.content
        assert_error(response, response.status_code)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/moderation/appeals/1/decision/",
        "/api/v1/moderation/notices/1/decision/",
    ],
)
@pytest.mark.parametrize("value", ODD_TEXT, ids=repr)
def test_odd_decisions(path, value, moderator, targets, nothing_changes):
    with nothing_changes():
        response = api_for(moderator).post(
            path, {"outcome": value, "note": value, "clause": value}, format="json"
        )
        assert 400 <= response.status_code < 500, response.content


@pytest.mark.parametrize(
    "query",
    [
        "since=yesterday",
        "until=2026-13-01",
        "since=2026-01-01T00:00:00Z&until=2025-01-01",
        "since=%00",
    ],
)
def test_odd_report_periods(query, moderator, site, policy):
    for suffix in ("transparency/", "transparency.csv"):
        response = api_for(moderator).get(f"/api/v1/moderation/sites/daily/{suffix}?{query}")
        assert_error(response, 400)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/comments/99999999999999999/statement/",
        "/api/v1/sites/nowhere/me/standing/statement/",
        "/api/v1/sites/daily/readers/%00/data/",
        "/api/v1/moderation/sites/nowhere/appeals/",
    ],
)
def test_unknown_things_are_404(path, reader, moderator, site_key, policy):
    client = api_for(moderator if "moderation" in path else reader.user)
    if "/readers/" in path:
        client = api_for(None)
        client.credentials(HTTP_AUTHORIZATION=f"SiteKey {site_key}")
    assert_error(client.get(path), 404)
