"""The comment row lock (comments.locks) and what it must not block."""

import threading

import pytest
from django.db import connection, transaction

from comments.locks import comments_locked
from comments.models import Vote

from ..factories import CommenterFactory, CommentFactory


@pytest.mark.django_db(transaction=True)
def test_rows_that_refer_to_a_locked_comment_are_written_meanwhile(article):
    # A notice, an audit row or a delivery that refers to a comment a moderator is deciding
    # takes a key-share lock on it through its foreign key; FOR UPDATE would make it wait for
    # the decision (and could deadlock), FOR NO KEY UPDATE does not.
    if connection.vendor != "postgresql":
        pytest.skip("row-lock modes are PostgreSQL's; SQLite locks the whole database")
    comment = CommentFactory(article=article)
    voter = CommenterFactory()
    outcome: list[object] = []

    def refer() -> None:
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '2s'")  # waiting is the failure
                outcome.append(Vote.objects.create(comment=comment, voter=voter, value=1).pk)
        except BaseException as exc:
            outcome.append(exc)
        finally:
            connection.close()

    with transaction.atomic():
        locked = comments_locked("site").get(pk=comment.pk)  # as a decision takes it
        worker = threading.Thread(target=refer)
        worker.start()
        worker.join(10)
        assert locked.pk == comment.pk

    assert len(outcome) == 1 and isinstance(outcome[0], int), outcome
