"""Readers and a moderator acting on one article in random order, through the HTTP API, with the
books checked after every step (a Hypothesis state machine).

Steps: post and reply (clean, held and rejected bodies), edit, delete, vote and unvote, report,
moderate (approve, reject, remove), appeal and decide the appeal, change a reader's standing.
After each step:
- no answer is a 5xx, and every 4xx is the one error shape;
- each comment's score, upvotes and downvotes equal its votes, and its reply count its
  published replies;
- each comment's status changes form one chain from its first status to its current one, each
  change says who made it, none repeats the status it left (a repeated decision records
  nothing), and each restriction (held, rejected, removed) names its clause, the one the
  comment shows;
- the thread, anonymous (through the page cache) and as each reader, shows the published
  top-level comments and the reader's own, at most also the tombstones that keep replies, and
  never someone else's held, rejected or pending comment.

Runs are derandomised, so a failure here comes back on the next run.
"""

from itertools import pairwise

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Q
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accountability.models import Appeal
from comments.models import TOMBSTONE_STATUSES, Comment, CommentEvent, CommentStatus
from moderation.models import Role
from policy.documents import default_policy_source
from policy.services import policy_save

from .factories import ArticleFactory, CommenterFactory, SiteFactory, SiteRoleFactory

S = CommentStatus
RESTRICTED = {S.HELD, S.REJECTED, S.REMOVED}
READERS = ("amira", "ben", "chloe")
BODIES = [
    "The council should publish the figures before the vote.",
    "I walked across that bridge every day for ten years.",
    "You are an idiot if you believe that.",  # the civility clause holds it
    "Buy cheap watches at http://spam.example now!!!",
    "Thanks, that is a fair point about the tolls.",
]
CLAUSES = ["civility", "spam", "off-topic", "no-such-clause"]


def _client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


class Thread(RuleBasedStateMachine):
    """Set up by the test below: `world` holds the site, the article and the accounts."""

    world: dict = {}
    comments = Bundle("comments")

    def __init__(self) -> None:
        super().__init__()
        # Each run starts from the test's rows and an empty cache (throttles, duplicate checks,
        # cached pages), and leaves nothing behind.
        cache.clear()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        w = self.world
        self.readers = {name: _client(w["readers"][name].user) for name in READERS}
        self.moderator = _client(w["moderator"])
        self.anonymous = APIClient()
        self.thread_url = f"/api/v1/sites/{w['site'].slug}/articles/{w['article'].key}/comments/"

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    def call(self, client: APIClient, method: str, url: str, data: dict | None = None):
        response = getattr(client, method)(url, data, format="json")
        assert response.status_code < 500, (method, url, data, response.content[:300])
        if 400 <= response.status_code < 500:
            error = response.json()["error"]
            assert sorted(error) == ["code", "detail", "message"], response.content
        return response

    @staticmethod
    def stored(response):
        """The id of the comment a post stored: published (201), held (202) or rejected (422,
        which keeps the comment so its author can see why and appeal)."""
        if response.status_code in (201, 202):
            return response.json()["id"]
        if response.status_code == 422:
            return response.json()["error"]["detail"]["comment"]["id"]
        return multiple()

    # -- readers --

    @rule(target=comments, who=st.sampled_from(READERS), body=st.sampled_from(BODIES))
    def post(self, who: str, body: str):
        response = self.call(self.readers[who], "post", self.thread_url, {"body": body})
        return self.stored(response)

    @rule(
        target=comments,
        who=st.sampled_from(READERS),
        parent=comments,
        body=st.sampled_from(BODIES),
    )
    def reply(self, who: str, parent: int, body: str):
        response = self.call(
            self.readers[who], "post", self.thread_url, {"body": body, "parent": parent}
        )
        return self.stored(response)

    @rule(who=st.sampled_from(READERS), comment=comments, body=st.sampled_from(BODIES))
    def edit(self, who: str, comment: int, body: str):
        self.call(self.readers[who], "patch", f"/api/v1/comments/{comment}/", {"body": body})

    @rule(who=st.sampled_from(READERS), comment=consumes(comments))
    def delete(self, who: str, comment: int):
        self.call(self.readers[who], "delete", f"/api/v1/comments/{comment}/")

    @rule(who=st.sampled_from(READERS), comment=comments, value=st.sampled_from([1, 0, -1]))
    def vote(self, who: str, comment: int, value: int):
        url = f"/api/v1/comments/{comment}/vote/"
        if value:
            self.call(self.readers[who], "put", url, {"value": value})
        else:
            self.call(self.readers[who], "delete", url)

    @rule(who=st.sampled_from(READERS), comment=comments, clause=st.sampled_from(CLAUSES))
    def report(self, who: str, comment: int, clause: str):
        self.call(
            self.readers[who], "post", f"/api/v1/comments/{comment}/reports/", {"clause": clause}
        )

    @rule(who=st.sampled_from(READERS), comment=comments)
    def appeal(self, who: str, comment: int):
        self.call(
            self.readers[who],
            "post",
            f"/api/v1/comments/{comment}/appeals/",
            {"explanation": "Please look again."},
        )

    # -- the moderator --

    @rule(
        comment=comments,
        action=st.sampled_from(["approve", "reject", "remove", "feature", "unfeature"]),
        clause=st.sampled_from(["", *CLAUSES]),
    )
    def moderate(self, comment: int, action: str, clause: str):
        self.call(
            self.moderator,
            "post",
            f"/api/v1/moderation/comments/{comment}/decision/",
            {"action": action, "clause": clause},
        )

    @rule(comment=comments, outcome=st.sampled_from(["upheld", "reversed", "nonsense"]))
    def decide_an_appeal(self, comment: int, outcome: str):
        appeal = Appeal.objects.filter(comment_id=comment, state="open").first()
        if appeal is not None:
            self.call(
                self.moderator,
                "post",
                f"/api/v1/moderation/appeals/{appeal.pk}/decision/",
                {"outcome": outcome, "note": "Looked again."},
            )

    @rule(
        comment=comments,
        state=st.sampled_from(["active", "warned", "premoderated", "suspended", "banned"]),
    )
    def standing(self, comment: int, state: str):
        """The standing of the comment's author."""
        author = Comment.objects.get(pk=comment).author.public_id
        self.call(
            self.moderator,
            "put",
            f"/api/v1/moderation/sites/{self.world['site'].slug}/commenters/{author}/standing/",
            {"state": state, "reason": "test"},
        )

    # -- the books --

    @invariant()
    def counters_match_rows(self) -> None:
        rows = Comment.objects.filter(article=self.world["article"]).annotate(
            up=Count("votes", filter=Q(votes__value=1), distinct=True),
            down=Count("votes", filter=Q(votes__value=-1), distinct=True),
            replies=Count("children", filter=Q(children__status=S.PUBLISHED), distinct=True),
        )
        for c in rows:
            assert (c.upvotes, c.downvotes, c.score) == (c.up, c.down, c.up - c.down), c.pk
            assert c.reply_count == c.replies, c.pk

    @invariant()
    def every_status_change_is_on_the_record(self) -> None:
        for comment in Comment.objects.filter(article=self.world["article"]):
            events = list(
                CommentEvent.objects.filter(comment=comment, kind=CommentEvent.Kind.STATUS)
                .order_by("created_at", "pk")
                .values("from_status", "to_status", "actor_kind", "clause_id")
            )
            assert events, comment.pk
            assert events[-1]["to_status"] == comment.status, (comment.pk, events)
            if comment.status in RESTRICTED:  # what the author and the queue are shown
                assert comment.moderation_clause_id == events[-1]["clause_id"], comment.pk
            for before, after in pairwise(events):
                assert after["from_status"] == before["to_status"], (comment.pk, events)
            for event in events:
                assert event["actor_kind"], (comment.pk, event)
                # Idempotent decisions: a repeated one records no change.
                assert event["from_status"] != event["to_status"], (comment.pk, events)
                if event["to_status"] in RESTRICTED:
                    assert event["clause_id"], (comment.pk, event)

    @invariant()
    def each_reader_sees_what_is_published_and_their_own(self) -> None:
        """Anonymous (through the page cache) and each signed-in reader: the published top-level
        comments and the reader's own in any state but deleted; at most also the tombstones
        that keep replies in place; never someone else's held, rejected or pending comment."""
        top = Comment.objects.filter(article=self.world["article"], parent=None)
        published = set(top.filter(status=S.PUBLISHED).values_list("pk", flat=True))
        tombstones = set(
            top.filter(status__in=TOMBSTONE_STATUSES, reply_count__gt=0).values_list(
                "pk", flat=True
            )
        )
        viewers = {None: self.anonymous, **self.readers}
        for name, client in viewers.items():
            own = set()
            if name is not None:
                author = self.world["readers"][name]
                own = set(
                    top.filter(author=author).exclude(status=S.DELETED).values_list("pk", flat=True)
                )
            shown = self.thread_ids(client)
            assert published | own <= shown, (name, published | own, shown)
            assert shown <= published | own | tombstones, (name, shown, published, own)

    def thread_ids(self, client: APIClient) -> set[int]:
        shown: set[int] = set()
        cursor = None
        while True:
            page = client.get(self.thread_url, {"cursor": cursor} if cursor else {}).json()
            shown |= {c["id"] for c in page["results"]}
            if not (cursor := page["next_cursor"]):
                return shown


@pytest.fixture
def world(db) -> dict:
    site = SiteFactory(slug="daily")
    policy_save(site=site, source=default_policy_source(), note="machine")
    moderator = get_user_model().objects.create_user("mod", is_staff=True)
    SiteRoleFactory(user=moderator, site=site, role=Role.MODERATOR)
    readers = {
        name: CommenterFactory(user__username=name, display_name=name.title()) for name in READERS
    }
    return {
        "site": site,
        "article": ArticleFactory(site=site, key="bridge-vote"),
        "moderator": moderator,
        "readers": readers,
    }


def test_the_books_balance_whatever_readers_and_moderators_do(world):
    Thread.world = world
    run_state_machine_as_test(
        Thread,
        settings=settings(
            max_examples=50,
            stateful_step_count=50,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
