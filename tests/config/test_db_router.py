"""The read-replica router (config/db_router.py) with two database aliases.

In tests `replica` is a TEST MIRROR of `default` (config/settings/test.py): the same database
through a second connection, so each statement can be attributed to the alias that ran it.
Routing is on only where a test sets PARLEY_READ_REPLICA. Transactional tests: on SQLite the
test database the two aliases share cannot hold an open transaction on each.
"""

import pytest
from django.contrib.auth import get_user_model
from django.db import connections, transaction
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext

from comments import rows
from comments.models import Comment, Vote
from config.db_router import ReplicaRoutingMiddleware, request_scope
from tests.factories import ArticleFactory, CommenterFactory, CommentFactory

both = pytest.mark.django_db(transaction=True, databases=["default", "replica"])
replica_on = override_settings(PARLEY_READ_REPLICA="replica")

COMMENT_TABLE = Comment._meta.db_table


class Capture:
    """The statements each alias ran inside the block."""

    def __enter__(self) -> "Capture":
        self._contexts = {a: CaptureQueriesContext(connections[a]) for a in ("default", "replica")}
        for context in self._contexts.values():
            context.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        for context in self._contexts.values():
            context.__exit__(*exc)

    def on(self, alias: str, table: str = COMMENT_TABLE) -> list[str]:
        return [q["sql"] for q in self._contexts[alias].captured_queries if table in q["sql"]]


def thread_page(article) -> list:
    return rows.thread_rows(
        scope={"article_id": article.pk, "parent_id": None},
        viewer_id=None,
        order_by="created_at",
        descending=True,
        after=None,
        limit=20,
    )


@pytest.fixture
def article():
    article = ArticleFactory()
    CommentFactory.create_batch(3, article=article)
    return article


@both
@replica_on
def test_a_get_requests_thread_read_is_served_by_the_replica(article):
    with Capture() as queries, request_scope(method="GET"):
        page = thread_page(article)
        replies = rows.first_reply_rows(
            scope={"parent_id__in": [row.id for row in page]}, viewer_id=None, per_parent=3
        )

    assert len(page) == 3
    assert replies == []  # the three have no replies
    assert len(queries.on("replica")) == 2
    assert queries.on("default") == []


@both
@replica_on
def test_a_read_right_after_a_write_in_the_same_request_goes_to_the_primary(article):
    voter = CommenterFactory()
    comment = article.comments.first()

    def view(request):
        before = len(thread_page(article))  # nothing written yet: the replica
        Vote.objects.create(comment=comment, voter=voter, value=1)
        after = len(thread_page(article))  # this request wrote: the primary from now on
        Comment.objects.filter(article=article).count()
        return HttpResponse(f"{before} {after}")

    with Capture() as queries:
        response = ReplicaRoutingMiddleware(view)(RequestFactory().get("/"))

    assert response.content == b"3 3"
    assert len(queries.on("replica")) == 1  # the first page read only
    assert len(queries.on("default")) == 2  # the page read after the write, and the count
    assert queries.on("replica", Vote._meta.db_table) == []

    # The next request starts afresh: its reads go to the replica again.
    with Capture() as queries:
        ReplicaRoutingMiddleware(lambda r: HttpResponse(len(thread_page(article))))(
            RequestFactory().get("/")
        )
    assert len(queries.on("replica")) == 1
    assert queries.on("default") == []


@both
@replica_on
@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_requests_that_may_write_read_the_primary(article, method):
    with Capture() as queries, request_scope(method=method):
        thread_page(article)

    assert queries.on("replica") == []
    assert len(queries.on("default")) == 1


@both
@replica_on
def test_reads_inside_a_transaction_read_the_primary(article):
    with Capture() as queries, request_scope(method="GET"), transaction.atomic():
        thread_page(article)
        Comment.objects.filter(article=article).count()

    assert queries.on("replica") == []
    assert len(queries.on("default")) == 2


@both
@replica_on
def test_reads_outside_a_request_read_the_primary(article):
    # Celery tasks, the sweeper, management commands: no request scope.
    with Capture() as queries:
        thread_page(article)

    assert queries.on("replica") == []
    assert len(queries.on("default")) == 1


@both
@replica_on
def test_only_the_comments_apps_reads_go_to_the_replica(article):
    user_table = get_user_model()._meta.db_table
    with Capture() as queries, request_scope(method="GET"):
        get_user_model().objects.count()
        Comment.objects.filter(article=article).count()

    assert len(queries.on("default", user_table)) == 1
    assert queries.on("replica", user_table) == []
    assert len(queries.on("replica")) == 1


@both
def test_without_a_replica_everything_reads_the_primary(article):
    with Capture() as queries, request_scope(method="GET"):
        thread_page(article)
        Comment.objects.filter(article=article).count()

    assert queries.on("replica") == []
    assert len(queries.on("default")) == 2


@both
@replica_on
def test_the_http_thread_page_is_read_from_the_replica(client, article):
    url = f"/api/v1/sites/{article.site.slug}/articles/{article.key}/comments/"

    with Capture() as queries:
        response = client.get(url)

    assert response.status_code == 200, response.content
    assert {c["id"] for c in response.json()["results"]} == set(
        Comment.objects.filter(article=article).values_list("pk", flat=True)
    )
    assert queries.on("replica")
    assert queries.on("default") == []
