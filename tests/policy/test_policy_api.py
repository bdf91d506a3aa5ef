"""The policy document endpoint, the dry-run check and a reader's own standing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from comments.models import Comment
from pipeline.models import ModerationDecision
from policy.models import PolicyVersion, Standing, StandingState
from policy.services import policy_current, policy_save

pytestmark = pytest.mark.django_db


def test_policy_document_is_the_one_the_engine_enforces(api, site):
    response = api.get(f"/api/v1/sites/{site.slug}/policy/")

    assert response.status_code == 200
    body = response.json()
    current = PolicyVersion.objects.get(site=site)
    assert body["version"] == current.version == 1
    assert body["title"] == current.title
    numbers = [c["number"] for c in body["clauses"]]
    assert numbers == sorted(numbers) and len(numbers) >= 10
    profanity = next(c for c in body["clauses"] if c["id"] == "profanity")
    assert profanity["html"].startswith("<p>")


def test_policy_html_escapes_markup_from_the_document(api, site):
    source = policy_current(site=site).source.replace(
        'introduction = """', 'introduction = """<script>alert(1)</script> ', 1
    )
    policy_save(site=site, source=source, note="markup")

    body = api.get(f"/api/v1/sites/{site.slug}/policy/").json()

    assert "<script>" not in body["introduction_html"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body["introduction_html"]
    assert body["version"] == 2


@pytest.mark.parametrize(
    ("draft", "action", "clause"),
    [
        ("The minister's answer on the budget was thin.", "publish", None),
        ("fuck this", "reject", "profanity"),
        ("You are an idiot.", "hold", "civility"),
    ],
)
def test_check_says_what_would_happen_and_stores_nothing(api, site, draft, action, clause):
    before = (Comment.objects.count(), ModerationDecision.objects.count())

    response = api.post(f"/api/v1/sites/{site.slug}/policy/check/", {"body": draft}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert body["action"] == action
    assert (body["clause"] or {}).get("id") == clause
    assert body["policy_version"] == 1
    assert (Comment.objects.count(), ModerationDecision.objects.count()) == before


def test_check_uses_the_readers_standing(reader, reader_api, site):
    Standing.objects.create(site=site, commenter=reader, state=StandingState.BANNED)

    body = reader_api.post(
        f"/api/v1/sites/{site.slug}/policy/check/", {"body": "A fine remark."}, format="json"
    ).json()

    assert body["action"] == "reject"


def test_check_of_an_unknown_site_is_404(api, db):
    response = api.post("/api/v1/sites/nope/policy/check/", {"body": "x"}, format="json")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "site_not_found"


def test_my_standing_shows_a_warning(reader, reader_api, site):
    Standing.objects.create(
        site=site, commenter=reader, state=StandingState.WARNED, message="Please stay civil."
    )

    body = reader_api.get(f"/api/v1/sites/{site.slug}/me/standing/").json()

    assert body == {
        "state": "warned",
        "until": None,
        "message": "Please stay civil.",
        "can_post": True,
    }


def test_an_expired_suspension_reads_as_active(reader, reader_api, site):
    Standing.objects.create(
        site=site,
        commenter=reader,
        state=StandingState.SUSPENDED,
        until=timezone.now() - timedelta(minutes=1),
    )

    body = reader_api.get(f"/api/v1/sites/{site.slug}/me/standing/").json()

    assert (body["state"], body["can_post"]) == ("active", True)


def test_my_standing_needs_a_signed_in_reader(api, site):
    response = api.get(f"/api/v1/sites/{site.slug}/me/standing/")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_check_takes_the_bodies_posting_takes(api, site, settings):
    url = f"/api/v1/sites/{site.slug}/policy/check/"
    limit = settings.PARLEY_BODY_MAX_CHARS

    assert api.post(url, {"body": "\N{GRINNING FACE}" * limit}, format="json").status_code == 200
    response = api.post(url, {"body": "x" * (limit + 1)}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "body_too_long"
    assert response.json()["error"]["detail"] == {"max_chars": limit, "chars": limit + 1}
