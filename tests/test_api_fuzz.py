"""Every operation of Parley's OpenAPI schema, fed requests that schemathesis generates from the
schema itself (bodies, query strings and headers that fit it, and many that do not), sent to the
WSGI application as production serves it (the fast path in front of Django), by each kind of
caller: an anonymous visitor, a signed-in reader, a moderator of the site and the host's server
with the site's API key.

The contract, for any input: no answer is a 5xx, and every 4xx is the one error shape
(tests/errors.py). Examples are derandomised, so a failure found here
is found again on the next run, and the run takes the same time every time.
"""

from collections.abc import Callable

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.test import Client
from hypothesis import HealthCheck, Phase, settings
from rest_framework.authtoken.models import Token

from accountability.models import Notice
from accountability.services import appeal_create
from comments.models import Comment
from comments.services import site_rotate_api_key
from embed.models import SSOIdentity
from moderation.models import Role
from policy.services import default_policy_source, policy_save

from .errors import assert_error_body
from .factories import (
    ArticleFactory,
    CommenterFactory,
    CommentFactory,
    SiteFactory,
    SiteRoleFactory,
)
from .openapi import openapi
from .wsgi import own_connection

# Examples per operation; each is sent by the four callers.
EXAMPLES = 12


def _schema() -> schemathesis.schemas.BaseSchema:
    from config.wsgi import application

    # The document /api/schema/ serves, built without a request.
    loaded = schemathesis.openapi.from_dict(openapi())
    loaded.app = application
    return loaded


schema = _schema()


@pytest.fixture
def world(db) -> dict[str, object]:
    """One site with the default policy, an article, a reader's comment and another's, a held
    comment with an appeal, a notice, the reader's identity on the host, and a token or key for
    each caller. The examples of one operation share it (hence the suppressed health check);
    each operation starts from a fresh one."""
    site = SiteFactory(slug="daily")
    policy_save(site=site, source=default_policy_source(), note="fuzz")
    article = ArticleFactory(site=site, key="budget-2026")
    reader = CommenterFactory(user__username="alice", display_name="Alice")
    other = CommenterFactory(user__username="bob", display_name="Bob")
    theirs = CommentFactory(article=article, author=other, body="The figures are late again.")
    CommentFactory(article=article, author=reader, parent=theirs, body="They always are.")
    posted = Client().post(
        f"/api/v1/sites/{site.slug}/articles/{article.key}/comments/",
        {"body": "You are an idiot if you believe that."},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {_token(reader.user)}",
    )
    held = Comment.objects.get(pk=posted.json()["id"])
    appeal = appeal_create(appellant=reader, comment_id=held.pk, explanation="Look again.")
    Client().post(
        f"/api/v1/comments/{theirs.pk}/notices/",
        {"legal_ground": "Defamation", "explanation": "x", "good_faith": True, "email": "n@x.org"},
        content_type="application/json",
    )
    SSOIdentity.objects.create(site=site, external_id="host-user-1", commenter=reader)
    moderator = get_user_model().objects.create_user("mod", is_staff=True)
    SiteRoleFactory(user=moderator, site=site, role=Role.MODERATOR)
    return {
        "reader": reader.user,
        "moderator": moderator,
        "site_key": site_rotate_api_key(site=site),
        "path": {
            "site": site.slug,
            "key": article.key,
            "comment_id": theirs.pk,
            "author": reader.public_id,
            "external_id": "host-user-1",
            "appeal_id": appeal.pk,
            "notice_id": Notice.objects.get(comment=theirs).pk,
        },
    }


def _token(user) -> str:
    # Fetched for each request: a generated sign-out may have deleted the last one.
    return Token.objects.get_or_create(user=user)[0].key


CALLERS: dict[str, Callable[[dict], dict[str, str]]] = {
    "anonymous": lambda world: {},
    "reader": lambda world: {"Authorization": f"Token {_token(world['reader'])}"},
    "moderator": lambda world: {"Authorization": f"Token {_token(world['moderator'])}"},
    "host": lambda world: {"Authorization": f"SiteKey {world['site_key']}"},
}


def assert_error_shape(response, context) -> None:
    content_type = {k.lower(): v for k, v in response.headers.items()}.get("content-type", [""])
    assert content_type[0].startswith("application/json"), context
    assert_error_body(response.json(), context)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_no_input_is_a_server_error_and_every_refusal_has_the_error_shape(case, world):
    # Generated path values would mostly miss (404); aim them at rows that exist, so the
    # generated bodies and queries reach the code behind the lookup.
    for name in case.path_parameters or {}:
        if name in world["path"]:
            case.path_parameters[name] = world["path"][name]
    for caller, credentials in CALLERS.items():
        headers = {**(case.headers or {}), **credentials(world)}
        with own_connection():  # no request closes the test's connection (and transaction)
            response = case.call(headers=headers)
        context = (caller, case.as_curl_command(headers), response.text[:500])
        assert response.status_code < 500, context
        if 400 <= response.status_code < 500:
            assert_error_shape(response, context)


def test_the_fuzz_aims_at_rows_that_exist(world):
    """A guard on the test above: the rows its path values name exist, and the reader's token
    reaches the policy (so the fuzz exercises more than 404s and 401s)."""
    path = world["path"]
    held = Comment.objects.get(appeals__pk=path["appeal_id"])
    assert held.status == "held" and held.author.user == world["reader"]
    assert Comment.objects.get(pk=path["comment_id"]).status == "published"
    assert Notice.objects.filter(pk=path["notice_id"]).exists()
    assert SSOIdentity.objects.filter(external_id=path["external_id"]).exists()
    response = Client().post(
        f"/api/v1/sites/{path['site']}/articles/{path['key']}/comments/",
        {"body": "The council should publish the figures."},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {_token(world['reader'])}",
    )
    assert response.status_code == 201, response.content
