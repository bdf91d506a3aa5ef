"""comments.rows: hand-written statements for the hot paths give what the ORM would."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from comments import rows
from comments.authentication import token_user
from comments.errors import NotFound
from comments.models import Article, Comment, CommentEvent, Site
from comments.selectors import article_get
from policy.models import ModerationDecision, NotificationLog
from policy.services import site_moderation

from ..factories import ArticleFactory, CommenterFactory, CommentFactory, UserFactory


def test_loaded_instances_equal_the_orms(db):
    site = Site.objects.create(slug="s1", name="S", allowed_origins=["https://a.example"])
    when = timezone.now() - timedelta(days=2)
    ArticleFactory(site=site, key="k", is_open=False, closes_at=when, premoderated=True)
    article = article_get(site_slug="s1", key="k")
    orm = Article.objects.select_related("site").get(site=site, key="k")
    for field in Article._meta.concrete_fields:
        assert getattr(article, field.attname) == getattr(orm, field.attname), field.name
    assert article.closes_at.tzinfo is not None  # aware, as the ORM gives it (SQLite: a str)
    assert article.is_open is False and article.premoderated is True
    assert article.site.allowed_origins == ["https://a.example"]  # JSON decoded
    assert not article._state.adding and article._state.db == "default"


def test_article_get_needs_site_and_key_to_match(db):
    ArticleFactory(site=Site.objects.create(slug="one", name="One"), key="shared")
    Site.objects.create(slug="two", name="Two")
    assert article_get(site_slug="one", key="shared").site.slug == "one"
    for site_slug, key in (("two", "shared"), ("one", "other")):
        with pytest.raises(NotFound):
            article_get(site_slug=site_slug, key=key)


def test_token_user_loads_user_and_commenter_in_one_query(db, django_assert_num_queries):
    commenter = CommenterFactory(display_name="Amira")
    key = Token.objects.create(user=commenter.user).key
    with django_assert_num_queries(1):
        token, user = token_user(key)
        assert user.commenter.display_name == "Amira"
        assert token.user is user and user.is_active
    assert token_user("no-such-key") is None


def test_token_user_of_a_user_without_profile(db):
    user = UserFactory()
    _, loaded = token_user(Token.objects.create(user=user).key)
    assert loaded.pk == user.pk
    assert "commenter" not in loaded._state.fields_cache  # looked up (and created) on use


def test_insert_sets_the_primary_key_and_stores_every_field(db):
    comment = CommentFactory()
    events = [
        CommentEvent(comment=comment, kind="created", to_status="pending", actor_kind="author"),
        CommentEvent(
            comment=comment,
            kind="status",
            from_status="pending",
            to_status="held",
            actor_kind="rule",
            clause_id="civility",
            note="held",
        ),
    ]
    for event in events:
        assert rows.insert(event) is event
    assert events[0].pk < events[1].pk
    stored = {e.pk: e for e in CommentEvent.objects.filter(comment=comment)}
    assert stored[events[1].pk].clause_id == "civility"
    assert stored[events[0].pk].kind == "created"
    assert not events[0]._state.adding


def test_insert_prepares_json_and_foreign_keys(db):
    comment = CommentFactory()
    version = site_moderation(site=comment.site).version
    decision = ModerationDecision(
        comment=comment,
        stage="sync",
        revision="original",
        action="hold",
        hits=[{"clause": "c1", "spans": [[0, 3]]}],
        scores={"toxic": 0.5},
        policy_version=version,
        policy_version_number=version.version,
    )
    rows.insert(decision)
    stored = ModerationDecision.objects.get(pk=decision.pk)
    assert stored.hits == [{"clause": "c1", "spans": [[0, 3]]}]
    assert stored.scores == {"toxic": 0.5}
    assert stored.policy_version_id == version.pk


def test_update_writes_only_the_named_fields(db):
    comment = CommentFactory(body="before", score=3)
    comment.body, comment.score = "after", 99
    assert rows.update(comment, ["body"]) == 1
    comment.refresh_from_db()
    assert (comment.body, comment.score) == ("after", 3)


def test_increment_adds_in_the_database(db):
    comment = CommentFactory(reply_count=2)
    Comment.objects.filter(pk=comment.pk).update(reply_count=5)  # a change this copy missed
    assert rows.increment(Comment, comment.pk, "reply_count", -1) == 1
    comment.refresh_from_db()
    assert comment.reply_count == 4
    assert rows.increment(Comment, 10**9, "reply_count", 1) == 0


def test_insert_unless_conflict_skips_a_duplicate_without_breaking_the_transaction(db):
    comment = CommentFactory()
    first = NotificationLog(comment=comment, kind="reply", recipient=comment.author)
    again = NotificationLog(comment=comment, kind="reply", recipient=comment.author)
    assert rows.insert_unless_conflict(first) is True and first.pk is not None
    assert rows.insert_unless_conflict(again) is False and again.pk is None
    # The transaction is still usable (no aborted statement on PostgreSQL).
    assert NotificationLog.objects.filter(comment=comment).count() == 1


def test_a_subset_of_columns_converts_only_those(db):
    comment = CommentFactory(edited_at=timezone.now())
    c = rows.columns(Comment, "c", ("status", "edited_at"))
    row = rows.fetchone(
        f"SELECT {c.sql} FROM {Comment._meta.db_table} c WHERE c.id = %s",  # noqa: S608
        [comment.pk],
    )
    status, edited_at = c.values(row)
    assert (status, edited_at) == (comment.status, comment.edited_at)
    assert edited_at.tzinfo is not None
    partial = c.load(row)
    assert partial.get_deferred_fields() >= {"body", "html"}


def test_load_joined_splits_a_row_and_gives_none_for_an_unmatched_left_join(db):
    top = CommentFactory()
    reply = CommentFactory(article=top.article, parent=top)
    c, p = rows.columns(Comment, "c"), rows.columns(Comment, "p")
    table = Comment._meta.db_table
    sql = (
        f"SELECT {c.sql}, {p.sql} FROM {table} c "  # noqa: S608
        f"LEFT JOIN {table} p ON p.id = c.parent_id WHERE c.id = %s"
    )
    child, parent = rows.load_joined(rows.fetchone(sql, [reply.pk]), c, p)
    assert (child.pk, parent.pk) == (reply.pk, top.pk)
    alone, nobody = rows.load_joined(rows.fetchone(sql, [top.pk]), c, p)
    assert alone.pk == top.pk and nobody is None
