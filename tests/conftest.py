import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from comments.services import site_rotate_api_key

from .factories import ArticleFactory, CommenterFactory, SiteFactory


@pytest.fixture(autouse=True)
def _clear_cache():
    # Throttle counters live in the cache; each test starts with none.
    cache.clear()
    yield


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def site(db):
    return SiteFactory(slug="daily")


@pytest.fixture
def site_key(site) -> str:
    return site_rotate_api_key(site=site)


@pytest.fixture
def article(site):
    return ArticleFactory(site=site, key="budget-2026")


@pytest.fixture
def reader(db):
    return CommenterFactory(user__username="alice", display_name="Alice")


@pytest.fixture
def other_reader(db):
    return CommenterFactory(user__username="bob", display_name="Bob")


def client_for(commenter) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=commenter.user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def reader_api(reader) -> APIClient:
    return client_for(reader)


@pytest.fixture
def other_api(other_reader) -> APIClient:
    return client_for(other_reader)
