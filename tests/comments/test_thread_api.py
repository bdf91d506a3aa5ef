"""Reading threads, replies and permalinks: shape, nesting, sorting, cursors, visibility, cost."""

from datetime import timedelta

import pytest
from django.utils import timezone

from comments.models import Comment, CommentStatus
from comments.selectors import thread_page

from ..conftest import client_for
from ..factories import ArticleFactory, CommenterFactory, CommentFactory
from .conftest import assert_error, comment_url, replies_url, thread_url

S = CommentStatus
BASE = timezone.now() - timedelta(days=1)


def at(minutes: int):
    return BASE + timedelta(minutes=minutes)


def ids(items) -> list[int]:
    return [c["id"] for c in items]


def test_comment_fields_for_anonymous_reader(api, article, reader):
    comment = CommentFactory(article=article, author=reader, body="Hi **all**", created_at=at(1))
    Comment.objects.filter(pk=comment.pk).update(score=7, edited_at=at(2))

    body = api.get(thread_url(article)).json()

    assert body == {
        "results": [
            {
                "id": comment.pk,
                "parent": None,
                "author": {"id": reader.public_id, "display_name": "Alice", "avatar_url": ""},
                "html": "<p>Hi <strong>all</strong></p>",
                "deleted": False,
                "created_at": at(1).isoformat().replace("+00:00", "Z"),
                "edited_at": at(2).isoformat().replace("+00:00", "Z"),
                "score": 7,
                "reply_count": 0,
                "featured": False,
                "replies": [],
            }
        ],
        "next_cursor": None,
    }


def test_own_comments_carry_status_and_moderation(article, reader, other_reader):
    mine = CommentFactory(article=article, author=reader, created_at=at(1))
    held = CommentFactory(
        article=article,
        author=reader,
        status=S.HELD,
        moderation_clause_id="civility",
        moderation_clause_title="Be civil",
        moderation_reason="Name-calling.",
        created_at=at(2),
    )
    theirs = CommentFactory(article=article, author=other_reader, created_at=at(3))

    results = client_for(reader).get(thread_url(article)).json()["results"]

    assert ids(results) == [mine.pk, held.pk, theirs.pk]
    assert results[0]["status"] == "published"
    assert results[0]["moderation"] is None
    assert results[1]["status"] == "held"
    assert results[1]["moderation"] == {
        "clause_id": "civility",
        "clause_title": "Be civil",
        "reason": "Name-calling.",
    }
    assert "status" not in results[2]
    assert "moderation" not in results[2]


def test_replies_nest_up_to_the_site_depth(api, article):
    article.site.max_depth = 2
    article.site.save()
    top = CommentFactory(article=article, created_at=at(1))
    r1 = CommentFactory(article=article, parent=top, created_at=at(2))
    r2 = CommentFactory(article=article, parent=r1, created_at=at(3))
    # Stored deeper than the site now allows (the limit was lowered): not nested in a page.
    CommentFactory(article=article, parent=r2, created_at=at(4))

    [shown] = api.get(thread_url(article)).json()["results"]

    assert shown["id"] == top.pk
    assert shown["reply_count"] == 1
    [level1] = shown["replies"]
    assert (level1["id"], level1["parent"], level1["reply_count"]) == (r1.pk, top.pk, 1)
    [level2] = level1["replies"]
    assert (level2["id"], level2["parent"], level2["reply_count"]) == (r2.pk, r1.pk, 1)
    assert level2["replies"] == []


def test_replies_per_comment_caps_each_level_and_reply_count_tells_the_total(api, article):
    article.site.replies_per_comment = 2
    article.site.save()
    top = CommentFactory(article=article, created_at=at(0))
    replies = [CommentFactory(article=article, parent=top, created_at=at(i)) for i in range(1, 6)]
    grand = [
        CommentFactory(article=article, parent=replies[0], created_at=at(10 + i)) for i in range(3)
    ]

    [shown] = api.get(thread_url(article)).json()["results"]

    assert shown["reply_count"] == 5
    assert ids(shown["replies"]) == [replies[0].pk, replies[1].pk]
    assert shown["replies"][0]["reply_count"] == 3
    assert ids(shown["replies"][0]["replies"]) == [grand[0].pk, grand[1].pk]


def test_no_replies_shown_when_the_site_shows_none(api, article):
    article.site.replies_per_comment = 0
    article.site.save()
    top = CommentFactory(article=article)
    CommentFactory(article=article, parent=top)

    [shown] = api.get(thread_url(article)).json()["results"]

    assert (shown["reply_count"], shown["replies"]) == (1, [])


@pytest.fixture
def ranked(article):
    """Four top-level comments with distinct times and scores, and one reply."""
    a = CommentFactory(article=article, created_at=at(1))
    b = CommentFactory(article=article, created_at=at(2))
    c = CommentFactory(article=article, created_at=at(3))
    d = CommentFactory(article=article, created_at=at(4))
    CommentFactory(article=article, parent=a, created_at=at(5))
    for comment, score in ((a, 2), (b, 9), (c, 2), (d, -1)):
        Comment.objects.filter(pk=comment.pk).update(score=score)
    return a, b, c, d


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("oldest", "abcd"),
        ("newest", "dcba"),
        ("top", "bcad"),  # ties broken by the newer id first
    ],
)
def test_sorts(api, article, ranked, sort, order):
    by_name = dict(zip("abcd", ranked, strict=True))

    body = api.get(thread_url(article), {"sort": sort}).json()

    assert ids(body["results"]) == [by_name[n].pk for n in order]


def test_default_sort_is_oldest(api, article, ranked):
    assert ids(api.get(thread_url(article)).json()["results"]) == [c.pk for c in ranked]


@pytest.mark.parametrize("sort", ["oldest", "newest", "top"])
@pytest.mark.parametrize("limit", [1, 2, 3, 7])
def test_cursors_walk_every_top_level_comment_once(api, article, sort, limit):
    comments = [CommentFactory(article=article, created_at=at(i % 4)) for i in range(7)]
    for i, comment in enumerate(comments):
        Comment.objects.filter(pk=comment.pk).update(score=i % 3)
    expected = ids(api.get(thread_url(article), {"sort": sort, "limit": 100}).json()["results"])

    seen, cursor, pages = [], None, 0
    while True:
        params = {"sort": sort, "limit": limit} | ({"cursor": cursor} if cursor else {})
        body = api.get(thread_url(article), params).json()
        assert len(body["results"]) <= limit
        seen += ids(body["results"])
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break

    assert seen == expected
    assert sorted(seen) == sorted(c.pk for c in comments)
    assert pages == -(-7 // limit)


def test_oldest_cursor_is_stable_while_comments_arrive(api, reader_api, article):
    first = [CommentFactory(article=article, created_at=at(i)) for i in range(4)]
    page1 = api.get(thread_url(article), {"limit": 2}).json()

    posted = reader_api.post(thread_url(article), {"body": "Late to the party"}, format="json")
    assert posted.status_code == 201

    page2 = api.get(thread_url(article), {"limit": 2, "cursor": page1["next_cursor"]}).json()
    page3 = api.get(thread_url(article), {"limit": 2, "cursor": page2["next_cursor"]}).json()
    assert ids(page1["results"]) == [first[0].pk, first[1].pk]
    assert ids(page2["results"]) == [first[2].pk, first[3].pk]
    assert ids(page3["results"]) == [posted.json()["id"]]
    assert page3["next_cursor"] is None


def test_newest_cursor_neither_repeats_nor_skips_when_comments_arrive(api, article):
    first = [CommentFactory(article=article, created_at=at(i)) for i in range(4)]
    page1 = api.get(thread_url(article), {"sort": "newest", "limit": 2}).json()
    CommentFactory(article=article)  # newer than everything: belongs before page 1

    page2 = api.get(
        thread_url(article), {"sort": "newest", "limit": 2, "cursor": page1["next_cursor"]}
    ).json()

    assert ids(page1["results"]) == [first[3].pk, first[2].pk]
    assert ids(page2["results"]) == [first[1].pk, first[0].pk]
    assert page2["next_cursor"] is None


def test_a_cursor_belongs_to_its_sort(api, article):
    for i in range(3):
        CommentFactory(article=article, created_at=at(i))
    cursor = api.get(thread_url(article), {"limit": 1}).json()["next_cursor"]

    response = api.get(thread_url(article), {"sort": "top", "cursor": cursor})

    assert_error(response, 400, "invalid_cursor")


def test_only_this_articles_comments(api, article):
    mine = CommentFactory(article=article)
    CommentFactory(article=ArticleFactory(site=article.site))

    assert ids(api.get(thread_url(article)).json()["results"]) == [mine.pk]


@pytest.mark.parametrize(
    ("site_slug", "key", "code"),
    [("daily", "no-such-article", "article_not_found"), ("nowhere", "budget-2026", None)],
)
def test_unknown_site_or_article_is_404(api, article, site_slug, key, code):
    response = api.get(f"/api/v1/sites/{site_slug}/articles/{key}/comments/")

    assert_error(response, 404, code or "article_not_found")


# Visibility: one matrix for the thread, the permalink and the replies list.

VIEWERS = ("anonymous", "author", "other")


def _client(viewer, api, reader, other_reader):
    return {"anonymous": api, "author": client_for(reader), "other": client_for(other_reader)}[
        viewer
    ]


@pytest.mark.parametrize(
    ("status", "visible_to"),
    [
        (S.PUBLISHED, {"anonymous", "author", "other"}),
        (S.PENDING, {"author"}),
        (S.HELD, {"author"}),
        (S.REJECTED, {"author"}),
        (S.REMOVED, {"author"}),
        (S.DELETED, set()),
    ],
)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_visibility_matrix(api, article, reader, other_reader, status, visible_to, viewer):
    comment = CommentFactory(article=article, author=reader, status=status)
    client = _client(viewer, api, reader, other_reader)
    visible = viewer in visible_to

    thread = client.get(thread_url(article)).json()["results"]
    permalink = client.get(comment_url(comment))
    replies = client.get(replies_url(comment))

    assert ids(thread) == ([comment.pk] if visible else [])
    if visible:
        assert permalink.status_code == 200
        assert permalink.json()["id"] == comment.pk
        assert ("status" in permalink.json()) is (viewer == "author")
        assert replies.json() == {"results": [], "next_cursor": None}
    else:
        assert_error(permalink, 404, "comment_not_found")
        assert_error(replies, 404, "comment_not_found")


def test_the_author_sees_why_their_comment_was_removed(article, reader):
    comment = CommentFactory(
        article=article,
        author=reader,
        status=S.REMOVED,
        moderation_clause_id="abuse",
        moderation_clause_title="No abuse",
        moderation_reason="Personal attack.",
    )

    body = client_for(reader).get(comment_url(comment)).json()

    assert body["status"] == "removed"
    assert body["moderation"] == {
        "clause_id": "abuse",
        "clause_title": "No abuse",
        "reason": "Personal attack.",
    }


@pytest.mark.parametrize("status", [S.DELETED, S.REMOVED])
def test_tombstone_keeps_its_replies_in_place(api, article, reader, status):
    top = CommentFactory(article=article, author=reader, created_at=at(1))
    reply = CommentFactory(article=article, parent=top, created_at=at(2))
    Comment.objects.filter(pk=top.pk).update(
        status=status, body="" if status == S.DELETED else top.body
    )

    [shown] = api.get(thread_url(article)).json()["results"]

    assert shown["id"] == top.pk
    assert shown["deleted"] is True
    assert shown["author"] is None
    assert shown["html"] == ""
    assert ids(shown["replies"]) == [reply.pk]
    assert api.get(comment_url(top)).json()["deleted"] is True


def test_replies_of_a_hidden_reply_are_not_shown(api, article, reader):
    top = CommentFactory(article=article, created_at=at(1))
    held = CommentFactory(article=article, parent=top, status=S.HELD, created_at=at(2))
    CommentFactory(article=article, parent=held, created_at=at(3))

    [shown] = api.get(thread_url(article)).json()["results"]

    assert (shown["reply_count"], shown["replies"]) == (0, [])


def test_the_authors_pending_reply_is_shown_to_them_only(api, article, reader):
    top = CommentFactory(article=article, created_at=at(1))
    pending = CommentFactory(article=article, parent=top, author=reader, status=S.PENDING)

    [for_author] = client_for(reader).get(thread_url(article)).json()["results"]
    [for_others] = api.get(thread_url(article)).json()["results"]

    assert [(r["id"], r["status"]) for r in for_author["replies"]] == [(pending.pk, "pending")]
    assert for_others["replies"] == []


# More replies.


def test_replies_endpoint_pages_direct_replies_with_their_first_replies(api, article):
    article.site.replies_per_comment = 1
    article.site.save()
    top = CommentFactory(article=article, created_at=at(0))
    replies = [CommentFactory(article=article, parent=top, created_at=at(i)) for i in range(1, 6)]
    under = [
        CommentFactory(article=article, parent=replies[3], created_at=at(10 + i)) for i in range(2)
    ]

    page1 = api.get(replies_url(top), {"limit": 3}).json()
    page2 = api.get(replies_url(top), {"limit": 3, "cursor": page1["next_cursor"]}).json()

    assert ids(page1["results"]) == [r.pk for r in replies[:3]]
    assert ids(page2["results"]) == [r.pk for r in replies[3:]]
    assert page2["next_cursor"] is None
    assert ids(page2["results"][0]["replies"]) == [under[0].pk]
    assert page2["results"][0]["reply_count"] == 2


def test_replies_endpoint_stops_at_the_site_depth(api, article):
    article.site.max_depth = 2
    article.site.save()
    top = CommentFactory(article=article, created_at=at(0))
    r1 = CommentFactory(article=article, parent=top, created_at=at(1))
    r2 = CommentFactory(article=article, parent=r1, created_at=at(2))

    body = api.get(replies_url(r1)).json()

    assert ids(body["results"]) == [r2.pk]
    assert body["results"][0]["replies"] == []


def test_permalink_of_a_reply(api, article):
    top = CommentFactory(article=article)
    reply = CommentFactory(article=article, parent=top)

    body = api.get(comment_url(reply)).json()

    assert (body["id"], body["parent"]) == (reply.pk, top.pk)


@pytest.mark.parametrize("comment_id", [0, 999_999, 999_999_999_999_999_999])
def test_permalink_of_an_unknown_id_is_404(api, db, comment_id):
    assert_error(api.get(comment_url(comment_id)), 404, "comment_not_found")


# The hot path: a constant number of queries whatever the article or page size.


@pytest.fixture
def big_article(article):
    """An article of 360 comments: 120 top-level, each with a reply and a reply to that."""
    authors = [CommenterFactory() for _ in range(5)]
    tops = Comment.objects.bulk_create(
        Comment(
            site=article.site,
            article=article,
            author=authors[i % 5],
            body="top",
            html="<p>top</p>",
            status=S.PUBLISHED,
            reply_count=1,
            created_at=at(i),
        )
        for i in range(120)
    )
    tops = list(Comment.objects.filter(article=article).order_by("pk"))
    level1 = Comment.objects.bulk_create(
        Comment(
            site=article.site,
            article=article,
            parent=top,
            root=top,
            depth=1,
            author=authors[(i + 1) % 5],
            body="reply",
            html="<p>reply</p>",
            status=S.PUBLISHED,
            reply_count=1,
            created_at=at(200 + i),
        )
        for i, top in enumerate(tops)
    )
    level1 = list(Comment.objects.filter(article=article, depth=1).order_by("pk"))
    Comment.objects.bulk_create(
        Comment(
            site=article.site,
            article=article,
            parent=reply,
            root_id=reply.root_id,
            depth=2,
            author=authors[(i + 2) % 5],
            body="reply to reply",
            html="<p>reply to reply</p>",
            status=S.PUBLISHED,
            created_at=at(400 + i),
        )
        for i, reply in enumerate(level1)
    )
    assert Comment.objects.filter(article=article).count() == 360
    return article


@pytest.mark.parametrize("limit", [5, 20, 100])
def test_thread_page_costs_three_queries_anonymous(
    api, big_article, django_assert_num_queries, limit
):
    with django_assert_num_queries(3):
        response = api.get(thread_url(big_article), {"limit": limit})

    results = response.json()["results"]
    assert len(results) == limit
    assert all(len(c["replies"]) == 1 and len(c["replies"][0]["replies"]) == 1 for c in results)


@pytest.mark.parametrize("sort", ["oldest", "newest", "top"])
def test_thread_page_costs_six_queries_signed_in_then_four_from_the_cache(
    reader_api, big_article, django_assert_num_queries, sort
):
    cursor = reader_api.get(thread_url(big_article), {"sort": sort}).json()["next_cursor"]

    # token, article, the shared page and its replies (comments.pagecache), own, votes
    with django_assert_num_queries(6):
        first = reader_api.get(thread_url(big_article), {"sort": sort, "cursor": cursor})
    # token, article, own, votes: the shared page comes from the cache
    with django_assert_num_queries(4):
        again = reader_api.get(thread_url(big_article), {"sort": sort, "cursor": cursor})

    assert len(first.json()["results"]) == 20
    assert again.json() == first.json()


def test_replies_page_costs_three_queries(api, article, django_assert_num_queries):
    top = CommentFactory(article=article)
    for _ in range(30):
        reply = CommentFactory(article=article, parent=top)
        CommentFactory(article=article, parent=reply)

    with django_assert_num_queries(3):
        response = api.get(replies_url(top), {"limit": 25})

    assert len(response.json()["results"]) == 25


def test_permalink_costs_one_query(api, article, django_assert_num_queries):
    comment = CommentFactory(article=article)

    with django_assert_num_queries(1):
        assert api.get(comment_url(comment)).status_code == 200


def test_thread_page_selector_nests_without_the_api(article):
    top = CommentFactory(article=article, created_at=at(1))
    reply = CommentFactory(article=article, parent=top, created_at=at(2))

    page = thread_page(article=article, viewer=None)

    assert [c.pk for c in page.items] == [top.pk]
    assert [r.pk for r in page.items[0].shown_replies] == [reply.pk]


@pytest.mark.parametrize("param", ["limit", "cursor"])
def test_an_empty_page_parameter_is_refused(api, article, param):
    response = api.get(thread_url(article), {param: ""})

    error = assert_error(response, 400, "invalid")
    assert list(error["detail"]["fields"]) == [param]
