"""E-mail to readers, sent from a task after commit, at most once per event."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from comments.lifecycle import Actor, transition
from comments.models import Comment, CommentStatus
from pipeline.models import NotificationLog, NotificationPreference
from pipeline.notifications import notification_send
from pipeline.services import decide_pending
from tests.factories import CommentFactory

S = CommentStatus


@pytest.fixture(autouse=True)
def _emails(reader, other_reader):
    for commenter, address in ((reader, "alice@example.org"), (other_reader, "bob@example.org")):
        commenter.user.email = address
        commenter.user.save()


def reply(client, parent, body="I see it differently, for three reasons."):
    return client.post(
        "/api/v1/sites/daily/articles/budget-2026/comments/",
        {"body": body, "parent": parent.pk},
        format="json",
    )


def moderate(comment, to, user):
    with transaction.atomic():
        locked = Comment.objects.select_for_update().select_related("author").get(pk=comment.pk)
        transition(locked, to=to, actor=Actor.moderator(user))


def test_a_published_reply_e_mails_the_parent_author_once(article, reader, other_api, on_commit):
    parent = CommentFactory(article=article, author=reader)
    with on_commit():
        assert reply(other_api, parent).status_code == 201
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.org"]
    assert message.subject == "Bob replied to your comment on Daily"
    assert "I see it differently" in message.body
    log = NotificationLog.objects.get()
    assert (log.kind, log.recipient_id, log.status) == ("reply", reader.pk, "sent")
    # The same task delivered again sends nothing.
    assert notification_send(log.pk) is None
    assert len(mail.outbox) == 1


def test_replying_to_yourself_sends_nothing(article, reader, reader_api, on_commit):
    parent = CommentFactory(article=article, author=reader)
    with on_commit():
        reply(reader_api, parent)
    assert mail.outbox == []
    assert not NotificationLog.objects.exists()


def test_reply_e_mails_can_be_turned_off(article, reader, reader_api, other_api, on_commit):
    response = reader_api.put("/api/v1/me/preferences/", {"reply_emails": False}, format="json")
    assert response.status_code == 200
    assert response.json() == {"reply_emails": False, "decision_emails": True}
    parent = CommentFactory(article=article, author=reader)
    with on_commit():
        reply(other_api, parent)
    assert mail.outbox == []
    assert NotificationLog.objects.get().status == "skipped"


def test_preferences_api(reader_api, api):
    assert reader_api.get("/api/v1/me/preferences/").json() == {
        "reply_emails": True,
        "decision_emails": True,
    }
    assert not NotificationPreference.objects.exists()
    reader_api.put("/api/v1/me/preferences/", {"decision_emails": False}, format="json")
    assert reader_api.get("/api/v1/me/preferences/").json() == {
        "reply_emails": True,
        "decision_emails": False,
    }
    bad = reader_api.put("/api/v1/me/preferences/", {"reply_emails": "maybe"}, format="json")
    assert bad.status_code == 400
    assert api.get("/api/v1/me/preferences/").status_code == 401


def test_an_instant_publish_sends_no_e_mail(reader_api, article, on_commit):
    with on_commit():
        response = reader_api.post(
            "/api/v1/sites/daily/articles/budget-2026/comments/",
            {"body": "A plain and civil remark."},
            format="json",
        )
    assert response.status_code == 201
    assert mail.outbox == []
    assert not NotificationLog.objects.exists()


def test_a_held_comment_published_by_a_moderator_is_e_mailed(
    article, reader, django_user_model, on_commit
):
    comment = CommentFactory(article=article, author=reader, status=S.HELD)
    moderator = django_user_model.objects.create_user("mod")
    with on_commit():
        moderate(comment, S.PUBLISHED, moderator)
    assert [m.subject for m in mail.outbox] == ["Your comment on Daily is published"]


def test_a_rejection_after_waiting_is_e_mailed_with_the_reason(
    article, reader, django_user_model, on_commit
):
    comment = CommentFactory(article=article, author=reader, status=S.HELD)
    moderator = django_user_model.objects.create_user("mod")
    with on_commit(), transaction.atomic():
        locked = Comment.objects.select_for_update().select_related("author").get(pk=comment.pk)
        transition(
            locked,
            to=S.REJECTED,
            actor=Actor.moderator(moderator),
            clause_id="civility",
            clause_title="Be civil",
            note="This comment breaks clause 1 of the comment policy: Be civil.",
        )
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Your comment on Daily was not published"
    assert "breaks clause 1" in mail.outbox[0].body


def test_a_pipeline_publish_after_a_long_wait_is_e_mailed(article, reader, on_commit, settings):
    comment = CommentFactory(article=article, author=reader, status=S.PENDING)
    Comment.objects.filter(pk=comment.pk).update(
        created_at=timezone.now() - timedelta(seconds=settings.PARLEY_NOTIFY_AFTER_WAIT_SECONDS + 5)
    )
    with on_commit():
        assert decide_pending(comment.pk) == S.PUBLISHED
    assert [m.subject for m in mail.outbox] == ["Your comment on Daily is published"]


def test_a_pipeline_publish_soon_after_posting_is_not_e_mailed(article, reader, on_commit):
    comment = CommentFactory(article=article, author=reader, status=S.PENDING)
    with on_commit():
        assert decide_pending(comment.pk) == S.PUBLISHED
    assert mail.outbox == []


def test_no_address_no_e_mail(article, reader, other_api, on_commit):
    reader.user.email = ""
    reader.user.save()
    parent = CommentFactory(article=article, author=reader)
    with on_commit():
        reply(other_api, parent)
    assert mail.outbox == []
    assert NotificationLog.objects.get().status == "skipped"


def test_no_e_mail_when_the_change_rolls_back(article, reader, django_user_model, on_commit):
    comment = CommentFactory(article=article, author=reader, status=S.HELD)
    moderator = django_user_model.objects.create_user("mod")
    with on_commit() as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        moderate(comment, S.PUBLISHED, moderator)
        raise RuntimeError
    assert callbacks == []
    assert mail.outbox == []
    assert not NotificationLog.objects.exists()


def test_the_not_published_e_mail_carries_the_statement_of_reasons(
    article, reader, django_user_model, on_commit
):
    comment = CommentFactory(article=article, author=reader, status=S.HELD)
    moderator = django_user_model.objects.create_user("mod")
    with on_commit(), transaction.atomic():
        locked = Comment.objects.select_for_update().select_related("author").get(pk=comment.pk)
        transition(
            locked,
            to=S.REJECTED,
            actor=Actor.moderator(moderator),
            clause_id="civility",
            clause_title="Be civil",
            note="This comment breaks clause 1 of the comment policy: Be civil.",
        )
    (sent,) = mail.outbox
    # accountability's statement: who decided, under which clause, and how to appeal.
    assert "A moderator took this decision." in sent.body
    assert "you can appeal it once, until" in sent.body
