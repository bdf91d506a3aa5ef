"""Site, article and policy admin pages are scoped to the sites a user administers."""

import pytest
from django.test import Client

from comments.models import Site
from moderation.models import Role
from pipeline.models import RemoderationRun
from policy.models import PolicyVersion
from policy.services import policy_current, policy_save
from tests.factories import ArticleFactory, SiteFactory, SiteRoleFactory, UserFactory

from .conftest import browser_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_sites():
    return SiteFactory(slug="north"), SiteFactory(slug="south")


def _client(role: str | None, site: Site | None) -> Client:
    user = UserFactory(
        username=f"user-{role}", is_staff=role is not None, is_superuser=role == "superuser"
    )
    if role in (Role.MODERATOR, Role.ADMIN):
        SiteRoleFactory(user=user, site=site, role=role)
    return browser_for(user)


@pytest.mark.parametrize(
    ("role", "sees_north", "sees_south"),
    [
        (None, False, False),
        (Role.MODERATOR, False, False),
        (Role.ADMIN, True, False),
        ("superuser", True, True),
    ],
)
@pytest.mark.parametrize("page", ["comments/site", "comments/article", "policy/policyversion"])
def test_changelists_show_only_administered_sites(two_sites, role, sees_north, sees_south, page):
    north, south = two_sites
    ArticleFactory(site=north, key="north-story")
    ArticleFactory(site=south, key="south-story")
    policy_current(site=north)
    policy_current(site=south)
    client = _client(role, north)

    response = client.get(f"/admin/{page}/")

    if role is None:  # not staff: the admin asks them to sign in as staff
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
        return
    if not (sees_north or sees_south):
        assert response.status_code == 403
        return
    assert response.status_code == 200
    shown = {obj_site.slug for obj_site in _sites_in(response)}
    assert shown == {s.slug for s, seen in ((north, sees_north), (south, sees_south)) if seen}


def _sites_in(response) -> list[Site]:
    objects = list(response.context["cl"].result_list)
    return [o if isinstance(o, Site) else o.site for o in objects]


def test_site_admin_cannot_open_another_sites_article(two_sites):
    north, south = two_sites
    article = ArticleFactory(site=south)
    client = _client(Role.ADMIN, north)

    response = client.get(f"/admin/comments/article/{article.pk}/change/")

    assert response.status_code == 302  # the admin's "does not exist" redirect
    assert response["Location"] == "/admin/"
    assert "south" not in response.content.decode()


def test_site_admin_saves_a_new_policy_version(two_sites):
    north, _ = two_sites
    current = policy_current(site=north)
    client = _client(Role.ADMIN, north)
    source = current.source.replace(current.title, "Our house rules", 1)

    response = client.post(
        "/admin/policy/policyversion/add/",
        {"site": north.pk, "source": source, "note": "renamed"},
    )

    assert response.status_code == 302
    versions = list(PolicyVersion.objects.filter(site=north).values_list("version", "title"))
    assert versions == [(2, "Our house rules"), (1, current.title)]


def test_invalid_policy_is_refused_with_the_field_named(two_sites):
    north, _ = two_sites
    policy_current(site=north)
    client = _client(Role.ADMIN, north)
    source = '[[clauses]]\nid = "x"\nnumber = 1\ntitle = "X"\ntext = "x"\n'
    source += '[[clauses.rules]]\nrule = "no_such_rule"\naction = "hold"\n'

    response = client.post(
        "/admin/policy/policyversion/add/", {"site": north.pk, "source": source, "note": ""}
    )

    assert response.status_code == 200
    assert "no_such_rule" in response.content.decode()
    assert PolicyVersion.objects.filter(site=north).count() == 1


def test_site_admin_cannot_save_a_policy_for_another_site(two_sites):
    north, south = two_sites
    current = policy_current(site=south)
    client = _client(Role.ADMIN, north)

    response = client.post(
        "/admin/policy/policyversion/add/",
        {"site": south.pk, "source": current.source, "note": "hijack"},
    )

    assert response.status_code == 200  # the form refuses the site choice
    assert PolicyVersion.objects.filter(site=south).count() == 1


def test_saved_versions_are_read_only(two_sites):
    north, _ = two_sites
    current = policy_current(site=north)
    client = _client("superuser", north)

    response = client.post(
        f"/admin/policy/policyversion/{current.pk}/change/",
        {"site": north.pk, "source": "title = 'changed'", "note": "edit"},
    )

    assert response.status_code == 403
    current.refresh_from_db()
    assert current.title != "changed"


def test_dry_run_then_apply_from_the_admin(two_sites, django_capture_on_commit_callbacks):
    from comments.models import CommentStatus
    from tests.factories import CommentFactory

    north, _ = two_sites
    current = policy_current(site=north)
    comment = CommentFactory(article=ArticleFactory(site=north), body="Buy gold bullion today")
    stricter = current.source + (
        '\n[[clauses]]\nid = "gold"\nnumber = 99\ntitle = "No gold ads"\ntext = "No gold."\n'
        '[[clauses.rules]]\nrule = "banned_words"\naction = "reject"\nwords = ["gold bullion"]\n'
    )
    policy_save(site=north, source=stricter, note="no gold")
    client = _client(Role.ADMIN, north)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/admin/comments/site/",
            {"action": "recheck_last_week", "_selected_action": [north.pk]},
        )
    dry = RemoderationRun.objects.get(site=north, apply=False)
    assert dry.state == RemoderationRun.State.DONE
    assert [c["comment"] for c in dry.changes] == [comment.pk]
    comment.refresh_from_db()
    assert comment.status == CommentStatus.PUBLISHED  # a dry run changes nothing

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/admin/pipeline/remoderationrun/",
            {"action": "apply_dry_run", "_selected_action": [dry.pk]},
        )
    comment.refresh_from_db()
    assert comment.status == CommentStatus.REMOVED
    assert comment.events.last().actor_kind == "policy_change"
