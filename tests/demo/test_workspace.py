"""The moderators' workspace on the admin's start page (moderation/workspace.py)."""

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from moderation.models import Role, SiteRole

from ..factories import SiteFactory


@pytest.fixture
def demo(db) -> None:
    call_command("load_demo", stdout=StringIO())


def index_for(username: str) -> str:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    response = client.get("/admin/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_demo_moderator_starts_from_the_queues_the_clauses_and_the_history(demo):
    html = index_for("moderator")
    assert 'id="pm-workspace-title">Moderation</h2>' in html
    tabs = dict(re.findall(r'queue=(\w+)">[^<]+ <span class="pm-count">(\d+)</span>', html))
    assert set(tabs) == {"held", "reported", "pending", "rejected", "published"}
    assert all(int(n) > 0 for n in tabs.values())
    assert "Oldest comment waiting for a decision:" in html
    assert 'href="/admin/moderation/commenterstanding/"' in html
    assert 'href="/admin/moderation/moderatoraction/"' in html
    # The policy as moderators work with it: each clause leads to what waits under it.
    assert re.search(r'clause=civility">§1 Be civil', html)
    # The moderator's admin is the workspace and the moderation pages, no plumbing.
    assert html.index("pm-workspace") < html.index('class="app-moderation')
    assert "Policy versions" not in html
    for plumbing in ("/admin/axes/", "webhook", "notificationlog", "/admin/comments/site/"):
        assert plumbing not in html


def test_the_demo_site_editor_also_gets_the_site_administrators_pages(demo):
    html = index_for("editor")
    assert 'id="pm-workspace-title">Moderation</h2>' in html
    assert "Policy versions" in html and "Moderators and their roles" in html
    # ... and the admin's list of everything else, below the workspace.
    assert html.index("pm-workspace") < html.index("/admin/comments/site/")


def test_a_moderator_sees_only_their_sites_and_no_site_admin_pages(demo):
    user = get_user_model().objects.create_user("mo", password="x", is_staff=True)
    other = SiteFactory(slug="weekly", name="The Weekly")
    SiteRole.objects.create(user=user, site=other, role=Role.MODERATOR)
    html = index_for("mo")
    counts = re.findall(r'<span class="pm-count">(\d+)</span>', html)
    assert counts == ["0"] * 5  # the demo site's comments are not theirs
    assert "Nothing is waiting for a decision." in html
    assert "The Weekly: the policy" in html and "The Daily Demo" not in html
    assert "Policy versions" not in html


def test_staff_without_a_role_get_no_workspace(demo):
    get_user_model().objects.create_user("staffer", password="x", is_staff=True)
    assert "pm-workspace" not in index_for("staffer")
