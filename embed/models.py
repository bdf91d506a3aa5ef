"""Per-site embed settings, single sign-on identities, used SSO token ids and site tokens."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from comments.models import Commenter, Site


def new_sso_secret() -> str:
    return secrets.token_urlsafe(32)


class SiteEmbedConfig(models.Model):
    """How a site embeds Parley. Created on first use with SSO off (no secret)."""

    site = models.OneToOneField(
        Site, on_delete=models.CASCADE, primary_key=True, related_name="embed_config"
    )
    # HS256 needs the secret itself, so it is stored as is; the admin never displays it
    # except once, right after a rotation.
    sso_secret = models.CharField(max_length=200, blank=True, editable=False)
    sso_secret_rotated_at = models.DateTimeField(null=True, blank=True, editable=False)
    lazy_articles = models.BooleanField(
        default=True,
        help_text="Register unknown articles when the embed loads on a page of an allowed origin.",
    )
    guests = models.BooleanField(
        default=False,
        help_text="Readers without a host account may comment under a name of their choice; "
        "every guest comment is held for a moderator.",
    )
    site_token_ttl_hours = models.PositiveIntegerField(
        default=24 * 7, help_text="How long a reader stays signed in after single sign-on."
    )

    class Meta:
        verbose_name = "site embed settings"
        verbose_name_plural = "site embed settings"

    def __str__(self) -> str:
        return f"Embed settings of {self.site}"

    @property
    def sso_enabled(self) -> bool:
        return bool(self.sso_secret)


class SSOIdentity(models.Model):
    """A host site's reader (its stable `sub`) mapped to one Parley commenter."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="sso_identities")
    external_id = models.CharField(max_length=255)
    commenter = models.ForeignKey(
        Commenter, on_delete=models.CASCADE, related_name="sso_identities"
    )
    email = models.EmailField(max_length=254, blank=True)
    avatar_url = models.URLField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "SSO identity"
        verbose_name_plural = "SSO identities"
        constraints = [
            models.UniqueConstraint(fields=["site", "external_id"], name="sso_identity_unique")
        ]

    def __str__(self) -> str:
        return f"{self.site.slug}:{self.external_id}"


class UsedSSOToken(models.Model):
    """A `jti` already exchanged, kept until the token expires so it cannot be replayed."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    jti = models.CharField(max_length=255)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["site", "jti"], name="used_sso_jti_unique")]
        indexes = [models.Index(fields=["expires_at"], name="used_sso_expiry")]

    def __str__(self) -> str:
        return f"{self.site_id}:{self.jti}"


class SiteToken(models.Model):
    """A reader's API token valid on one site only. Only the key's digest is stored."""

    digest = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="site_tokens"
    )
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="reader_tokens")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["user", "site", "expires_at"], name="site_token_user")]

    def __str__(self) -> str:
        return f"Site token of user {self.user_id} on site {self.site_id}"
