"""Reader tokens: junk in the Authorization header is a 401 in the error shape, never a 500."""

import pytest
from rest_framework.authtoken.models import Token

from .conftest import assert_error, thread_url


@pytest.mark.parametrize(
    "key",
    [
        "abc\x00def",  # PostgreSQL refuses NUL bytes in parameters
        "a" * 41,  # longer than any key
        "ünïcode",
        "0123456789abcdef0123456789abcdef0123456;",
        "",
    ],
)
def test_a_malformed_token_is_refused(api, article, key):
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api.post(thread_url(article), {"body": "Hello there."}, format="json")
    assert_error(response, 401)


def test_an_unknown_token_is_refused_and_a_known_one_works(api, reader, article):
    api.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert_error(api.post(thread_url(article), {"body": "Hello there."}, format="json"), 401)
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=reader.user).key}")
    response = api.post(thread_url(article), {"body": "Hello there, all."}, format="json")
    assert response.status_code == 201, response.content
