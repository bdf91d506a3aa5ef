"""The OpenAPI schema generates cleanly and documents every reader endpoint."""

import io

import pytest
import yaml
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS

EXPECTED = {
    "/api/v1/auth/token/": {"post"},
    "/api/v1/sites/{site}/articles/{key}": {"put"},
    "/api/v1/sites/{site}/articles/{key}/comments/": {"get", "post"},
    "/api/v1/sites/{site}/counts/": {"get"},
    "/api/v1/comments/{comment_id}/": {"get", "patch", "delete"},
    "/api/v1/comments/{comment_id}/replies/": {"get"},
    "/api/v1/comments/{comment_id}/vote/": {"put", "delete"},
}


@pytest.fixture(scope="module")
def schema() -> dict:
    out = io.StringIO()
    GENERATOR_STATS.reset()
    # --fail-on-warn turns any warning (a clashing component name, an unresolvable type) into
    # an error, and --validate checks the result against the OpenAPI 3 specification.
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--urlconf",
        "tests.comments.reader_urls",
        stdout=out,
    )
    return yaml.safe_load(out.getvalue())


def test_schema_lists_the_reader_endpoints(schema):
    for path, methods in EXPECTED.items():
        assert path in schema["paths"], path
        assert methods <= set(schema["paths"][path]), path


@pytest.mark.parametrize(
    ("path", "method", "statuses"),
    [
        (
            "/api/v1/sites/{site}/articles/{key}/comments/",
            "post",
            {"201", "202", "400", "422", "429"},
        ),
        ("/api/v1/comments/{comment_id}/", "patch", {"200", "202", "403", "422"}),
        ("/api/v1/sites/{site}/articles/{key}", "put", {"200", "201", "403"}),
        ("/api/v1/comments/{comment_id}/", "delete", {"204", "404"}),
    ],
)
def test_schema_documents_status_codes(schema, path, method, statuses):
    assert statuses <= set(schema["paths"][path][method]["responses"])


def test_schema_documents_the_error_shape(schema):
    error = schema["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]


def test_schema_and_docs_are_served(client, db):
    schema = client.get("/api/schema/")
    docs = client.get("/api/docs/")

    assert schema.status_code == 200
    served = yaml.safe_load(schema.content)
    for path, methods in EXPECTED.items():
        assert methods <= set(served["paths"][path]), path
    assert docs.status_code == 200
    assert docs["Content-Type"].startswith("text/html")


def test_the_api_root_points_to_the_docs(api, db):
    body = api.get("/api/v1/").json()

    assert body == {
        "name": "Parley",
        "version": "v1",
        "docs": "http://testserver/api/docs/",
        "schema": "http://testserver/api/schema/",
    }


def test_the_whole_schema_validates_without_warnings():
    """The fixture above covers the reader's URLs; this is the full document /api/schema/ serves,
    where choice sets from different apps meet (a clash gave "KindBe5Enum"-style names)."""
    out = io.StringIO()
    GENERATOR_STATS.reset()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    components = yaml.safe_load(out.getvalue())["components"]["schemas"]
    assert {"AppealKindEnum", "AppealStateEnum", "StandingStateEnum"} <= set(components)
