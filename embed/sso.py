"""Checking a host's single sign-on token (JWT, HS256). No database: claims in, claims out."""

from dataclasses import dataclass
from datetime import UTC, datetime

import jwt

from .errors import (
    SSOTokenExpired,
    SSOTokenMissingClaims,
    SSOTokenRefused,
    SSOTokenTooLongLived,
    SSOTokenWrongSite,
)

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ("sub", "name", "aud", "iat", "exp", "jti")
MAX_TOKEN_CHARS = 4096
# PyJWT 2.10+ checks that `sub` and `jti` are strings; older releases leave it to us (below).
_CLAIM_TYPE_ERRORS = tuple(
    getattr(jwt.exceptions, name)
    for name in ("InvalidSubjectError", "InvalidJTIError")
    if hasattr(jwt.exceptions, name)
)


@dataclass(frozen=True)
class SSOClaims:
    external_id: str
    name: str
    email: str
    avatar_url: str
    jti: str
    expires_at: datetime


def check_sso_token(
    token: str,
    *,
    secret: str,
    audience: str,
    max_lifetime_seconds: int,
    leeway_seconds: int,
) -> SSOClaims:
    """Verify signature, audience, time claims and shape; raise an SSOTokenRefused subclass.

    `audience` is the Parley site slug: a token minted for site A is refused on site B even
    if a publisher gave both sites the same secret.
    """
    if not token or len(token) > MAX_TOKEN_CHARS:
        raise SSOTokenRefused()
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise SSOTokenRefused() from exc
    if header.get("alg") != ALGORITHM:
        raise SSOTokenRefused(f"The sign-on token must be signed with {ALGORITHM}.")
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=audience,
            leeway=leeway_seconds,
            options={"require": list(REQUIRED_CLAIMS), "verify_iat": True},
        )
    except jwt.ExpiredSignatureError as exc:
        raise SSOTokenExpired() from exc
    except jwt.MissingRequiredClaimError as exc:
        raise SSOTokenMissingClaims(
            f"The sign-on token lacks the claim {exc.claim!r}.", missing=exc.claim
        ) from exc
    except _CLAIM_TYPE_ERRORS as exc:
        raise SSOTokenMissingClaims(
            "The claims 'sub' and 'jti' must be non-empty strings.", detail=str(exc)
        ) from exc
    except jwt.InvalidAudienceError as exc:
        raise SSOTokenWrongSite(expected_audience=audience) from exc
    except jwt.ImmatureSignatureError as exc:
        raise SSOTokenRefused("The sign-on token is issued in the future.") from exc
    except jwt.PyJWTError as exc:
        raise SSOTokenRefused() from exc

    sub, name, jti = claims["sub"], claims["name"], claims["jti"]
    for claim, value in (("sub", sub), ("name", name), ("jti", jti)):
        if not isinstance(value, str) or not value.strip() or len(value) > 255:
            raise SSOTokenMissingClaims(
                f"The claim {claim!r} must be a non-empty string of at most 255 characters.",
                missing=claim,
            )
    iat, exp = claims["iat"], claims["exp"]
    if exp - iat > max_lifetime_seconds:
        raise SSOTokenTooLongLived(max_lifetime_seconds=max_lifetime_seconds)
    email = claims.get("email") or ""
    avatar = claims.get("avatar") or ""
    return SSOClaims(
        external_id=sub,
        name=" ".join(name.split())[:80],
        email=email if isinstance(email, str) and len(email) <= 254 and "@" in email else "",
        avatar_url=avatar
        if isinstance(avatar, str) and avatar.startswith(("https://", "http://"))
        else "",
        jti=jti,
        expires_at=datetime.fromtimestamp(exp, tz=UTC),
    )
