"""Writes for embedding: SSO secrets, reader identities, site tokens, lazy article registration."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from comments.models import Article, Commenter, Site
from comments.origins import normalize_origin, origin_allowed
from comments.pagecache import commenter_pages_changed
from comments.services import article_upsert
from policy.documents import compiled
from policy.engine import Policy
from policy.models import Standing, StandingState
from policy.services import site_policy

from .authentication import SITE_TOKEN_PREFIX, token_digest
from .errors import (
    GuestsNotAllowed,
    LazyArticlesDisabled,
    OriginNotAllowed,
    ReaderSuspended,
    SSONotConfigured,
    SSOTokenReplayed,
)
from .models import SiteEmbedConfig, SiteToken, SSOIdentity, UsedSSOToken, new_sso_secret
from .sso import SSOClaims, check_sso_token

# HS256 keys shorter than the hash output (32 bytes) weaken it (RFC 7518, section 3.2).
MIN_SECRET_CHARS = 32


def embed_config_for(*, site: Site) -> SiteEmbedConfig:
    """The site's embed settings, created with SSO off on first use."""
    config, _ = SiteEmbedConfig.objects.get_or_create(site=site)
    return config


@transaction.atomic
def sso_secret_rotate(*, site: Site) -> str:
    """Give the site a new SSO signing secret; tokens signed with the old one stop working."""
    config = SiteEmbedConfig.objects.select_for_update().filter(site=site).first()
    if config is None:
        config = SiteEmbedConfig.objects.create(site=site)
    config.sso_secret = new_sso_secret()
    config.sso_secret_rotated_at = timezone.now()
    config.save(update_fields=["sso_secret", "sso_secret_rotated_at"])
    return config.sso_secret


def sso_secret_set(*, site: Site, secret: str) -> None:
    """Set a known secret (the demo's documented value; tests). Real sites rotate instead."""
    if len(secret) < MIN_SECRET_CHARS:
        raise ValueError(f"An SSO secret needs at least {MIN_SECRET_CHARS} characters.")
    config = embed_config_for(site=site)
    config.sso_secret = secret
    config.sso_secret_rotated_at = timezone.now()
    config.save(update_fields=["sso_secret", "sso_secret_rotated_at"])


def _policy_in_force(site: Site) -> Policy:
    """The site's written policy in force: its word rules also judge readers' display names."""
    version = site_policy(site=site).version
    policy, _ = compiled(version.pk, version.source)
    return policy


def _remember_jti(*, site: Site, claims: SSOClaims) -> None:
    now = timezone.now()
    # Forget ids whose tokens can no longer be presented; bounded by the expiry index.
    UsedSSOToken.objects.filter(expires_at__lt=now).delete()
    keep_until = claims.expires_at + timedelta(seconds=settings.PARLEY_SSO_LEEWAY_SECONDS)
    try:
        with transaction.atomic():
            UsedSSOToken.objects.create(site=site, jti=claims.jti, expires_at=keep_until)
    except IntegrityError as exc:
        raise SSOTokenReplayed() from exc


def _sso_username(site: Site, external_id: str) -> str:
    return f"sso-{site.pk}-{hashlib.sha256(external_id.encode()).hexdigest()[:32]}"


def _identity_for(*, site: Site, claims: SSOClaims) -> SSOIdentity:
    identity = (
        SSOIdentity.objects.select_for_update()
        .select_related("commenter__user")
        .filter(site=site, external_id=claims.external_id)
        .first()
    )
    if identity is not None:
        return identity
    User = get_user_model()
    try:
        with transaction.atomic():
            user = User(username=_sso_username(site, claims.external_id), email=claims.email)
            user.set_unusable_password()
            user.save()
            commenter = Commenter.objects.create(
                user=user, display_name=claims.name, avatar_url=claims.avatar_url
            )
            return SSOIdentity.objects.create(
                site=site,
                external_id=claims.external_id,
                commenter=commenter,
                email=claims.email,
                avatar_url=claims.avatar_url,
            )
    except IntegrityError:
        # A concurrent first sign-in of the same reader won the race: use its identity.
        return SSOIdentity.objects.select_related("commenter__user").get(
            site=site, external_id=claims.external_id
        )


def site_token_issue(*, site: Site, user, ttl: timedelta) -> tuple[str, SiteToken]:
    """A new API token for `user` valid on `site` only; returns (key, row). Key shown once."""
    now = timezone.now()
    SiteToken.objects.filter(user=user, site=site, expires_at__lt=now).delete()
    key = SITE_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = SiteToken.objects.create(
        digest=token_digest(key), user=user, site=site, expires_at=now + ttl
    )
    return key, token


def site_token_revoke(*, key: str) -> None:
    SiteToken.objects.filter(digest=token_digest(key)).delete()


@transaction.atomic
def sso_exchange(*, site: Site, token: str) -> tuple[str, SiteToken, Commenter]:
    """Exchange a host's signed reader token for a Parley token scoped to `site`.

    The same `sub` always maps to the same commenter; its display name follows `name`.
    """
    config = SiteEmbedConfig.objects.filter(site=site).first()
    if config is None or not config.sso_enabled:
        raise SSONotConfigured()
    claims = check_sso_token(
        token,
        secret=config.sso_secret,
        audience=site.slug,
        max_lifetime_seconds=settings.PARLEY_SSO_MAX_LIFETIME_SECONDS,
        leeway_seconds=settings.PARLEY_SSO_LEEWAY_SECONDS,
        name_policy=_policy_in_force(site),
    )
    _remember_jti(site=site, claims=claims)
    identity = _identity_for(site=site, claims=claims)
    commenter = identity.commenter
    if not commenter.user.is_active:
        raise ReaderSuspended()
    # The host is the source of truth for its reader's name and picture.
    if (commenter.display_name, commenter.avatar_url) != (claims.name, claims.avatar_url):
        commenter.display_name = claims.name
        commenter.avatar_url = claims.avatar_url
        commenter.save(update_fields=["display_name", "avatar_url"])
        commenter_pages_changed(commenter_id=commenter.pk)
    # ...and for its address: decisions, replies and appeal outcomes are e-mailed to the
    # account's address, which for a reader who signs in through the host is the host's.
    if claims.email and commenter.user.email != claims.email:
        commenter.user.email = claims.email
        commenter.user.save(update_fields=["email"])
    identity.email = claims.email
    identity.avatar_url = claims.avatar_url
    identity.last_seen_at = timezone.now()
    identity.save(update_fields=["email", "avatar_url", "last_seen_at"])
    key, site_token = site_token_issue(
        site=site, user=commenter.user, ttl=timedelta(hours=config.site_token_ttl_hours)
    )
    return key, site_token, commenter


def article_register_from_embed(
    *, site: Site, key: str, url: str, title: str, request_origin: str
) -> tuple[Article, bool]:
    """Register an unknown article from the embed; an existing one is returned unchanged.

    Both the page URL's origin and the request's Origin must be allowed for the site. The
    Origin header proves little outside a browser, so the embed may only add articles on
    the site's own pages and never edit them; the host's server edits with its API key.
    """
    if not origin_allowed(site.allowed_origins, request_origin):
        raise OriginNotAllowed(origin=request_origin or None)
    if not origin_allowed(site.allowed_origins, url):
        raise OriginNotAllowed(
            "The article's URL is not on an origin this site allows.",
            url_origin=normalize_origin(url) or None,
        )
    existing = Article.objects.filter(site=site, key=key).first()
    if existing is not None:
        return existing, False
    config = SiteEmbedConfig.objects.filter(site=site).first()
    if config is not None and not config.lazy_articles:
        raise LazyArticlesDisabled()
    return article_upsert(site=site, key=key, url=url, title=title)


GUEST_TOKEN_TTL = timedelta(days=1)
GUEST_REASON = "Guest commenter: every comment is read by a moderator first."


@transaction.atomic
def guest_sign_in(*, site: Site, name: str) -> tuple[str, SiteToken, Commenter]:
    """A guest reader for `site` (when the site allows guests): a commenter of their own whose
    standing is premoderated, so the policy holds every comment they post for a moderator."""
    config = SiteEmbedConfig.objects.filter(site=site).first()
    if config is None or not config.guests:
        raise GuestsNotAllowed()
    user = get_user_model().objects.create(username=f"guest-{secrets.token_hex(8)}")
    user.set_unusable_password()
    user.save(update_fields=["password"])
    commenter = Commenter.objects.create(user=user, display_name=name)
    Standing.objects.create(
        site=site, commenter=commenter, state=StandingState.PREMODERATED, reason=GUEST_REASON
    )
    key, site_token = site_token_issue(site=site, user=user, ttl=GUEST_TOKEN_TTL)
    return key, site_token, commenter
