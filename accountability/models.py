"""Accountable moderation: appeals against decisions, notices of illegal content, and the
e-mails that tell readers and notifiers the outcome.

Decisions themselves are not stored here: they are the audit rows the state machine writes
(comments.CommentEvent) and the moderators' standing changes (moderation.ModeratorAction). An
appeal points at the one row it contests, and a unique constraint on that row makes it one
appeal per decision.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from comments.models import Comment, Commenter, CommentEvent, Site
from moderation.models import ModeratorAction


class AppealKind(models.TextChoices):
    COMMENT = "comment", "A decision on a comment"
    STANDING = "standing", "A change of standing"


class AppealState(models.TextChoices):
    OPEN = "open", "Waiting for a moderator"
    UPHELD = "upheld", "Upheld: the decision stands"
    REVERSED = "reversed", "Reversed"


class Appeal(models.Model):
    """A reader contesting one decision about them (DSA Art. 20: internal complaint handling).

    `decision_event` (a comment's status change) or `standing_action` (a standing change) is
    the decision; `decided_by_user` is who took it, so that a different moderator reviews."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="appeals")
    appellant = models.ForeignKey(Commenter, on_delete=models.CASCADE, related_name="appeals")
    kind = models.CharField(max_length=16, choices=AppealKind.choices)
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="appeals"
    )
    decision_event = models.OneToOneField(
        CommentEvent, null=True, blank=True, on_delete=models.CASCADE, related_name="appeal"
    )
    standing_action = models.OneToOneField(
        ModeratorAction, null=True, blank=True, on_delete=models.CASCADE, related_name="appeal"
    )
    decided_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The moderator who took the decision appealed (none: automated).",
    )
    contested_status = models.CharField(max_length=16, blank=True)
    contested_clause_id = models.CharField(max_length=64, blank=True)
    explanation = models.TextField(max_length=2000)
    state = models.CharField(max_length=12, choices=AppealState.choices, default=AppealState.OPEN)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appeals_reviewed",
    )
    outcome_note = models.TextField(blank=True)
    language = models.CharField(
        max_length=16, blank=True, help_text="The reader's language, for the e-mail."
    )
    created_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(help_text="When a moderator should have answered.")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["site", "state", "created_at"], name="appeal_queue")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="comment", decision_event__isnull=False, comment__isnull=False)
                | Q(kind="standing", standing_action__isnull=False),
                name="appeal_names_its_decision",
            ),
        ]

    def __str__(self) -> str:
        return f"Appeal {self.pk} ({self.state})"


class NoticeOutcome(models.TextChoices):
    OPEN = "open", "Waiting for a moderator"
    ILLEGAL = "illegal", "Illegal: taken down"
    NOT_ILLEGAL = "not_illegal", "Not illegal"
    OUTSIDE_SCOPE = "outside_scope", "Outside the scope of notices"


class Notice(models.Model):
    """A notice that a comment is illegal (DSA Art. 16), from anyone: a signed-in reader, or a
    guest who gives an e-mail address for the outcome."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="notices")
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="notices")
    notifier = models.ForeignKey(
        Commenter, null=True, blank=True, on_delete=models.SET_NULL, related_name="notices"
    )
    notifier_email = models.EmailField(blank=True)
    notifier_name = models.CharField(max_length=120, blank=True)
    # A keyed digest of the sender's address, only to rate-limit abusive notifiers.
    source_digest = models.CharField(max_length=64, blank=True)
    legal_ground = models.CharField(max_length=200)
    explanation = models.TextField(max_length=4000)
    good_faith = models.BooleanField()
    outcome = models.CharField(
        max_length=16, choices=NoticeOutcome.choices, default=NoticeOutcome.OPEN
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notices_reviewed",
    )
    outcome_note = models.TextField(blank=True)
    language = models.CharField(
        max_length=16, blank=True, help_text="The notifier's language, for the e-mails."
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["site", "outcome", "created_at"], name="notice_queue"),
            models.Index(fields=["source_digest", "created_at"], name="notice_source_time"),
            models.Index(fields=["notifier_email", "created_at"], name="notice_email_time"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(notifier__isnull=False) | ~Q(notifier_email=""),
                name="notice_has_a_notifier",
            ),
            models.CheckConstraint(condition=Q(good_faith=True), name="notice_in_good_faith"),
        ]

    def __str__(self) -> str:
        return f"Notice {self.pk} on comment {self.comment_id} ({self.outcome})"


class MessageKind(models.TextChoices):
    APPEAL_OUTCOME = "appeal_outcome", "The outcome of an appeal"
    NOTICE_RECEIVED = "notice_received", "A notice was received"
    NOTICE_OUTCOME = "notice_outcome", "The outcome of a notice"


class MessageStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    SKIPPED = "skipped", "Not sent (no address)"


class OutcomeMessage(models.Model):
    """An e-mail about an appeal or a notice: written in the deciding transaction (an outbox),
    sent after commit, at most once (the unique constraints)."""

    kind = models.CharField(max_length=20, choices=MessageKind.choices)
    appeal = models.ForeignKey(
        Appeal, null=True, blank=True, on_delete=models.CASCADE, related_name="messages"
    )
    notice = models.ForeignKey(
        Notice, null=True, blank=True, on_delete=models.CASCADE, related_name="messages"
    )
    status = models.CharField(
        max_length=12, choices=MessageStatus.choices, default=MessageStatus.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "appeal"], name="message_once_per_appeal"),
            models.UniqueConstraint(fields=["kind", "notice"], name="message_once_per_notice"),
            models.CheckConstraint(
                condition=Q(appeal__isnull=False) | Q(notice__isnull=False),
                name="message_is_about_something",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} ({self.status})"


class ErasureMode(models.TextChoices):
    ANONYMISE = "anonymise", "Keep their comments, signed as a deleted reader"
    REMOVE = "remove", "Remove their comments (replies keep their place)"


class SiteDataPolicy(models.Model):
    """What a site does with a reader's comments when the reader deletes their account
    (GDPR Art. 17). A site without a row anonymises."""

    site = models.OneToOneField(Site, on_delete=models.CASCADE, related_name="data_policy")
    erasure = models.CharField(
        max_length=16, choices=ErasureMode.choices, default=ErasureMode.ANONYMISE
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "site data policy"
        verbose_name_plural = "site data policies"

    def __str__(self) -> str:
        return f"{self.site}: {self.get_erasure_display()}"


class Erasure(models.Model):
    """That an account was erased, and what happened to its data: counts only, nothing that
    identifies the reader."""

    class Via(models.TextChoices):
        READER = "reader", "The reader"
        SITE = "site", "A host site (single sign-on)"

    via = models.CharField(max_length=8, choices=Via.choices)
    site = models.ForeignKey(Site, null=True, blank=True, on_delete=models.SET_NULL)
    comments_removed = models.PositiveIntegerField(default=0)
    comments_anonymised = models.PositiveIntegerField(default=0)
    votes = models.PositiveIntegerField(default=0)
    reports = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Erasure {self.pk} via {self.via}"
