"""Rate limits hold under concurrency: readers' threads posting at once on the real Redis and
PostgreSQL get exactly the limit through (comments/throttles.py)."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import caches
from django.db import connections

from comments.models import Comment
from comments.throttles import WriteIPThrottle, WriteReaderThrottle
from tests.conftest import client_for
from tests.factories import ArticleFactory, CommenterFactory, SiteFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

LIMIT = 30
POSTERS = 40


@pytest.fixture
def hourly_limit(monkeypatch):
    # DRF copies the rates onto the classes at import; an hour's window, entered well clear of
    # its end, so the test never straddles two windows.
    rates = {"write_reader": f"{LIMIT}/hour", "write_ip": "10000/hour"}
    monkeypatch.setattr(WriteReaderThrottle, "THROTTLE_RATES", rates)
    monkeypatch.setattr(WriteIPThrottle, "THROTTLE_RATES", rates)
    if time.time() % 3600 > 3600 - 60:
        time.sleep(3600 - time.time() % 3600 + 1)
    return rates


def test_concurrent_posters_get_exactly_the_limit_through(hourly_limit):
    assert caches["default"].__class__.__name__ == "RedisCache"
    site = SiteFactory(slug="daily")
    article = ArticleFactory(site=site, key="budget-2026")
    reader = CommenterFactory(user__username="alice")
    url = f"/api/v1/sites/{site.slug}/articles/{article.key}/comments/"
    start = threading.Barrier(POSTERS)

    def post(n: int) -> int:
        client = client_for(reader)
        try:
            start.wait(timeout=30)
            response = client.post(
                url, {"body": f"Point number {n} on the budget's {n * 7} lines."}, format="json"
            )
            return response.status_code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=POSTERS) as pool:
        statuses = list(pool.map(post, range(POSTERS)))

    through = [s for s in statuses if s != 429]
    assert len(through) == LIMIT, statuses
    assert statuses.count(429) == POSTERS - LIMIT
    assert set(through) <= {201, 202, 422}, statuses
    assert Comment.objects.filter(author=reader).count() == LIMIT
