"""The comment-status state machine: every legal move writes an audit row, illegal ones nothing."""

import itertools

import pytest

from comments.lifecycle import ALLOWED, Actor, IllegalTransition, can_transition, transition
from comments.models import ActorKind, Comment, CommentEvent, CommentStatus

from ..factories import CommentFactory, UserFactory
from .conftest import snapshot

S = CommentStatus

LEGAL = {
    (S.PENDING, S.PUBLISHED),
    (S.PENDING, S.HELD),
    (S.PENDING, S.REJECTED),
    (S.PENDING, S.DELETED),
    (S.HELD, S.PUBLISHED),
    (S.HELD, S.REJECTED),
    (S.HELD, S.PENDING),
    (S.HELD, S.DELETED),
    (S.PUBLISHED, S.HELD),
    (S.PUBLISHED, S.REMOVED),
    (S.PUBLISHED, S.PENDING),
    (S.PUBLISHED, S.DELETED),
    (S.REJECTED, S.PUBLISHED),
    (S.REJECTED, S.PENDING),
    (S.REJECTED, S.DELETED),
    (S.REMOVED, S.PUBLISHED),
    (S.REMOVED, S.DELETED),
}
ALL_PAIRS = list(itertools.product(S.values, S.values))
ILLEGAL = sorted(set(ALL_PAIRS) - LEGAL)
MODERATOR_ACTOR = Actor(ActorKind.MODERATOR, "mod", None)


def test_the_table_is_the_documented_machine():
    assert {(a, b) for a, targets in ALLOWED.items() for b in targets} == LEGAL
    assert set(ALLOWED) == set(S.values)


@pytest.mark.parametrize(("from_status", "to_status"), ALL_PAIRS)
def test_can_transition(from_status, to_status):
    assert can_transition(from_status, to_status) is ((from_status, to_status) in LEGAL)


@pytest.mark.parametrize(("from_status", "to_status"), sorted(LEGAL))
def test_legal_transition_changes_status_and_writes_one_audit_row(article, from_status, to_status):
    comment = CommentFactory(article=article, status=from_status, body="Words")
    moderator = UserFactory(username="mod")
    actor = Actor.moderator(moderator)

    event = transition(
        comment,
        to=to_status,
        actor=actor,
        clause_id="c1",
        clause_title="Clause one",
        note="Because.",
        policy_version=7,
    )

    stored = Comment.objects.get(pk=comment.pk)
    assert stored.status == comment.status == to_status
    assert stored.status_changed_at == event.created_at
    assert list(CommentEvent.objects.filter(comment=comment).values_list("pk", flat=True)) == [
        event.pk
    ]
    assert (
        event.kind,
        event.from_status,
        event.to_status,
        event.actor_kind,
        event.actor_user_id,
        event.actor_label,
        event.clause_id,
        event.clause_title,
        event.note,
        event.policy_version,
    ) == (
        CommentEvent.Kind.STATUS,
        from_status,
        to_status,
        ActorKind.MODERATOR,
        moderator.pk,
        "mod",
        "c1",
        "Clause one",
        "Because.",
        7,
    )
    # The author sees the latest reason only while it still applies.
    if to_status in (S.PUBLISHED, S.PENDING):
        expected_reason = ("", "", "")
    else:
        expected_reason = ("c1", "Clause one", "Because.")
    assert (
        stored.moderation_clause_id,
        stored.moderation_clause_title,
        stored.moderation_reason,
    ) == expected_reason
    if to_status == S.DELETED:
        assert (stored.body, stored.html) == ("", "")
    else:
        assert stored.body == "Words"


@pytest.mark.parametrize(("from_status", "to_status"), ILLEGAL)
def test_illegal_transition_is_refused_and_changes_nothing(article, from_status, to_status):
    comment = CommentFactory(article=article, status=from_status)
    before = snapshot()

    with pytest.raises(IllegalTransition) as raised:
        transition(comment, to=to_status, actor=MODERATOR_ACTOR)

    assert (raised.value.from_status, raised.value.to_status) == (from_status, to_status)
    assert str(raised.value) == f"A comment cannot go from {from_status} to {to_status}."
    assert comment.status == from_status
    assert snapshot() == before


@pytest.mark.parametrize(
    ("from_status", "to_status", "delta"),
    [
        (S.PENDING, S.PUBLISHED, 1),
        (S.HELD, S.PUBLISHED, 1),
        (S.REJECTED, S.PUBLISHED, 1),
        (S.REMOVED, S.PUBLISHED, 1),
        (S.PUBLISHED, S.HELD, -1),
        (S.PUBLISHED, S.REMOVED, -1),
        (S.PUBLISHED, S.PENDING, -1),
        (S.PUBLISHED, S.DELETED, -1),
        (S.PENDING, S.HELD, 0),
        (S.PENDING, S.REJECTED, 0),
        (S.HELD, S.DELETED, 0),
        (S.REJECTED, S.PENDING, 0),
    ],
)
def test_parent_reply_count_follows_published_replies(article, from_status, to_status, delta):
    parent = CommentFactory(article=article)
    CommentFactory(article=article, parent=parent)  # one published sibling
    reply = CommentFactory(article=article, parent=parent, status=from_status)
    before = Comment.objects.get(pk=parent.pk).reply_count

    transition(reply, to=to_status, actor=MODERATOR_ACTOR)

    assert Comment.objects.get(pk=parent.pk).reply_count == before + delta


def test_top_level_transitions_touch_no_other_comment(article):
    comment = CommentFactory(article=article)
    other = CommentFactory(article=article)

    transition(comment, to=S.REMOVED, actor=MODERATOR_ACTOR)

    assert Comment.objects.get(pk=other.pk).reply_count == 0


def test_author_actor_names_the_author(article, reader):
    comment = CommentFactory(article=article, author=reader)

    event = transition(comment, to=S.DELETED, actor=Actor.author(comment))

    assert (event.actor_kind, event.actor_label, event.actor_user_id) == (
        ActorKind.AUTHOR,
        "Alice",
        reader.user_id,
    )


def test_long_labels_and_titles_are_cut_to_their_columns(article):
    comment = CommentFactory(article=article)

    event = transition(
        comment,
        to=S.HELD,
        actor=Actor(ActorKind.RULE, "r" * 200),
        clause_title="t" * 300,
        note="n" * 600,
    )

    stored = Comment.objects.get(pk=comment.pk)
    assert (len(event.actor_label), len(event.clause_title), len(event.note)) == (120, 200, 600)
    assert (len(stored.moderation_clause_title), len(stored.moderation_reason)) == (200, 500)


def test_a_full_life_leaves_a_complete_trail(reader_api, article, reader):
    from .conftest import comment_url, thread_url

    comment_id = reader_api.post(thread_url(article), {"body": "One"}, format="json").json()["id"]
    reader_api.patch(comment_url(comment_id), {"body": "Two"}, format="json")
    comment = Comment.objects.get(pk=comment_id)
    transition(comment, to=S.REMOVED, actor=MODERATOR_ACTOR, clause_id="x")
    transition(comment, to=S.PUBLISHED, actor=MODERATOR_ACTOR)
    reader_api.delete(comment_url(comment_id))

    trail = list(
        CommentEvent.objects.filter(comment_id=comment_id)
        .order_by("id")
        .values_list("kind", "from_status", "to_status", "actor_kind")
    )
    assert trail == [
        ("created", "", "pending", "author"),
        ("status", "pending", "published", "rule"),
        ("edit", "published", "published", "author"),
        ("status", "published", "pending", "author"),
        ("status", "pending", "published", "rule"),
        ("status", "published", "removed", "moderator"),
        ("status", "removed", "published", "moderator"),
        ("status", "published", "deleted", "author"),
    ]
