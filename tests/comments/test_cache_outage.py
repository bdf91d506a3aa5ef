"""With the cache (Redis in production) down, readers can still post: rate limits fail open."""

import socket

import pytest
from django.core.cache import caches
from django.test import override_settings

from comments.models import Comment

from .conftest import thread_url


@pytest.fixture
def unreachable_redis_cache():
    """The cache pointed at a Redis port where nothing listens."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again when the block ends: connections are refused
    settings = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
        }
    }
    # Django's test signals reset the cache handler when CACHES changes, and back after.
    with override_settings(CACHES=settings):
        assert caches["default"].__class__.__name__ == "RedisCache"
        yield


def test_a_post_succeeds_while_the_cache_is_down(
    reader_api, article, unreachable_redis_cache, caplog
):
    response = reader_api.post(thread_url(article), {"body": "Still here."}, format="json")

    assert response.status_code == 201, response.content
    assert Comment.objects.filter(pk=response.json()["id"]).exists()
    assert "not checked: the cache is unavailable" in caplog.text
