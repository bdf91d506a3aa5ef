import time
import uuid

import jwt
import pytest

from embed.services import sso_secret_set

from ..factories import SiteFactory

SECRET = "daily-sso-secret-for-the-embed-tests"
OTHER_SECRET = "weekly-sso-secret-for-the-embed-tests"
DAILY_ORIGIN = "https://news.example"
WEEKLY_ORIGIN = "https://weekly.example"


def make_token(
    *,
    secret: str = SECRET,
    aud: str | None = "daily",
    sub: str | None = "host-42",
    name: str | None = "Ada Reader",
    lifetime: int = 120,
    iat_offset: int = 0,
    jti: str | None = None,
    drop: tuple[str, ...] = (),
    **extra,
) -> str:
    now = int(time.time()) + iat_offset
    claims = {
        "sub": sub,
        "name": name,
        "aud": aud,
        "iat": now,
        "exp": now + lifetime,
        "jti": jti or uuid.uuid4().hex,
        **extra,
    }
    for claim in drop:
        claims.pop(claim)
    return jwt.encode(claims, secret, algorithm="HS256")


@pytest.fixture
def sso_site(site):
    """The conftest's site "daily" (allowed origin https://news.example) with SSO on."""
    sso_secret_set(site=site, secret=SECRET)
    return site


@pytest.fixture
def other_site(db):
    weekly = SiteFactory(slug="weekly", allowed_origins=[WEEKLY_ORIGIN])
    sso_secret_set(site=weekly, secret=OTHER_SECRET)
    return weekly
