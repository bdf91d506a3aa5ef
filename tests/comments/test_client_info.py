"""Where a comment came from is kept for spam checks, never shown, and erased after a while."""

from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from comments.models import Comment

from ..factories import CommentFactory
from .conftest import thread_url


def test_a_post_keeps_the_client_ip_and_user_agent_but_never_shows_them(reader_api, article):
    response = reader_api.post(
        thread_url(article),
        {"body": "Noted."},
        format="json",
        REMOTE_ADDR="2001:db8::7",
        HTTP_USER_AGENT="Mozilla/5.0 (test)",
    )

    assert response.status_code == 201
    comment = Comment.objects.get(pk=response.json()["id"])
    assert (comment.user_ip, comment.user_agent) == ("2001:db8::7", "Mozilla/5.0 (test)")
    shown = reader_api.get(thread_url(article)).content.decode()
    assert "2001:db8::7" not in shown and "Mozilla" not in shown
    assert "2001:db8::7" not in response.content.decode()


def test_forget_client_info_erases_old_values_only(article, capsys):
    old = CommentFactory(
        article=article,
        user_ip="198.51.100.1",
        user_agent="old",
        created_at=timezone.now() - timedelta(days=31),
    )
    recent = CommentFactory(article=article, user_ip="198.51.100.2", user_agent="recent")

    call_command("forget_client_info", "--days", "30")

    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.user_ip, old.user_agent) == (None, "")
    assert (recent.user_ip, recent.user_agent) == ("198.51.100.2", "recent")
    assert "1 comments" in capsys.readouterr().out


def test_a_forged_forwarded_for_header_is_not_believed(reader_api, article):
    response = reader_api.post(
        thread_url(article),
        {"body": "Hello."},
        format="json",
        REMOTE_ADDR="192.0.2.10",
        HTTP_X_FORWARDED_FOR="10.9.8.7",
    )

    assert Comment.objects.get(pk=response.json()["id"]).user_ip == "192.0.2.10"


def test_a_server_that_sets_no_remote_addr_still_takes_the_post(reader_api, article):
    # Found by tests/test_api_fuzz.py: werkzeug's test client, like some WSGI servers, sets none.
    response = reader_api.post(
        thread_url(article), {"body": "Hello."}, format="json", REMOTE_ADDR=None
    )

    assert response.status_code == 201, response.content
    assert Comment.objects.get(pk=response.json()["id"]).user_ip is None
