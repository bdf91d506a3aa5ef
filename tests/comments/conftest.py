"""Helpers for the comments API tests: URLs, a row-count snapshot and a stand-in moderation."""

import pytest
from django.contrib.auth import get_user_model
from django.core.handlers.wsgi import WSGIHandler
from django.db.models import Model

from comments import hooks, pagecache
from comments.fastpath import FastPathApp
from comments.lifecycle import Actor, transition
from comments.models import (
    ActorKind,
    Article,
    Comment,
    Commenter,
    CommentEvent,
    CommentStatus,
    Report,
    Vote,
)
from moderation.models import Role
from policy.documents import default_policy_source
from policy.services import policy_save

from ..errors import assert_error_body
from ..factories import CommentFactory, SiteRoleFactory


def thread_url(article) -> str:
    return f"/api/v1/sites/{article.site.slug}/articles/{article.key}/comments/"


def comment_url(comment_or_id) -> str:
    return f"/api/v1/comments/{getattr(comment_or_id, 'pk', comment_or_id)}/"


def replies_url(comment_or_id) -> str:
    return f"{comment_url(comment_or_id)}replies/"


def vote_url(comment_or_id) -> str:
    return f"{comment_url(comment_or_id)}vote/"


def article_url(site, key: str) -> str:
    return f"/api/v1/sites/{site.slug}/articles/{key}"


def counts_url(site) -> str:
    return f"/api/v1/sites/{site.slug}/counts/"


def assert_error(response, status: int, code: str | None = None) -> dict:
    """The one error shape: {"error": {"code", "message", "detail"}}; returns the inner body."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    error = assert_error_body(response.json())
    if code is not None:
        assert error["code"] == code
    return error


_COUNTED: tuple[type[Model], ...] = (Article, Comment, CommentEvent, Commenter, Vote, Report)


def snapshot() -> dict[str, object]:
    """Row counts plus every comment's mutable state, to assert that nothing changed."""
    state: dict[str, object] = {model.__name__: model.objects.count() for model in _COUNTED}
    state["comments"] = list(
        Comment.objects.order_by("pk").values_list(
            "pk", "status", "body", "html", "score", "upvotes", "downvotes", "reply_count"
        )
    )
    state["articles"] = list(
        Article.objects.order_by("pk").values_list("pk", "url", "title", "is_open", "closes_at")
    )
    return state


@pytest.fixture
def unchanged(db):
    """`with unchanged(): ...` fails when the block changed any stored row."""

    class _Unchanged:
        def __enter__(self):
            self.before = snapshot()

        def __exit__(self, *exc_info):
            if exc_info[0] is None:
                assert snapshot() == self.before

    return _Unchanged


# A stand-in for the policy engine, plugged in through the setting that names the entry
# point (comments never imports policy): the body's first word decides, so the API's
# 201/202/422 answers are tested without depending on the policy app's current rules.
def keyword_moderation(comment: Comment, *, reason: str) -> None:
    if comment.status != CommentStatus.PENDING:
        return
    word = comment.body.split()[0] if comment.body.split() else ""
    actor = Actor(ActorKind.RULE, "keyword")
    if word == "WAIT":
        return  # left pending for the asynchronous pipeline
    if word == "HOLD":
        transition(
            comment,
            to=CommentStatus.HELD,
            actor=actor,
            clause_id="civility",
            clause_title="Be civil",
            note="Held for a moderator.",
        )
    elif word == "REJECT":
        transition(
            comment,
            to=CommentStatus.REJECTED,
            actor=actor,
            clause_id="spam",
            clause_title="No advertising",
            note="Advertising is not allowed.",
        )
    else:
        transition(comment, to=CommentStatus.PUBLISHED, actor=actor)


@pytest.fixture(autouse=True)
def moderation():
    """Every comments test runs with the stand-in, so the policy app's rules (another team's,
    and changing) cannot change what these tests expect."""
    with hooks.moderation_replaced(keyword_moderation):
        yield


@pytest.fixture
def announced():
    """The pages changes announced after commit while the test runs (comments.pagecache)."""
    heard: list[pagecache.PagesChanged] = []
    pagecache.register_pages_listener(heard.append)
    yield heard
    pagecache._listeners.remove(heard.append)


# The fast path's tests (test_fast_path*.py). -------------------------------------------------


@pytest.fixture
def thread(site, article, other_reader):
    """Five top-level comments, the first with two replies."""
    tops = [CommentFactory(article=article, author=other_reader) for _ in range(5)]
    for _ in range(2):
        CommentFactory(article=article, author=other_reader, parent=tops[0])
    Comment.objects.filter(pk=tops[0].pk).update(reply_count=2)
    return article


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run the block's on-commit callbacks (the announcement, which publishes the version) as
    a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def wsgi(db):
    """Django's handler, and the fast path in front of it."""
    django = WSGIHandler()
    return django, FastPathApp(django)


@pytest.fixture
def moderator(site):
    """A moderator of `site`, which has the default policy saved."""
    policy_save(site=site, source=default_policy_source(), note="test")
    user = get_user_model().objects.create_user("mod", is_staff=True)
    SiteRoleFactory(user=user, site=site, role=Role.MODERATOR)
    return user
