"""Policy documents (versioned per site) and commenter standing.

The pipeline's models (decisions, scorers, webhooks, e-mails, re-moderation runs) live in
pipeline.models; the scorer and webhook configurations share `SiteConfigModel` with the
policy versions, because all three make up a site's moderation configuration.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from comments.models import Commenter, Site, new_config_stamp


def site_config_changed(site_ids, *, site: Site | None = None) -> None:
    """Give the sites a new `config_stamp`: every process's cached configuration for them
    (policy.services.site_policy, pipeline.config.site_moderation) no longer matches their
    stamp and is reloaded on next use.

    The one hook of a site's moderation configuration, called by the saves and deletes below,
    so admin forms, services, factories and queryset updates all invalidate. It writes the
    stamp and calls nothing else: the caches compare stamps, nobody needs to be told.
    `site`, when given, gets the new stamp in memory too."""
    ids = {pk for pk in site_ids if pk is not None}
    if not ids:
        return
    stamp = new_config_stamp()
    Site.objects.filter(pk__in=ids).update(config_stamp=stamp)
    if site is not None and site.pk in ids:
        site.config_stamp = stamp


class SiteConfigQuerySet(models.QuerySet):
    """Bulk writes on a site's moderation configuration change the site's stamp, like saves."""

    def update(self, **kwargs):
        ids = set(self.values_list("site_id", flat=True))
        rows = super().update(**kwargs)
        site_config_changed(ids)
        return rows

    def delete(self):
        ids = set(self.values_list("site_id", flat=True))
        result = super().delete()
        site_config_changed(ids)
        return result

    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)
        site_config_changed({obj.site_id for obj in created})
        return created

    def bulk_update(self, objs, *args, **kwargs):
        rows = super().bulk_update(objs, *args, **kwargs)
        site_config_changed({obj.site_id for obj in objs})
        return rows


class SiteConfigModel(models.Model):
    """A row of a site's moderation configuration: saving or deleting it changes the stamp."""

    objects = SiteConfigQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        site_config_changed({self.site_id}, site=self._loaded_site())

    def delete(self, *args, **kwargs):
        site_id, site = self.site_id, self._loaded_site()
        result = super().delete(*args, **kwargs)
        site_config_changed({site_id}, site=site)
        return result

    def _loaded_site(self) -> Site | None:
        field = self._meta.get_field("site")
        return self.site if field.is_cached(self) else None


class PolicyVersion(SiteConfigModel):
    """One saved version of a site's written comment policy (TOML). Versions are never edited."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="policy_versions")
    version = models.PositiveIntegerField()
    source = models.TextField(help_text="The policy document in TOML (see docs/policy-format.md).")
    title = models.CharField(max_length=200)
    note = models.CharField(max_length=300, blank=True, help_text="What changed in this version.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["site", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["site", "version"], name="policy_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.site.slug} policy v{self.version}"


class StandingState(models.TextChoices):
    ACTIVE = "active", "Active"
    WARNED = "warned", "Warned"
    PREMODERATED = "premoderated", "Premoderated"
    SUSPENDED = "suspended", "Suspended"
    BANNED = "banned", "Banned"


class Standing(models.Model):
    """A commenter's standing on one site, with who set it, why and when."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="standings")
    commenter = models.ForeignKey(Commenter, on_delete=models.CASCADE, related_name="standings")
    state = models.CharField(
        max_length=16, choices=StandingState.choices, default=StandingState.ACTIVE
    )
    until = models.DateTimeField(null=True, blank=True, help_text="End of a suspension.")
    reason = models.CharField(max_length=500, blank=True)
    message = models.CharField(
        max_length=500, blank=True, help_text="What the reader is told (e.g. a warning)."
    )
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    set_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["site", "commenter"], name="standing_one_per_site"),
            models.CheckConstraint(
                condition=~Q(state="suspended") | Q(until__isnull=False),
                name="standing_suspension_has_end",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.commenter} on {self.site}: {self.state}"

    def effective_state(self, now=None) -> str:
        """A suspension that has run out counts as active."""
        now = now or timezone.now()
        if self.state == StandingState.SUSPENDED and self.until and self.until <= now:
            return StandingState.ACTIVE
        return self.state
