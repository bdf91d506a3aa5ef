"""Every accountability endpoint is in the OpenAPI schema, with its errors, and the schema
generates without a warning."""

import io

import pytest
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator

OPERATIONS = {
    ("/api/v1/comments/{comment_id}/statement/", "get"): "comment_statement",
    ("/api/v1/comments/{comment_id}/appeals/", "post"): "comment_appeal",
    ("/api/v1/comments/{comment_id}/notices/", "post"): "comment_notice",
    ("/api/v1/sites/{site}/me/standing/statement/", "get"): "my_standing_statement",
    ("/api/v1/sites/{site}/me/standing/appeals/", "post"): "my_standing_appeal",
    ("/api/v1/moderation/sites/{site}/appeals/", "get"): "moderation_appeals",
    ("/api/v1/moderation/appeals/{appeal_id}/decision/", "post"): "moderation_appeal_decide",
    ("/api/v1/moderation/sites/{site}/notices/", "get"): "moderation_notices",
    ("/api/v1/moderation/notices/{notice_id}/decision/", "post"): "moderation_notice_decide",
    ("/api/v1/moderation/sites/{site}/transparency/", "get"): "moderation_transparency",
    ("/api/v1/moderation/sites/{site}/transparency.csv", "get"): "moderation_transparency_csv",
    ("/api/v1/me/appeals/", "get"): "my_appeals",
    ("/api/v1/me/data/", "get"): "my_data",
    ("/api/v1/me/erasure/", "post"): "my_erasure",
    ("/api/v1/sites/{site}/readers/{external_id}/data/", "get"): "site_reader_data",
    ("/api/v1/sites/{site}/readers/{external_id}/erasure/", "post"): "site_reader_erasure",
}


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


@pytest.mark.parametrize(("path", "method"), list(OPERATIONS))
def test_operation_documented(schema, path, method):
    operation = schema["paths"][path][method]
    assert operation["operationId"] == OPERATIONS[(path, method)]
    assert {"200" if method == "get" else "201", "400", "401", "403", "404"} <= set(
        operation["responses"]
    ) or {"200", "400", "401", "403", "404"} <= set(operation["responses"])
    error = operation["responses"]["404"]["content"]["application/json"]["schema"]
    assert error == {"$ref": "#/components/schemas/Error"}


def test_the_csv_report_is_documented_as_csv(schema):
    operation = schema["paths"]["/api/v1/moderation/sites/{site}/transparency.csv"]["get"]
    assert set(operation["responses"]["200"]["content"]) == {"text/csv"}


def test_the_notice_limit_is_documented(schema):
    operation = schema["paths"]["/api/v1/comments/{comment_id}/notices/"]["post"]
    assert "notice_rate_limited" in operation["responses"]["429"]["description"]


def test_the_accountability_schema_generates_without_warnings():
    out = io.StringIO()
    GENERATOR_STATS.reset()
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--urlconf",
        "tests.accountability.accountability_urls",
        stdout=out,
    )
    assert "moderation_appeal_decide" in out.getvalue()
