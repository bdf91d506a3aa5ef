"""The moderation pipeline's data: decisions about comments, the site's scorers and webhook
endpoints, the webhook outbox, reader e-mails and their preferences, re-moderation runs.

These models were created by the policy app (its migrations 0001 and 0002) and moved here
without moving data: their tables keep the names they had (`db_table`), and
pipeline.0001_moved_from_policy takes them over in Django's state only.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from comments.models import Comment, Commenter, Site
from policy.models import PolicyVersion, SiteConfigModel


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
        db_table = "policy_moderationdecision"  # kept from when policy owned it
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "stage", "revision"], name="decision_once_per_revision"
            )
        ]
        indexes = [models.Index(fields=["clause_id", "created_at"], name="decision_clause_time")]

    def __str__(self) -> str:
        return f"{self.action} comment {self.comment_id} ({self.stage})"


class ScorerKind(models.TextChoices):
    AKISMET = "akismet", "Akismet comment-check"
    HTTP = "http", "HTTP scorer (signed JSON)"


class ScorerConfig(SiteConfigModel):
    """A slow classifier one site uses. Its `name` is the key under which the policy's
    `score` rules find its labels (Context.scores[name][label])."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="scorers")
    name = models.SlugField(max_length=40, help_text='Referenced by score rules, e.g. "akismet".')
    kind = models.CharField(max_length=16, choices=ScorerKind.choices)
    endpoint = models.URLField(max_length=500)
    key = models.CharField(
        max_length=200,
        blank=True,
        help_text="Akismet: the API key. HTTP scorer: the HMAC-SHA256 signing secret.",
    )
    timeout_seconds = models.FloatField(default=3.0)
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "policy_scorerconfig"  # kept from when policy owned it
        ordering = ["site", "name"]
        constraints = [
            models.UniqueConstraint(fields=["site", "name"], name="scorer_name_unique_per_site"),
            models.CheckConstraint(
                condition=Q(timeout_seconds__gt=0, timeout_seconds__lte=30),
                name="scorer_timeout_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind}) on {self.site.slug}"


WEBHOOK_EVENTS = ("comment.created", "comment.published", "comment.rejected", "comment.removed")


class WebhookEndpoint(SiteConfigModel):
    """Where a site wants to hear about comment events; every request is signed with `secret`."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=200)
    events = models.JSONField(
        default=list, blank=True, help_text=f"Any of {', '.join(WEBHOOK_EVENTS)}; empty = all."
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "policy_webhookendpoint"  # kept from when policy owned it
        ordering = ["site", "url"]
        indexes = [models.Index(fields=["site", "active"], name="webhook_site_active")]

    def __str__(self) -> str:
        return f"{self.url} ({self.site.slug})"

    def wants(self, event: str) -> bool:
        return not self.events or event in self.events


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed for good"


class WebhookDelivery(models.Model):
    """One event for one endpoint: written in the transaction that changed the comment (an
    outbox), sent after commit, retried with backoff, kept as the delivery log."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=40)
    payload = models.JSONField()
    status = models.CharField(
        max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "policy_webhookdelivery"  # kept from when policy owned it
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="delivery_status_time")]

    def __str__(self) -> str:
        return f"{self.event} to {self.endpoint_id}: {self.status}"


class NotificationKind(models.TextChoices):
    PUBLISHED = "published", "Your comment was published"
    REJECTED = "rejected", "Your comment was rejected"
    REPLY = "reply", "Someone replied to your comment"


class NotificationStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    SKIPPED = "skipped", "Not sent (no address or turned off)"


class NotificationLog(models.Model):
    """One e-mail about one comment to one reader. The unique constraint makes it at most once:
    `comment` is the comment the e-mail is about (for a reply: the reply)."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=16, choices=NotificationKind.choices)
    recipient = models.ForeignKey(Commenter, on_delete=models.CASCADE, related_name="notifications")
    status = models.CharField(
        max_length=12, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "policy_notificationlog"  # kept from when policy owned it
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "kind", "recipient"], name="notification_once_per_event"
            )
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="notification_status_time")]

    def __str__(self) -> str:
        return f"{self.kind} about comment {self.comment_id} to {self.recipient_id}"


class NotificationPreference(models.Model):
    """A reader's e-mail choices; a reader without a row gets every e-mail."""

    commenter = models.OneToOneField(
        Commenter, on_delete=models.CASCADE, related_name="notification_preference"
    )
    reply_emails = models.BooleanField(default=True)
    decision_emails = models.BooleanField(
        default=True, help_text="E-mails when a waiting comment is published or rejected."
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "policy_notificationpreference"  # kept from when policy owned it

    def __str__(self) -> str:
        return f"Preferences of {self.commenter}"


class RemoderationRun(models.Model):
    """Running a site's policy in force over its recent published comments: a dry run that
    lists what would change, then (confirmed) an applied run that holds or removes them."""

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="remoderation_runs")
    policy_version = models.ForeignKey(
        PolicyVersion, on_delete=models.CASCADE, related_name="remoderation_runs"
    )
    since = models.DateTimeField(help_text="Comments published from this time on are checked.")
    apply = models.BooleanField(default=False, help_text="False: a dry run that changes nothing.")
    confirms = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        help_text="The dry run this run applies.",
    )
    state = models.CharField(max_length=12, choices=State.choices, default=State.QUEUED)
    checked = models.PositiveIntegerField(default=0)
    changes = models.JSONField(
        default=list, blank=True, help_text="[{comment, action, clause_id, clause_title}]"
    )
    error = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "policy_remoderationrun"  # kept from when policy owned it
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        kind = "apply" if self.apply else "dry run"
        return f"Re-moderation {kind} of {self.site.slug} under v{self.policy_version.version}"
