"""The queue in the admin: what a row shows, escaping, bulk actions, roles, query counts."""

import pytest
from django.contrib.messages import get_messages

from comments.models import CommentStatus
from moderation.display import evidence_spans, highlighted
from moderation.models import ModeratorAction, Role, SiteRole
from policy.models import Standing
from tests.factories import (
    CommenterFactory,
    CommentFactory,
    ReportFactory,
    StandingFactory,
    UserFactory,
)

from .conftest import browser_for, decide_by_policy

S = CommentStatus
QUEUE = "/admin/moderation/queuecomment/"


def test_a_row_shows_text_evidence_author_reports_and_parent(moderator, article, make_held):
    parent = CommentFactory(article=article, status=S.PUBLISHED, body="Parent remark.")
    comment = make_held("Only a nincompoop would say so.", parent=parent)
    ReportFactory(
        comment=comment, reporter=CommenterFactory(display_name="Zed"), clause_id="civility"
    )
    html = browser_for(moderator).get(QUEUE).content.decode()
    assert 'Only a <mark class="pm-evidence">nincompoop</mark> would say so.' in html
    assert '<span class="pm-clause" data-clause="civility">§1 Be civil</span>' in html
    assert "matched: “nincompoop”" in html
    assert "In reply to" in html and "Parent remark." in html
    assert "Zed cites <span" in html
    assert f"?author={comment.author.public_id}" in html
    assert "0 approved · 0 rejected · 0 removed · 1 reported" in html
    assert f'data-decision-url="/api/v1/moderation/comments/{comment.pk}/decision/"' in html
    assert '<option value="civility" selected>§1 Be civil</option>' in html
    assert 'class="pm-tab pm-current" data-queue="held" aria-current="page">Held' in html
    assert '<span class="pm-count">1</span>' in html


def test_every_reader_supplied_string_is_escaped(moderator, article, policy):
    evil = "<script>alert(1)</script>"
    author = CommenterFactory(display_name="<b>Eve</b>")
    parent = CommentFactory(article=article, status=S.PUBLISHED, body=f"parent {evil}")
    comment = CommentFactory(
        article=article,
        parent=parent,
        author=author,
        status=S.PENDING,
        body=f"{evil} you nincompoop",
    )
    decide_by_policy(comment)
    ReportFactory(
        comment=comment,
        reporter=CommenterFactory(display_name="<i>Rep</i>"),
        clause_id="<civ>",
        note='<img src=x onerror="alert(2)">',
    )
    StandingFactory(site=article.site, commenter=author, state="warned", reason="<u>why</u>")
    for url in (QUEUE, f"{QUEUE}{comment.pk}/change/"):
        html = browser_for(moderator).get(url).content.decode()
        for raw in (evil, "<b>Eve</b>", "<i>Rep</i>", "<img src=x", "<civ>", "<u>why</u>"):
            assert raw not in html, (url, raw)
        assert "&lt;script&gt;alert(1)&lt;/script&gt; you <mark" in html
        assert "&lt;b&gt;Eve&lt;/b&gt;" in html
        assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in html


M = '<mark class="pm-evidence">'


@pytest.mark.parametrize(
    ("hits", "expected"),
    [
        ([], "a &lt;b&gt; c"),
        ([{"evidence": {"matches": [[2, 5, "<b>"]]}}], f"a {M}&lt;b&gt;</mark> c"),
        # "spans" was never written by a rule: not a key the queue reads
        ([{"evidence": {"spans": [[0, 1, "a"]]}}], "a &lt;b&gt; c"),
        # overlapping spans merge; spans past the end or malformed are dropped
        (
            [{"evidence": {"matches": [[0, 3, "a <"], [2, 5, "<b>"], [40, 50, "x"], ["0", 1]]}}],
            f"{M}a &lt;b&gt;</mark> c",
        ),
        # an edited body: the span is found again by its text
        ([{"evidence": {"matches": [[4, 5, "c"]]}}], f"a &lt;b&gt; {M}c</mark>"),
        ([{"evidence": "not a dict"}, "not a hit"], "a &lt;b&gt; c"),
    ],
)
def test_highlighting(hits, expected):
    assert highlighted("a <b> c", hits) == expected


def test_evidence_spans_merges_and_sorts():
    hits = [{"evidence": {"matches": [[6, 8, "gh"], [0, 2, "ab"], [1, 3, "bc"]]}}]
    assert evidence_spans(hits, "abcdefgh") == [(0, 3), (6, 8)]


def _action(client, action: str, comments, **fields):
    return client.post(
        QUEUE,
        {
            "action": action,
            "_selected_action": [c.pk for c in comments],
            "index": 0,
            "clause": "",
            "note": "",
            "days": "",
            **fields,
        },
        follow=True,
    )


def test_bulk_approve_and_reject(moderator, make_held):
    a, b, c = make_held(), make_held(), make_held()
    client = browser_for(moderator)
    response = _action(client, "approve", [a, b])
    assert "Approved: 2." in [str(m) for m in get_messages(response.wsgi_request)]
    response = _action(client, "reject_or_remove", [c], clause="spam", note="Advert")
    assert "Rejected or removed: 1." in [str(m) for m in get_messages(response.wsgi_request)]
    # A published comment is removed instead, from the published queue (an action applies to
    # the rows of the queue in view).
    client.post(
        f"{QUEUE}?queue=published",
        {"action": "reject_or_remove", "_selected_action": [a.pk], "index": 0, "clause": "spam"},
    )
    for comment, status in [(a, S.REMOVED), (b, S.PUBLISHED), (c, S.REJECTED)]:
        comment.refresh_from_db()
        assert comment.status == status
    c.refresh_from_db()
    assert (c.moderation_clause_id, c.moderation_reason) == ("spam", "Advert")


def test_bulk_reject_without_a_clause_changes_nothing(moderator, held, unchanged):
    client = browser_for(moderator)
    with unchanged():
        response = _action(client, "reject_or_remove", [held])
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any(t.startswith("Not done: #") and "clause" in t for t in texts)


def test_author_actions(moderator, article, make_held, reader):
    comment = make_held(author=reader)
    recent = CommentFactory(article=article, author=reader, status=S.PUBLISHED)
    client = browser_for(moderator)
    _action(client, "warn_authors", [comment], note="Mind your language.")
    standing = Standing.objects.get(commenter=reader)
    assert (standing.state, standing.message) == ("warned", "Mind your language.")
    _action(client, "suspend_authors", [comment], days="3")
    standing.refresh_from_db()
    assert standing.state == "suspended" and standing.until is not None
    _action(client, "ban_authors_and_take_down", [comment], note="Enough.")
    standing.refresh_from_db()
    assert standing.state == "banned"
    comment.refresh_from_db()
    recent.refresh_from_db()
    assert (comment.status, recent.status) == (S.REJECTED, S.REMOVED)
    client.post(
        f"{QUEUE}?queue=rejected",
        {"action": "restore_authors", "_selected_action": [comment.pk], "index": 0},
    )
    standing.refresh_from_db()
    assert standing.state == "active"
    changes = list(
        ModeratorAction.objects.filter(kind="standing")
        .order_by("id")
        .values_list("standing_from", "standing_to")
    )
    assert changes == [
        ("active", "warned"),
        ("warned", "suspended"),
        ("suspended", "banned"),
        ("banned", "active"),
    ]
    # standing and the action log are one click away, and show it
    html = client.get(f"/admin/moderation/moderatoraction/?commenter={reader.public_id}")
    assert b"banned \xe2\x86\x92 active" in html.content
    html = client.get("/admin/moderation/commenterstanding/")
    assert reader.display_name.encode() in html.content


def test_the_comment_page_shows_its_whole_history(moderator, mod_api, held):
    mod_api.post(
        f"/api/v1/moderation/comments/{held.pk}/decision/",
        {"action": "reject", "clause": "spam", "note": "Advert."},
        format="json",
    )
    html = browser_for(moderator).get(f"{QUEUE}{held.pk}/change/").content.decode()
    assert "pending → held" in html
    assert "held → rejected" in html
    assert "decided: hold" in html
    assert "moderator: mod" in html
    assert "spam: No advertising" in html


def test_admin_filters(moderator, article, make_held, reader):
    mine = make_held(author=reader)
    other = make_held("A buffoon.")
    client = browser_for(moderator)

    def rows(**params) -> set[int]:
        html = client.get(QUEUE, params).content.decode()
        return {c.pk for c in (mine, other) if f'data-id="{c.pk}"' in html}

    assert rows() == {mine.pk, other.pk}
    assert rows(author=reader.public_id) == {mine.pk}
    assert rows(q="buffoon") == {other.pk}
    assert rows(clause="civility") == {mine.pk, other.pk}
    assert rows(clause="spam") == set()
    assert rows(article=str(article.pk)) == {mine.pk, other.pk}
    assert rows(queue="published") == set()


@pytest.mark.parametrize("rows", [2, 6])
def test_queue_page_queries_do_not_grow_with_rows(
    moderator, article, reader, policy, rows, django_assert_num_queries
):
    for i in range(rows):
        parent = CommentFactory(article=article, status=S.PUBLISHED)
        comment = CommentFactory(
            article=article, parent=parent, status=S.PENDING, body=f"Nincompoop {i}."
        )
        decide_by_policy(comment)
        ReportFactory(comment=comment, reporter=reader, clause_id="civility")
    client = browser_for(moderator)
    client.get(QUEUE)  # warm the session and the compiled policy
    # session, user, roles, queue counts, sites (filter and clause lists), articles, page
    # count, Django's permission lookups (2), page, decisions, reports, the admin-role check
    # for the sidebar, and whether the account has or needs a second factor (security
    # middleware): none of it per row (the policy comes from the process cache).
    with django_assert_num_queries(14):
        response = client.get(QUEUE)
    assert response.content.decode().count('class="pm-row"') == rows


def test_site_admin_grants_a_role_through_the_admin(users, site):
    newcomer = UserFactory(username="newmod")
    client = browser_for(users["site_admin"])
    response = client.post(
        "/admin/moderation/siterole/add/",
        {"username": "newmod", "site": site.pk, "role": Role.MODERATOR},
    )
    assert response.status_code == 302, response.content
    role = SiteRole.objects.get(user=newcomer)
    assert (role.site, role.role, role.granted_by) == (site, "moderator", users["site_admin"])
    newcomer.refresh_from_db()
    assert newcomer.is_staff
    assert browser_for(newcomer).get(QUEUE).status_code == 200


def test_a_site_admin_cannot_grant_roles_on_another_site(users, other_site, unchanged):
    UserFactory(username="newmod")
    client = browser_for(users["site_admin"])
    with unchanged():
        response = client.post(
            "/admin/moderation/siterole/add/",
            {"username": "newmod", "site": other_site.pk, "role": Role.ADMIN},
        )
    assert response.status_code == 200  # the form again, with the error
    assert b"Select a valid choice" in response.content


def test_a_moderator_cannot_open_another_sites_comment(users, held):
    response = browser_for(users["other_moderator"]).get(f"{QUEUE}{held.pk}/change/")
    assert response.status_code == 403
    response = browser_for(users["moderator"]).get(f"{QUEUE}99999999/change/")
    assert response.status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        "queue=everything",
        "site=abc",
        "site=99999",
        "article=x",
        "clause=%3Cscript%3E",
        "author=" + "z" * 300,
        "status__exact=nonsense",
        "q=" + "%25" * 50,
        "o=99",
        "p=999",
    ],
)
def test_odd_queue_parameters_never_fail(moderator, held, query):
    response = browser_for(moderator).get(f"{QUEUE}?{query}")
    assert response.status_code == 200


def test_an_unreadable_date_filter_is_the_admins_error_redirect(moderator, held):
    response = browser_for(moderator).get(f"{QUEUE}?created_at__gte=not-a-date")
    assert response.status_code == 302
    assert response["Location"] == f"{QUEUE}?e=1"
