"""`manage.py load_demo`: a believable newsroom, one account per reader, safe to re-run."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from comments.models import Article, Comment, CommentStatus, Site, Vote
from embed.demo_host import DEMO_ARTICLES, DEMO_HOST_READERS
from embed.models import SSOIdentity

HOST = "http://127.0.0.1:9101"


def load() -> str:
    out = StringIO()
    call_command(
        "load_demo", "--parley-url", "http://127.0.0.1:9100", "--host-url", HOST, stdout=out
    )
    return out.getvalue()


@pytest.fixture
def demo(db) -> str:
    return load()


def test_it_prints_where_to_start_and_the_site_key(demo):
    assert "Start here:    http://127.0.0.1:9100/" in demo
    assert f"Host page:     {HOST}/" in demo
    assert "Site API key:  pk_" in demo and "(new on every run)" in demo


def test_every_host_article_has_a_conversation_on_the_host_origin(demo):
    site = Site.objects.get(slug="demo")
    assert site.allowed_origins == [HOST, "http://localhost:9101"]
    for key in DEMO_ARTICLES:
        article = Article.objects.get(site=site, key=key)
        assert article.url == f"{HOST}/articles/{key}"
        assert article.comments.filter(status=CommentStatus.PUBLISHED).count() >= 2


def test_comments_are_spread_over_two_days_and_voted_on(demo):
    times = list(Comment.objects.values_list("created_at", flat=True))
    assert len(set(times)) == len(times)
    assert max(times) - min(times) > timedelta(days=2)
    assert max(times) <= timezone.now()
    assert Vote.objects.count() >= 15
    assert Comment.objects.filter(score__gt=0).count() >= 8


def test_each_host_reader_is_the_password_reader_of_the_same_name(demo):
    for username, reader in DEMO_HOST_READERS.items():
        identity = SSOIdentity.objects.get(site__slug="demo", external_id=reader["sub"])
        assert identity.commenter.user.username == username
        assert identity.commenter.display_name == reader["name"]


def test_the_moderator_moderates_and_the_editor_administers(demo):
    from moderation.models import Role, SiteRole

    roles = dict(SiteRole.objects.filter(site__slug="demo").values_list("user__username", "role"))
    assert roles == {"moderator": Role.MODERATOR, "editor": Role.ADMIN}
    assert "Site editor:   editor / editor-demo-pass" in demo


def test_held_comments_carry_their_clause_title(demo):
    held = Comment.objects.filter(status=CommentStatus.HELD).exclude(moderation_clause_id="")
    assert held.count() >= 5
    assert not held.filter(moderation_clause_title="").exists()


def test_running_it_again_keeps_the_data_and_renews_the_key(demo):
    before = (Comment.objects.count(), Vote.objects.count(), SSOIdentity.objects.count())
    again = load()
    assert (Comment.objects.count(), Vote.objects.count(), SSOIdentity.objects.count()) == before
    key = [line for line in demo.splitlines() if "Site API key" in line]
    assert key != [line for line in again.splitlines() if "Site API key" in line]


def test_readers_have_been_members_for_a_while(demo):
    from django.contrib.auth import get_user_model

    joined = get_user_model().objects.get(username="chloe").date_joined
    assert timezone.now() - joined > timedelta(days=365)
