"""Every moderation endpoint is in the OpenAPI schema with its input, output and errors."""

import io

import pytest
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator

OPERATIONS = {
    ("/api/v1/moderation/sites/", "get"): "moderation_sites",
    ("/api/v1/moderation/sites/{site}/queue/", "get"): "moderation_queue",
    ("/api/v1/moderation/sites/{site}/stats/", "get"): "moderation_stats",
    ("/api/v1/moderation/comments/{comment_id}/decision/", "post"): "moderation_decide",
    ("/api/v1/moderation/comments/{comment_id}/history/", "get"): "moderation_history",
    (
        "/api/v1/moderation/sites/{site}/commenters/{author}/standing/",
        "get",
    ): "moderation_standing_read",
    (
        "/api/v1/moderation/sites/{site}/commenters/{author}/standing/",
        "put",
    ): "moderation_standing_set",
}


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


@pytest.mark.parametrize(("path", "method"), list(OPERATIONS))
def test_operation_documented(schema, path, method):
    operation = schema["paths"][path][method]
    assert operation["operationId"] == OPERATIONS[(path, method)]
    responses = operation["responses"]
    assert {"200", "400", "401", "403", "404", "409"} <= set(responses)
    assert responses["403"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }


def test_queue_parameters_and_shapes(schema):
    operation = schema["paths"]["/api/v1/moderation/sites/{site}/queue/"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"queue", "article", "clause", "author", "since", "until", "q", "page", "limit"} <= names
    components = schema["components"]["schemas"]
    assert "ModerationQueueItem" in components
    decide = components["ModerationDecisionInputRequest"]["properties"]
    action_enum = components[decide["action"]["$ref"].rsplit("/", 1)[1]]
    assert action_enum["enum"] == ["approve", "reject", "remove", "feature", "unfeature"]
    standing = components["ModerationStandingInputRequest"]["properties"]
    assert set(standing) == {"state", "until", "reason", "message", "reject_recent"}


def test_the_moderation_schema_generates_without_warnings():
    out = io.StringIO()
    GENERATOR_STATS.reset()
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--urlconf",
        "tests.moderation.moderation_urls",
        stdout=out,
    )
    assert "moderation_decide" in out.getvalue()
