"""The moderators' admin: the appeal and notice queues (scoped, escaped, decided through the
services) and the transparency page (charts from a local Chart.js, no inline script)."""

import re

import pytest
from django.contrib.messages import get_messages

from accountability.models import Appeal, Notice
from comments.models import CommentStatus
from moderation.services import comment_reject
from tests.factories import CommentFactory

from .conftest import ROLES, api_for, browser_for

S = CommentStatus
APPEALS = "/admin/accountability/appeal/"
NOTICES = "/admin/accountability/notice/"
REPORT = "/admin/accountability/appeal/transparency/"


@pytest.fixture
def appealed(reader, moderator, make_held):
    held = make_held(author=reader)
    comment_reject(by=moderator, comment_id=held.pk, clause_id="civility")
    api_for(reader.user).post(
        f"/api/v1/comments/{held.pk}/appeals/",
        {"explanation": "<script>alert(1)</script> was a quote"},
        format="json",
    )
    return Appeal.objects.get()


def test_the_appeal_queue_lists_escaped_and_counts(moderator, appealed):
    html = browser_for(moderator).get(APPEALS).content.decode()
    assert "Appeals: 1 open, 0 overdue" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; was a quote" in html
    assert "<script>alert(1)</script>" not in html
    assert f"comment {appealed.comment_id}</a>: rejected (civility)" in html
    assert "Only a nincompoop would vote for this." in html  # what was decided


def test_reversing_from_the_admin_goes_through_the_service(second_moderator, appealed):
    response = browser_for(second_moderator).post(
        APPEALS,
        {"action": "reverse", "_selected_action": [appealed.pk], "note": "Quoted, not meant."},
    )
    assert response.status_code == 302
    appealed.refresh_from_db()
    assert (appealed.state, appealed.reviewer, appealed.outcome_note) == (
        "reversed",
        second_moderator,
        "Quoted, not meant.",
    )
    assert appealed.comment.status == S.PUBLISHED


def test_the_deciding_moderator_is_refused_in_the_admin_too(moderator, second_moderator, appealed):
    response = browser_for(moderator).post(
        APPEALS, {"action": "reverse", "_selected_action": [appealed.pk]}
    )
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("Another moderator of the site must review" in t for t in texts)
    appealed.refresh_from_db()
    assert appealed.state == "open"


def test_the_notice_queue_and_its_decision(moderator, article, policy):
    comment = CommentFactory(article=article, status=S.PUBLISHED)
    api_for(None).post(
        f"/api/v1/comments/{comment.pk}/notices/",
        {"legal_ground": "Defamation", "explanation": "x", "good_faith": True, "email": "n@x.org"},
        format="json",
    )
    client = browser_for(moderator)
    html = client.get(NOTICES).content.decode()
    assert "Notices of illegal content: 1 open" in html
    assert "guest &lt;n@x.org&gt;" in html
    notice = Notice.objects.get()
    client.post(
        NOTICES, {"action": "illegal", "_selected_action": [notice.pk], "clause": "civility"}
    )
    notice.refresh_from_db()
    comment.refresh_from_db()
    assert (notice.outcome, comment.status) == ("illegal", S.REMOVED)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", [APPEALS, NOTICES, REPORT])
def test_admin_pages_permission_matrix(role, page, users, appealed):
    response = browser_for(users[role]).get(page)
    if role == "anonymous":
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    elif role == "reader":
        assert response.status_code in (302, 403)  # not staff: the admin's own sign-in
    elif role == "other_moderator":
        assert response.status_code == 200
        assert str(appealed.explanation[:10]) not in response.content.decode()
    else:
        assert response.status_code == 200


def test_the_transparency_page_draws_charts_from_local_scripts_only(moderator, appealed):
    response = browser_for(moderator).get(REPORT, {"site": "daily"})
    assert response.status_code == 200
    html = response.content.decode()
    scripts = re.findall(r"<script[^>]*>", html)
    assert '<script src="/static/accountability/vendor/chart-4.6.1.umd.min.js">' in scripts
    assert '<script src="/static/accountability/transparency.js">' in scripts
    # Every script is a local file or the JSON data block; nothing from another origin.
    for tag in scripts:
        assert "//" not in tag, tag
        assert 'src="/static/' in tag or 'type="application/json"' in tag, tag
    assert '<script id="pa-chart-data" type="application/json">' in html
    assert "Appeals received</th><td>1 (0 upheld, 0 reversed, 1 open)" in html
    assert "/api/v1/moderation/sites/daily/transparency.csv?site=daily" in html
    csp = response.headers.get("Content-Security-Policy", "")
    assert "script-src 'self'" in csp


def test_another_sites_report_is_refused_on_the_page(users, appealed):
    response = browser_for(users["other_moderator"]).get(REPORT, {"site": "daily"})
    html = response.content.decode()
    assert "You are not a moderator of this site." in html
    assert "pa-chart-data" not in html


def test_a_bad_date_is_ignored(moderator, appealed):
    response = browser_for(moderator).get(REPORT, {"site": "daily", "since": "yesterday"})
    assert response.status_code == 200


def test_the_appeal_queue_links_the_report_and_waits_read_as_durations(moderator, appealed):
    html = browser_for(moderator).get(APPEALS).content.decode()
    assert f'<a href="{REPORT}">Transparency report</a>' in html
    page = browser_for(moderator).get(REPORT, {"site": "daily"}).content.decode()
    assert "Median time to a decision</th><td>comments: " in page
    assert "appeals: none; notices: none" in page  # nothing decided yet


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "none"),
        (40.2, "40 s"),
        (720, "12 min"),
        (3.5 * 3600, "3.5 h"),
        (2.1 * 86400, "2.1 days"),
    ],
)
def test_durations(seconds, text):
    from accountability.admin import _duration

    assert _duration(seconds) == text
