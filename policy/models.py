"""Policy documents (versioned per site), moderation decisions and commenter standing."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from comments.models import Comment, Commenter, Site


class PolicyVersion(models.Model):
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


class Decision(models.TextChoices):
    PUBLISH = "publish", "Publish"
    HOLD = "hold", "Hold for a moderator"
    REJECT = "reject", "Reject"


class ModerationDecision(models.Model):
    """What the policy engine (and scorers) decided about one revision of a comment.

    The unique constraint makes a decision idempotent: however often a task is delivered,
    one stage of one revision of a comment is decided once.
    """

    class Stage(models.TextChoices):
        SYNC = "sync", "On posting"
        PIPELINE = "pipeline", "Moderation pipeline"
        POLICY_CHANGE = "policy_change", "Policy change"

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="decisions")
    stage = models.CharField(max_length=16, choices=Stage.choices)
    revision = models.CharField(
        max_length=40, help_text="'original', or the time of the edit this decision is about."
    )
    action = models.CharField(max_length=8, choices=Decision.choices)
    flagged = models.BooleanField(default=False)
    clause_id = models.CharField(max_length=64, blank=True)
    clause_title = models.CharField(max_length=200, blank=True)
    hits = models.JSONField(default=list, help_text="Every rule that fired, with its evidence.")
    scores = models.JSONField(default=dict, blank=True)
    policy_version = models.ForeignKey(
        PolicyVersion, null=True, on_delete=models.SET_NULL, related_name="decisions"
    )
    policy_version_number = models.PositiveIntegerField(null=True)
    elapsed_us = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "stage", "revision"], name="decision_once_per_revision"
            )
        ]
        indexes = [models.Index(fields=["clause_id", "created_at"], name="decision_clause_time")]

    def __str__(self) -> str:
        return f"{self.action} comment {self.comment_id} ({self.stage})"


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
