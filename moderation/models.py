"""Who may moderate which site, and the log of what moderators did.

Comment status changes are recorded by the state machine (comments.CommentEvent); this app
adds the moderator's own log, which also covers what is not a status change: featuring,
dismissing reports on a published comment, and changes to a commenter's standing.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from comments.models import Comment, Commenter, Site
from policy.models import Standing


class Role(models.TextChoices):
    MODERATOR = "moderator", "Moderator"
    ADMIN = "admin", "Site administrator"


class SiteRole(models.Model):
    """A staff user's power on one site. Moderators work the queue; admins also manage roles,
    the policy and the site's settings. Superusers need no role."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="site_roles"
    )
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MODERATOR)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "site"], name="site_role_one_per_site")
        ]
        ordering = ["site", "user"]

    def __str__(self) -> str:
        return f"{self.user} is {self.get_role_display().lower()} of {self.site}"


class ModeratorAction(models.Model):
    """One row per moderator action, whether or not it changed a comment's status."""

    class Kind(models.TextChoices):
        APPROVE = "approve", "Approved"
        REJECT = "reject", "Rejected"
        REMOVE = "remove", "Removed"
        FEATURE = "feature", "Featured"
        UNFEATURE = "unfeature", "Unfeatured"
        STANDING = "standing", "Changed standing"

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="moderator_actions")
    comment = models.ForeignKey(
        Comment,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="moderator_actions",
    )
    commenter = models.ForeignKey(
        Commenter, on_delete=models.CASCADE, related_name="moderator_actions"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    actor_label = models.CharField(max_length=150, blank=True)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    clause_id = models.CharField(max_length=64, blank=True)
    clause_title = models.CharField(max_length=200, blank=True)
    note = models.TextField(blank=True)
    policy_version = models.PositiveIntegerField(null=True, blank=True)
    # Standing changes: the state before and after, and the end of a suspension.
    standing_from = models.CharField(max_length=16, blank=True)
    standing_to = models.CharField(max_length=16, blank=True)
    until = models.DateTimeField(null=True, blank=True)
    message = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["comment", "kind", "created_at"], name="modaction_comment"),
            models.Index(fields=["commenter", "created_at"], name="modaction_commenter"),
            models.Index(fields=["site", "created_at"], name="modaction_site_time"),
        ]

    def __str__(self) -> str:
        target = f"comment {self.comment_id}" if self.comment_id else str(self.commenter)
        return f"{self.get_kind_display()} {target} by {self.actor_label or 'someone'}"


class QueueComment(Comment):
    """The moderation queue's view of a comment (a proxy: no table of its own)."""

    class Meta:
        proxy = True
        verbose_name = "comment in the queue"
        verbose_name_plural = "moderation queue"
        default_permissions = ()


class CommenterStanding(Standing):
    """Commenters' standing per site as moderators see it (a proxy of policy.Standing)."""

    class Meta:
        proxy = True
        verbose_name = "commenter standing"
        verbose_name_plural = "commenter standings"
        default_permissions = ()
