"""Who may moderate: every moderation endpoint and admin page against every kind of caller."""

import pytest

from comments.models import CommentStatus
from moderation.access import (
    access_comment_for_moderation,
    is_moderator,
    sites_administered_by,
    sites_moderated_by,
)
from moderation.models import Role
from tests.factories import SiteRoleFactory, UserFactory

from .conftest import ROLES, api_for, assert_error, browser_for

S = CommentStatus

# (name, method, url template, body) — {site}, {comment}, {author} are filled in per test.
API_ENDPOINTS = [
    ("sites", "get", "/api/v1/moderation/sites/", None),
    ("queue", "get", "/api/v1/moderation/sites/{site}/queue/?queue=held", None),
    ("stats", "get", "/api/v1/moderation/sites/{site}/stats/", None),
    ("history", "get", "/api/v1/moderation/comments/{comment}/history/", None),
    (
        "decision",
        "post",
        "/api/v1/moderation/comments/{comment}/decision/",
        {"action": "approve"},
    ),
    ("standing_read", "get", "/api/v1/moderation/sites/{site}/commenters/{author}/standing/", None),
    (
        "standing_set",
        "put",
        "/api/v1/moderation/sites/{site}/commenters/{author}/standing/",
        {"state": "warned", "message": "Please keep it civil."},
    ),
]

ADMIN_PAGES = [
    ("queue_page", "/admin/moderation/queuecomment/"),
    ("reported_page", "/admin/moderation/queuecomment/?queue=reported"),
    ("comment_page", "/admin/moderation/queuecomment/{comment}/change/"),
    ("standing_page", "/admin/moderation/commenterstanding/"),
    ("actions_page", "/admin/moderation/moderatoraction/"),
    ("roles_page", "/admin/moderation/siterole/"),
]

# Expected answer per caller. API: 401 anonymous, 403 without power on the site.
API_EXPECTED = {
    "anonymous": 401,
    "reader": 403,
    "other_moderator": 403,
    "moderator": 200,
    "site_admin": 200,
    "superuser": 200,
}
# Pages: anonymous callers are sent to the login form; signed-in callers without power get 403.
PAGE_EXPECTED = {
    "anonymous": 302,
    "reader": 403,
    "other_moderator": 403,
    "moderator": 200,
    "site_admin": 200,
    "superuser": 200,
}


def _expected_api(name: str, role: str) -> int:
    if name == "sites" and role == "other_moderator":
        return 200  # they moderate another site; the list shows only theirs
    return API_EXPECTED[role]


def _expected_page(name: str, role: str) -> int:
    if role == "other_moderator" and name in ("queue_page", "reported_page", "standing_page"):
        return 200  # their own (empty) queue; this site's rows are not in it (asserted below)
    if role == "other_moderator" and name == "actions_page":
        return 200
    if name == "roles_page" and role == "moderator":
        return 403  # roles are for site administrators
    return PAGE_EXPECTED[role]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "method", "url", "body"), API_ENDPOINTS, ids=lambda v: v)
def test_api_permission_matrix(users, held, name, method, url, body, role, unchanged):
    client = api_for(users[role])
    url = url.format(site=held.site.slug, comment=held.pk, author=held.author.public_id)
    expected = _expected_api(name, role)
    if expected == 200:
        response = getattr(client, method)(url, body, format="json")
        assert response.status_code == 200, response.content
        if name == "sites":
            slugs = [s["slug"] for s in response.json()]
            assert (held.site.slug in slugs) == (role != "other_moderator")
        return
    with unchanged():
        response = getattr(client, method)(url, body, format="json")
    code = "not_authenticated" if expected == 401 else "not_moderator"
    assert_error(response, expected, code)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "url"), ADMIN_PAGES, ids=lambda v: v)
def test_admin_permission_matrix(users, held, make_reported, name, url, role):
    make_reported(1)
    client = browser_for(users[role])
    response = client.get(url.format(comment=held.pk))
    expected = _expected_page(name, role)
    assert response.status_code == expected, response.content[:300]
    if expected == 302:
        assert response["Location"].startswith("/admin/login/")
    if role == "other_moderator" and name in ("queue_page", "reported_page"):
        assert b'class="pm-row"' not in response.content


@pytest.mark.parametrize("role", ["anonymous", "reader", "other_moderator"])
def test_admin_actions_refused_without_power(users, held, role, unchanged):
    """A POSTed bulk action on this site's comment does nothing for those without power."""
    client = browser_for(users[role])
    with unchanged():
        response = client.post(
            "/admin/moderation/queuecomment/",
            {"action": "approve", "_selected_action": [held.pk], "index": 0},
        )
    # Anonymous: the login form. Reader: 403. The other site's moderator: the comment is not
    # in their queryset, so the selection is empty and the changelist comes back.
    expected = {"anonymous": 302, "reader": 403, "other_moderator": 302}[role]
    assert response.status_code == expected


def test_sites_moderated_by(users, site, other_site):
    assert list(sites_moderated_by(users["moderator"])) == [site]
    assert list(sites_moderated_by(users["other_moderator"])) == [other_site]
    assert list(sites_moderated_by(users["reader"])) == []
    assert set(sites_moderated_by(users["superuser"])) == {site, other_site}
    assert list(sites_administered_by(users["site_admin"])) == [site]
    assert list(sites_administered_by(users["moderator"])) == []


def test_a_role_without_staff_or_on_an_inactive_account_gives_no_power(site, policy, held):
    not_staff = UserFactory(username="notstaff")
    SiteRoleFactory(user=not_staff, site=site, role=Role.MODERATOR)
    inactive = UserFactory(username="gone", is_staff=True, is_active=False)
    SiteRoleFactory(user=inactive, site=site, role=Role.ADMIN)
    for user in (not_staff, inactive):
        assert not is_moderator(user)
        assert list(sites_moderated_by(user)) == []
        with pytest.raises(Exception, match="not a moderator"):
            access_comment_for_moderation(user, held.pk)


def test_missing_comment_is_404_for_a_moderator_and_403_for_a_reader(users):
    assert_error(
        api_for(users["moderator"]).get("/api/v1/moderation/comments/999999/history/"),
        404,
        "comment_not_found",
    )
    assert_error(
        api_for(users["reader"]).get("/api/v1/moderation/comments/999999/history/"),
        403,
        "not_moderator",
    )


def test_session_writes_need_the_csrf_token(moderator, held, unchanged):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(moderator)
    with unchanged():
        response = client.post(
            f"/api/v1/moderation/comments/{held.pk}/decision/",
            {"action": "approve"},
            content_type="application/json",
        )
    assert_error(response, 403, "forbidden")
