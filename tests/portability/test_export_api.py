"""The streamed export endpoint (moderation API) and the export command: permissions, the
documented shape, nothing secret, and a constant number of queries whatever the size."""

import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from comments.models import CommentStatus
from moderation.models import Role
from tests.factories import (
    ArticleFactory,
    CommentFactory,
    SiteFactory,
    SiteRoleFactory,
    UserFactory,
)

S = CommentStatus


def api_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def daily(db):
    site = SiteFactory(slug="daily", name="The Daily")
    article = ArticleFactory(site=site, key="budget", url="https://news.example/budget")
    top = CommentFactory(article=article, body="First *words*", user_ip="192.0.2.1")
    CommentFactory(article=article, parent=top, body="A reply", user_agent="Secret/1.0")
    CommentFactory(article=article, status=S.HELD, body="Held one")
    return site


def lines(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode()
    assert body.endswith("\n")
    return [json.loads(line) for line in body.splitlines()]


@pytest.mark.parametrize(
    ("who", "status", "code"),
    [
        ("anonymous", 401, "not_authenticated"),
        ("reader", 403, "not_moderator"),
        ("other_moderator", 403, "not_moderator"),
        ("moderator", 200, None),
        ("site_admin", 200, None),
        ("superuser", 200, None),
    ],
)
def test_who_may_export(daily, who, status, code):
    users = {
        "anonymous": None,
        "reader": UserFactory(username="reader"),
        "other_moderator": SiteRoleFactory(site=SiteFactory(slug="weekly")).user,
        "moderator": SiteRoleFactory(site=daily, role=Role.MODERATOR).user,
        "site_admin": SiteRoleFactory(site=daily, role=Role.ADMIN).user,
        "superuser": UserFactory(username="root", is_staff=True, is_superuser=True),
    }
    response = api_for(users[who]).get("/api/v1/moderation/sites/daily/export/")
    assert response.status_code == status
    if code:
        assert response.json()["error"]["code"] == code
    else:
        assert response.streaming


def test_a_client_may_ask_for_json_lines(daily):
    moderator = SiteRoleFactory(site=daily).user
    client = api_for(moderator)
    response = client.get(
        "/api/v1/moderation/sites/daily/export/", HTTP_ACCEPT="application/x-ndjson"
    )
    assert response.status_code == 200
    assert lines(response)[-1]["type"] == "end"
    refused = api_for(None).get(
        "/api/v1/moderation/sites/daily/export/", HTTP_ACCEPT="application/x-ndjson"
    )
    assert refused.status_code == 401
    # The error is the usual JSON body, labelled as JSON (not as the JSON lines asked for).
    assert refused["Content-Type"] == "application/json"
    assert json.loads(refused.content)["error"]["code"] == "not_authenticated"


def test_unknown_site_is_404_to_a_moderator(daily):
    moderator = SiteRoleFactory(site=daily).user
    response = api_for(moderator).get("/api/v1/moderation/sites/nope/export/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "site_not_found"


def test_export_shape_and_nothing_secret(daily):
    moderator = SiteRoleFactory(site=daily).user
    response = api_for(moderator).get("/api/v1/moderation/sites/daily/export/")
    assert response["Content-Type"] == "application/x-ndjson; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="daily-comments.jsonl"'
    records = lines(response)
    assert [r["type"] for r in records] == [
        "parley-export",
        "article",
        "commenter",
        "commenter",
        "commenter",
        "comment",
        "comment",
        "comment",
        "end",
    ]
    header, article = records[:2]
    assert header["version"] == 1 and header["site"] == {"slug": "daily", "name": "The Daily"}
    assert article["key"] == "budget" and article["url"] == "https://news.example/budget"
    first, reply = records[5], records[6]
    assert set(first) == {
        "type", "id", "article", "parent", "author", "body", "html", "status", "created_at",
        "edited_at", "status_changed_at", "upvotes", "downvotes", "featured", "moderation",
    }  # fmt: skip
    assert first["body"] == "First *words*" and first["html"] == "<p>First <em>words</em></p>"
    assert reply["parent"] == first["id"] and reply["article"] == article["id"]
    assert records[7]["status"] == "held"
    assert records[-1] == {
        "type": "end",
        "counts": {"articles": 1, "commenters": 3, "comments": 3},
    }
    text = json.dumps(records)
    for secret in ("192.0.2.1", "Secret/1.0", "user_ip", "email", "api_key", "reader-pass"):
        assert secret not in text


def test_export_queries_do_not_grow_with_the_site(daily):
    moderator = SiteRoleFactory(site=daily).user
    client = api_for(moderator)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            lines(client.get("/api/v1/moderation/sites/daily/export/"))
        return len(captured)

    small = queries()
    article = daily.articles.get()
    for _ in range(30):
        CommentFactory(article=article)
    assert queries() == small


def test_export_command_to_a_gzipped_file(daily, tmp_path, capsys):
    import gzip

    out = tmp_path / "daily.jsonl.gz"
    call_command("export_comments", "--site=daily", f"--output={out}")
    with gzip.open(out, "rt", encoding="utf-8") as stream:
        records = [json.loads(line) for line in stream]
    assert records[-1]["counts"]["comments"] == 3
    assert "Exported 9 lines of site 'daily'" in capsys.readouterr().err


def test_export_command_to_stdout(daily, capsys):
    call_command("export_comments", "--site=daily")
    out = capsys.readouterr().out.splitlines()
    assert json.loads(out[0])["type"] == "parley-export"
    assert json.loads(out[-1])["type"] == "end"


def test_the_schema_documents_the_export(daily):
    from tests.openapi import assert_matches_schema, openapi

    operation = openapi()["paths"]["/api/v1/moderation/sites/{site}/export/"]["get"]
    assert operation["operationId"] == "moderation_export"
    assert set(operation["responses"]["200"]["content"]) == {"application/x-ndjson"}
    assert_matches_schema(api_for(None).get("/api/v1/moderation/sites/daily/export/"))
    reader = UserFactory(username="reader")
    assert_matches_schema(api_for(reader).get("/api/v1/moderation/sites/daily/export/"))


def test_the_export_schema_generates_without_warnings():
    import io

    from drf_spectacular.drainage import GENERATOR_STATS

    out = io.StringIO()
    GENERATOR_STATS.reset()
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--urlconf",
        "tests.portability.portability_urls",
        stdout=out,
    )
    assert "moderation_export" in out.getvalue()
