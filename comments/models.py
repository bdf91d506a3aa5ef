"""Sites, articles, commenters, comments, votes, reports and the comment audit trail."""

import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone


def new_public_id() -> str:
    return secrets.token_urlsafe(12)


def digest_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_config_stamp() -> str:
    return secrets.token_hex(8)


def new_article_version() -> int:
    return secrets.randbelow(2**53) + 1


class Site(models.Model):
    """A publisher that embeds Parley. Every query about comments is scoped by site."""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    allowed_origins = models.JSONField(
        default=list,
        blank=True,
        help_text='Origins allowed to embed this site, e.g. ["https://news.example.com"].',
    )
    api_key_digest = models.CharField(max_length=64, blank=True, editable=False)
    max_depth = models.PositiveSmallIntegerField(
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text="Replies nest at most this many levels below a top-level comment.",
    )
    edit_window_seconds = models.PositiveIntegerField(default=300)
    replies_per_comment = models.PositiveSmallIntegerField(
        default=3, help_text="Replies shown under each comment in a thread page."
    )
    max_body_chars = models.PositiveIntegerField(default=5000)
    allow_downvotes = models.BooleanField(default=False)
    report_threshold = models.PositiveSmallIntegerField(
        default=3, help_text="Reader reports that move a published comment to the held queue."
    )
    require_2fa = models.BooleanField(
        "require two-factor authentication",
        default=False,
        help_text="Everyone with a role on this site must sign in with a second factor; "
        "until they enrol one, the moderation pages send them to the enrolment page.",
    )
    # Changes whenever the site's moderation configuration changes (policy version, scorers,
    # webhook endpoints; see policy.models): processes cache that configuration under
    # (site id, stamp), and the stamp comes free with the site row every request loads. Random,
    # not a counter, so that a site id reused after a rollback never meets a stale entry.
    config_stamp = models.CharField(max_length=16, default=new_config_stamp, editable=False)
    # HTTP caching of the anonymous thread pages and counts (comments.pagecache, docs/api.md
    # "Caching"): how long browsers and shared caches (a CDN) may keep them.
    http_max_age = models.PositiveIntegerField(
        "browser max-age (seconds)",
        default=5,
        validators=[MaxValueValidator(86400)],
        help_text="How long a reader's browser may reuse an anonymous thread page unchecked.",
    )
    http_s_maxage = models.PositiveIntegerField(
        "shared cache s-maxage (seconds)",
        default=30,
        validators=[MaxValueValidator(86400)],
        help_text="How long a CDN or proxy may serve an anonymous thread page unchecked; "
        "Parley's article.changed webhook lets it purge sooner.",
    )
    http_stale_while_revalidate = models.PositiveIntegerField(
        "stale-while-revalidate (seconds)",
        default=30,
        validators=[MaxValueValidator(86400)],
        help_text="How long past that a cache may serve the old page while it fetches the new.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name

    def check_api_key(self, key: str) -> bool:
        return bool(self.api_key_digest) and secrets.compare_digest(
            self.api_key_digest, digest_key(key)
        )


class Article(models.Model):
    """A page comments hang under, identified by the host's own key within a site."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="articles")
    key = models.CharField(max_length=200)
    url = models.URLField(max_length=2000, blank=True)
    title = models.CharField(max_length=300, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    is_open = models.BooleanField(default=True)
    closes_at = models.DateTimeField(
        null=True, blank=True, help_text="Comments close automatically at this time."
    )
    premoderated = models.BooleanField(
        default=False, help_text="Hold every new comment for a moderator."
    )
    # Bumped (`UPDATE ... SET version = version + 1`, comments.pagecache.article_bump_version)
    # in the transaction of every change a reader can see on the article's pages: cached pages
    # are keyed by it, so none outlives the version it was rendered at.
    # It starts at a random value, so an article whose id is reused (SQLite reuses the highest
    # id after a delete, e.g. the demo's reset) never meets an entry cached for its namesake.
    version = models.PositiveBigIntegerField(default=new_article_version, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["site", "key"], name="article_unique_key")]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title or self.key

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding and kwargs.get("update_fields") is None:
            # The version moves only by comments.pagecache.article_bump_version's UPDATE: a
            # save never writes back one read earlier (a form open for minutes would undo
            # the bumps made meanwhile, and old cached counts would match again).
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name != "version"
            ]
        super().save(*args, **kwargs)

    def accepts_comments(self, now=None) -> bool:
        now = now or timezone.now()
        return self.is_open and (self.closes_at is None or self.closes_at > now)


class Commenter(models.Model):
    """A reader's public face: a display name and a stable opaque id, never the user id."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="commenter"
    )
    public_id = models.CharField(max_length=32, unique=True, default=new_public_id, editable=False)
    display_name = models.CharField(max_length=80)
    # A picture of the reader, e.g. from a host's single sign-on; readers without one get
    # initials from the embed.
    avatar_url = models.URLField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.display_name


class CommentStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    PUBLISHED = "published", "Published"
    HELD = "held", "Held for a moderator"
    REJECTED = "rejected", "Rejected"
    REMOVED = "removed", "Removed by a moderator"
    DELETED = "deleted", "Deleted by its author"


# Statuses whose comment keeps its place in a thread as a tombstone when it has replies.
TOMBSTONE_STATUSES = (CommentStatus.DELETED, CommentStatus.REMOVED)


class Comment(models.Model):
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="comments")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    root = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="descendants"
    )
    depth = models.PositiveSmallIntegerField(default=0)
    author = models.ForeignKey(Commenter, on_delete=models.CASCADE, related_name="comments")
    body = models.TextField()
    html = models.TextField()
    status = models.CharField(
        max_length=16, choices=CommentStatus.choices, default=CommentStatus.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    status_changed_at = models.DateTimeField(default=timezone.now)
    score = models.IntegerField(default=0)
    upvotes = models.PositiveIntegerField(default=0)
    downvotes = models.PositiveIntegerField(default=0)
    reply_count = models.PositiveIntegerField(default=0, help_text="Published direct replies.")
    featured = models.BooleanField(default=False)
    # Where the comment came from, for spam services such as Akismet (which require the IP).
    # Never shown through the API; `manage.py forget_client_info` erases old values.
    user_ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    # The latest decision as the author sees it; the full history is in CommentEvent.
    moderation_clause_id = models.CharField(max_length=64, blank=True)
    moderation_clause_title = models.CharField(max_length=200, blank=True)
    moderation_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["article", "parent", "created_at", "id"], name="comment_thread_time"
            ),
            models.Index(fields=["article", "parent", "score", "id"], name="comment_thread_score"),
            # Top-level pages: PostgreSQL does not read the indexes above in order for
            # `parent_id IS NULL`, and sorted every top-level comment of an article instead.
            models.Index(
                fields=["article", "created_at", "id"],
                condition=Q(parent__isnull=True),
                name="comment_top_time",
            ),
            models.Index(
                fields=["article", "score", "id"],
                condition=Q(parent__isnull=True),
                name="comment_top_score",
            ),
            models.Index(fields=["root", "parent", "created_at", "id"], name="comment_subtree"),
            models.Index(fields=["article", "status"], name="comment_article_status"),
            models.Index(fields=["site", "status", "created_at"], name="comment_site_queue"),
            models.Index(fields=["author", "created_at"], name="comment_author_recent"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(parent__isnull=True, depth=0)
                | Q(parent__isnull=False, root__isnull=False, depth__gt=0),
                name="comment_tree_shape",
            ),
        ]

    def __str__(self) -> str:
        return f"Comment {self.pk} ({self.status})"

    @property
    def is_tombstone(self) -> bool:
        return self.status in TOMBSTONE_STATUSES


class Vote(models.Model):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(Commenter, on_delete=models.CASCADE, related_name="votes")
    value = models.SmallIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment", "voter"], name="vote_one_per_reader"),
            models.CheckConstraint(condition=Q(value__in=[1, -1]), name="vote_value_sign"),
        ]

    def __str__(self) -> str:
        return f"{self.value:+d} on comment {self.comment_id}"


class ActorKind(models.TextChoices):
    RULE = "rule", "A policy rule"
    SCORER = "scorer", "A scorer"
    MODERATOR = "moderator", "A moderator"
    AUTHOR = "author", "The author"
    READERS = "readers", "Reader reports"
    POLICY_CHANGE = "policy_change", "A policy change"
    SYSTEM = "system", "The system"


class CommentEvent(models.Model):
    """The audit trail: one row per status change or edit, with who or what and which clause."""

    class Kind(models.TextChoices):
        STATUS = "status", "Status change"
        EDIT = "edit", "Edit"
        CREATED = "created", "Created"
        REVIEW = "review", "Reports reviewed by a moderator"

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.STATUS)
    from_status = models.CharField(max_length=16, choices=CommentStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=CommentStatus.choices)
    actor_kind = models.CharField(max_length=16, choices=ActorKind.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    actor_label = models.CharField(max_length=120, blank=True)
    clause_id = models.CharField(max_length=64, blank=True)
    clause_title = models.CharField(max_length=200, blank=True)
    note = models.TextField(blank=True)
    policy_version = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["comment", "created_at"], name="event_comment_time")]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} -> {self.to_status} by {self.actor_kind}"


class Report(models.Model):
    """A reader's report that a comment breaks a clause of the site's policy."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(Commenter, on_delete=models.CASCADE, related_name="reports")
    clause_id = models.CharField(max_length=64)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment", "reporter"], name="report_one_per_reader")
        ]

    def __str__(self) -> str:
        return f"Report on comment {self.comment_id} ({self.clause_id})"
