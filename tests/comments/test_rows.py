"""comments.rows: hand-written statements for the hot paths give what the ORM would."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.db.models import signals
from django.db.utils import ConnectionDoesNotExist
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token

from comments import rows
from comments.authentication import token_user
from comments.errors import NotFound
from comments.models import Article, Comment, Commenter, CommentEvent, Site
from comments.selectors import article_get
from pipeline.config import site_moderation
from pipeline.models import ModerationDecision, NotificationLog

from ..factories import ArticleFactory, CommenterFactory, CommentFactory, UserFactory
from .conftest import thread_url


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


def test_the_thread_rows_are_read_by_column_name_with_djangos_conversions(db):
    top = CommentFactory(featured=True, edited_at=timezone.now())
    reply = CommentFactory(article=top.article, parent=top)
    page = rows.thread_rows(
        scope={"article": top.article_id, "parent": None},
        viewer_id=top.author_id,
        order_by="created_at",
        descending=False,
        after=None,
        limit=5,
    )
    assert [row.id for row in page] == [top.pk]
    row = page[0]
    assert (row.created_at, row.edited_at) == (top.created_at, top.edited_at)
    assert row.created_at.tzinfo is not None and row.featured is True
    assert (row.author_public_id, row.own_body) == (top.author.public_id, top.body)
    replies = rows.first_reply_rows(
        scope={"root__in": [top.pk], "depth__lte": 3}, viewer_id=None, per_parent=3
    )
    assert [(r.id, r.parent_id, r.your_vote, r.own_body) for r in replies] == [
        (reply.pk, top.pk, None, None)
    ]


# Signal receivers: writes through rows skip them, so a model that has any is refused.

# The models the project writes through rows (comments, the moderation pipeline), by model
# name so that moving a model between apps keeps this list.
WRITTEN_THROUGH_ROWS = {
    "article",
    "comment",
    "commentevent",
    "moderationdecision",
    "notificationlog",
}


def _receiver(**kwargs):
    pass


def test_the_models_written_through_rows_have_no_signal_receivers(db, monkeypatch, reader_api):
    by_name = {model._meta.model_name: model for model in apps.get_models()}
    assert set(by_name) >= WRITTEN_THROUGH_ROWS
    for name in WRITTEN_THROUGH_ROWS:
        assert rows.receivers_of(by_name[name]) == [], name
    # And the list is complete for a post and a reply: every model they wrote was checked.
    monkeypatch.setattr(rows, "_checked", set())
    article = ArticleFactory()
    parent = CommentFactory(article=article)
    response = reader_api.post(
        thread_url(article), {"body": "Hi", "parent": parent.pk}, format="json"
    )
    assert response.status_code == 201, response.content
    assert {model._meta.model_name for model in rows._checked} <= WRITTEN_THROUGH_ROWS
    assert {Comment, CommentEvent} <= rows._checked


@pytest.mark.parametrize("signal", ["pre_save", "post_save", "pre_delete", "post_delete"])
def test_a_write_through_rows_is_refused_when_the_model_has_receivers(
    db, monkeypatch, signal, unchanged
):
    comment = CommentFactory()
    monkeypatch.setattr(rows, "_checked", set())  # as in a fresh process
    getattr(signals, signal).connect(_receiver, sender=CommentEvent, weak=False)
    try:
        assert rows.receivers_of(CommentEvent) == [signal]
        with unchanged(), pytest.raises(rows.SignalReceiversPresent, match=signal):
            rows.insert(CommentEvent(comment=comment, kind="created", to_status="pending"))
        with pytest.raises(rows.SignalReceiversPresent, match=r"comments\.CommentEvent has"):
            rows.check_no_receivers(CommentEvent)
    finally:
        getattr(signals, signal).disconnect(_receiver, sender=CommentEvent)
    assert rows.receivers_of(CommentEvent) == []


def test_each_model_is_checked_for_receivers_once(db, monkeypatch):
    comment = CommentFactory()
    monkeypatch.setattr(rows, "_checked", set())
    calls = []
    monkeypatch.setattr(rows, "check_no_receivers", calls.append)
    for _ in range(3):
        rows.update(comment, ["score"])
    assert calls == [Comment]


# The database: the one the router chooses for the model, as the ORM's queries use.


class _ElsewhereRouter:
    """Reads from, or writes to, a database this test run does not have: a statement that
    follows the router fails naming it."""

    def __init__(self, reads: bool, writes: bool):
        self.reads, self.writes = reads, writes
        self.asked: list[tuple[str, type]] = []

    def db_for_read(self, model, **hints):
        self.asked.append(("read", model))
        return "elsewhere" if self.reads else None

    def db_for_write(self, model, **hints):
        self.asked.append(("write", model))
        return "elsewhere" if self.writes else None

    def allow_relation(self, obj1, obj2, **hints):
        return True


@pytest.fixture
def route(settings):
    def use(*, reads: bool = False, writes: bool = False) -> _ElsewhereRouter:
        router = _ElsewhereRouter(reads, writes)
        settings.DATABASE_ROUTERS = [router]
        return router

    return use


def test_reads_go_to_the_database_the_router_chooses(db, route):
    reply = CommentFactory(parent=CommentFactory())
    key = Token.objects.create(user=reply.author.user).key
    router = route(reads=True)
    reads = [
        lambda: article_get(site_slug=reply.site.slug, key=reply.article.key),
        lambda: token_user(key),
        lambda: rows.thread_rows(
            scope={"article": reply.article_id},
            viewer_id=None,
            order_by="created_at",
            descending=False,
            after=None,
            limit=1,
        ),
        lambda: rows.first_reply_rows(scope={"root": reply.root_id}, viewer_id=1, per_parent=1),
    ]
    for read in reads:
        with pytest.raises(ConnectionDoesNotExist, match="elsewhere"):
            read()
    assert {model for kind, model in router.asked} == {Article, Token, Comment}


def test_writes_and_locks_go_to_the_database_the_router_chooses(db, route):
    comment = CommentFactory()
    router = route(writes=True)
    writes = [
        lambda: rows.insert(CommentEvent(comment=comment, kind="created", to_status="pending")),
        lambda: rows.insert_unless_conflict(
            NotificationLog(comment=comment, kind="reply", recipient=comment.author)
        ),
        lambda: rows.update(comment, ["score"]),
        lambda: rows.increment(Comment, comment.pk, "score", 1),
        lambda: rows.Select(Comment, where=("pk",), only=("status",), for_update=True).get(1),
    ]
    for write in writes:
        with pytest.raises(ConnectionDoesNotExist, match="elsewhere"):
            write()
    assert {kind for kind, model in router.asked} == {"write"}
    # Reads still follow db_for_read (here: the default database).
    assert rows.Select(Comment, where=("pk",)).get(comment.pk)._state.db == "default"


# ON CONFLICT names its target: only the constraint that makes the insert idempotent.


def test_insert_unless_conflict_targets_the_models_unique_constraint(db):
    comment = CommentFactory()
    log = NotificationLog(comment=comment, kind="reply", recipient=comment.author)
    with CaptureQueriesContext(connection) as queries:
        assert rows.insert_unless_conflict(log, constraint="notification_once_per_event")
    quote = connection.ops.quote_name
    target = ", ".join(quote(c) for c in ("comment_id", "kind", "recipient_id"))
    assert f"ON CONFLICT ({target}) DO NOTHING" in queries.captured_queries[0]["sql"]


def test_insert_unless_conflict_raises_on_another_unique_violation(db):
    taken = CommenterFactory()
    twin = Commenter(user=taken.user, display_name="Twin")  # the same user, a new public id
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.insert_unless_conflict(twin, constraint="public_id")
    with pytest.raises(ValueError, match="name the unique constraint"):
        rows.insert_unless_conflict(twin)  # two unique fields: which one is meant?
