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


def admin_login(client: Client, username: str, password: str, otp_token: str = "", **extra):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password, "otp_token": otp_token},
        **extra,
    )


def totp_code(device, steps_ahead: int = 0) -> str:
    """The code the user's app shows, computed with django-otp's own TOTP (a step ahead is
    still accepted: the device tolerates one step of clock drift, and a code is never
    accepted twice)."""
    import time

    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def enrolled(user):
    """`user` with a confirmed authenticator app and recovery codes: (device, codes)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from security.second_factor import recovery_codes_renew

    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    return device, recovery_codes_renew(user=user)
