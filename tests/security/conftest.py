"""Fixtures for the sign-in security tests: a moderator on a site."""

import pytest
from django.test import Client

from moderation.models import Role, SiteRole
from tests.factories import SiteFactory, UserFactory

PASSWORD = "mod-pass-123"


@pytest.fixture
def site(db):
    return SiteFactory(slug="daily")


@pytest.fixture
def moderator(site):
    user = UserFactory(username="mod", is_staff=True, password=PASSWORD)
    SiteRole.objects.create(user=user, site=site, role=Role.MODERATOR)
    return user


@pytest.fixture
def site_admin(site):
    user = UserFactory(username="boss", is_staff=True, password=PASSWORD)
    SiteRole.objects.create(user=user, site=site, role=Role.ADMIN)
    return user


@pytest.fixture
def browser_client() -> Client:
    return Client()


def admin_login(client: Client, username: str, password: str, **extra):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password},
        **extra,
    )
