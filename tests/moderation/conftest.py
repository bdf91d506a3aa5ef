"""Fixtures for the moderators' side: roles, a small policy, comments in every queue."""

import time
from collections.abc import Callable

import pytest
from django.db import transaction
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from comments.lifecycle import Actor, transition
from comments.locks import comments_locked
from comments.models import (
    ActorKind,
    Comment,
    CommentEvent,
    CommentStatus,
)
from moderation.models import ModeratorAction, Role, SiteRole
from pipeline.config import site_moderation
from pipeline.models import ModerationDecision
from pipeline.services import apply_verdict
from policy.models import Standing
from policy.services import evaluate_comment, policy_save
from security import recent
from tests.factories import (
    CommenterFactory,
    CommentFactory,
    ReportFactory,
    SiteFactory,
    SiteRoleFactory,
    UserFactory,
)

S = CommentStatus

TEST_POLICY = """
title = "Test guidelines"
introduction = "Be kind to each other."

[[clauses]]
id = "civility"
number = 1
title = "Be civil"
text = "No personal attacks."

  [[clauses.rules]]
  rule = "suspect_words"
  action = "hold"
  words = ["nincompoop", "buffoon"]

[[clauses]]
id = "spam"
number = 2
title = "No advertising"
text = "No ads."

  [[clauses.rules]]
  rule = "banned_words"
  action = "reject"
  words = ["cheap watches"]

[[clauses]]
id = "standing"
number = 3
title = "Account standing"
text = "Suspended and banned accounts cannot post; premoderated ones are read first."

  [[clauses.rules]]
  rule = "standing"
  action = "reject"
  standings = ["banned", "suspended"]

  [[clauses.rules]]
  rule = "standing"
  action = "hold"
  standings = ["premoderated"]
"""

ROLES = ("anonymous", "reader", "other_moderator", "moderator", "site_admin", "superuser")


@pytest.fixture
def policy(site):
    return policy_save(site=site, source=TEST_POLICY, note="test policy")


@pytest.fixture
def other_site(db):
    site = SiteFactory(slug="weekly")
    policy_save(site=site, source=TEST_POLICY)
    return site


def staff(username: str, *, superuser: bool = False):
    return UserFactory(username=username, is_staff=True, is_superuser=superuser)


@pytest.fixture
def moderator(site, policy):
    user = staff("mod")
    SiteRoleFactory(user=user, site=site, role=Role.MODERATOR)
    return user


@pytest.fixture
def users(site, other_site, moderator, reader) -> dict:
    """One user per row of the permission matrix (None is anonymous)."""
    other = staff("othermod")
    SiteRoleFactory(user=other, site=other_site, role=Role.MODERATOR)
    admin_user = staff("siteadmin")
    SiteRoleFactory(user=admin_user, site=site, role=Role.ADMIN)
    return {
        "anonymous": None,
        "reader": reader.user,
        "other_moderator": other,
        "moderator": moderator,
        "site_admin": admin_user,
        "superuser": staff("root", superuser=True),
    }


def api_for(user) -> APIClient:
    """Token authentication, as publishers' tools use it."""
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def browser_for(user) -> Client:
    """A signed-in session, as the admin pages use it, that has just signed in (so dangerous
    actions need no re-authentication; tests/security covers that)."""
    client = Client()
    if user is not None:
        client.force_login(user)
        session = client.session
        session[recent.SESSION_KEY] = int(time.time())
        session.save()
    return client


@pytest.fixture
def mod_api(moderator) -> APIClient:
    return api_for(moderator)


def decide_by_policy(comment: Comment) -> Comment:
    """Run the real engine on a pending comment and apply its verdict (hits with spans)."""
    with transaction.atomic():
        locked = comments_locked("site", "article", "author").get(pk=comment.pk)
        config = site_moderation(site=locked.site)
        verdict = evaluate_comment(locked, engine=config.engine)
        apply_verdict(
            locked, verdict=verdict, version=config.version, stage=ModerationDecision.Stage.SYNC
        )
    return locked


@pytest.fixture
def make_held(article, policy) -> Callable[..., Comment]:
    def make(body: str = "Only a nincompoop would vote for this.", **kwargs) -> Comment:
        kwargs.setdefault("article", article)
        comment = CommentFactory(body=body, status=S.PENDING, **kwargs)
        comment = decide_by_policy(comment)
        assert comment.status == S.HELD, comment.status
        return comment

    return make


@pytest.fixture
def held(make_held) -> Comment:
    return make_held()


@pytest.fixture
def make_reported(article, policy) -> Callable[..., Comment]:
    def make(reporters: int = 1, *, hold: bool = False, clause: str = "civility") -> Comment:
        comment = CommentFactory(article=article, status=S.PUBLISHED)
        for _ in range(reporters):
            ReportFactory(comment=comment, reporter=CommenterFactory(), clause_id=clause)
        if hold:
            with transaction.atomic():
                locked = Comment.objects.select_for_update().get(pk=comment.pk)
                transition(
                    locked,
                    to=S.HELD,
                    actor=Actor(ActorKind.READERS, "reports"),
                    clause_id=clause,
                    clause_title="Be civil",
                    note="Reported by readers.",
                )
        comment.refresh_from_db()
        return comment

    return make


def snapshot() -> dict:
    """Every row moderation could touch, to assert that a refused request changed nothing."""
    return {
        "comments": list(
            Comment.objects.order_by("pk").values_list(
                "pk",
                "status",
                "featured",
                "moderation_clause_id",
                "moderation_reason",
                "reply_count",
            )
        ),
        "events": CommentEvent.objects.count(),
        "actions": ModeratorAction.objects.count(),
        "standings": list(
            Standing.objects.order_by("pk").values_list("pk", "state", "until", "reason")
        ),
        "roles": SiteRole.objects.count(),
    }


@pytest.fixture
def unchanged(db):
    class _Unchanged:
        def __enter__(self):
            self.before = snapshot()

        def __exit__(self, *exc_info):
            if exc_info[0] is None:
                assert snapshot() == self.before

    return _Unchanged


def assert_error(response, status: int, code: str | None = None) -> dict:
    """The one error shape: {"error": {"code", "message", "detail"}}."""
    assert response.status_code == status, response.content
    body = response.json()
    assert list(body) == ["error"]
    error = body["error"]
    assert sorted(error) == ["code", "detail", "message"]
    assert isinstance(error["detail"], dict)
    if code is not None:
        assert error["code"] == code, error
    return error
