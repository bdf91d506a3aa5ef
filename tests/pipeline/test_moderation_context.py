"""What the engine knows about an author, read in one query (policy.services)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from comments.models import CommentStatus
from policy import sql
from policy.models import Standing, StandingState
from policy.services import moderation_context

from ..factories import ArticleFactory, CommenterFactory, CommentFactory

S = CommentStatus


@pytest.fixture
def author(db):
    return CommenterFactory()


def _comment(article, author, status=S.PUBLISHED, hours_ago=0, body=None):
    comment = CommentFactory(article=article, author=author, status=status)
    comment.created_at = timezone.now() - timedelta(hours=hours_ago)
    comment.body = body or comment.body
    comment.save(update_fields=["created_at", "body"])
    return comment


def test_history_counts_exclude_the_comment_itself_and_other_sites(
    author, django_assert_num_queries
):
    article = ArticleFactory()
    for status in (S.PUBLISHED, S.PUBLISHED, S.REJECTED, S.HELD):
        _comment(article, author, status)
    _comment(ArticleFactory(), author, S.PUBLISHED)  # another site
    mine = _comment(article, author, S.PENDING)
    with django_assert_num_queries(1):
        context = moderation_context(mine)
    assert (context.author_approved_count, context.author_rejected_count) == (2, 1)
    assert context.author_standing == StandingState.ACTIVE


def test_recent_bodies_are_the_last_day_newest_first_without_deleted(author):
    article = ArticleFactory()
    _comment(article, author, hours_ago=30, body="Too old to count.")
    _comment(article, author, hours_ago=3, body="Three hours ago.")
    _comment(article, author, hours_ago=1, body="One hour ago.")
    _comment(article, author, S.DELETED, hours_ago=2, body="")
    mine = _comment(article, author, S.PENDING, body="Now.")
    assert moderation_context(mine).recent_bodies == ("One hour ago.", "Three hours ago.")


def test_recent_bodies_stop_at_the_limit(author):
    article = ArticleFactory()
    for n in range(sql.RECENT_LIMIT + 3):
        _comment(article, author, hours_ago=n / 10, body=f"Remark {n}.")
    mine = _comment(article, author, S.PENDING)
    recent = moderation_context(mine).recent_bodies
    assert recent == tuple(f"Remark {n}." for n in range(sql.RECENT_LIMIT))


def test_counts_stop_at_the_cap(author, monkeypatch):
    article = ArticleFactory()
    for _ in range(5):
        _comment(article, author)
    mine = _comment(article, author, S.PENDING)
    monkeypatch.setattr(sql, "HISTORY_COUNT_CAP", 3)
    sql._author_history_sql.cache_clear()
    try:
        assert moderation_context(mine).author_approved_count == 3
    finally:
        sql._author_history_sql.cache_clear()


def test_a_suspension_that_ran_out_counts_as_active(author):
    article = ArticleFactory()
    mine = _comment(article, author, S.PENDING)
    standing = Standing.objects.create(
        site=article.site,
        commenter=author,
        state=StandingState.SUSPENDED,
        until=timezone.now() + timedelta(hours=1),
    )
    assert moderation_context(mine).author_standing == StandingState.SUSPENDED
    standing.until = timezone.now() - timedelta(minutes=1)
    standing.save()
    assert moderation_context(mine).author_standing == StandingState.ACTIVE
