"""Reactions to comments ("Insightful", "Funny"...) for sites that turn them on."""

from django.core.exceptions import ValidationError
from django.db import models

from comments.models import Comment, Commenter, Site

from .kinds import KINDS, MAX_PER_SITE


def _check_kinds(value: object) -> None:
    if not isinstance(value, list) or not all(isinstance(k, str) for k in value):
        raise ValidationError("A list of reaction kinds.")
    unknown = [k for k in value if k not in KINDS]
    if unknown:
        raise ValidationError(
            f"Unknown reaction kinds: {', '.join(unknown)}. Known: {', '.join(KINDS)}."
        )
    if len(set(value)) != len(value):
        raise ValidationError("Each reaction kind once.")
    if len(value) > MAX_PER_SITE:
        raise ValidationError(f"At most {MAX_PER_SITE} reaction kinds.")


class SiteReactions(models.Model):
    """Which reactions a site offers under each comment, in order. No row, or an empty list:
    readers have the up-vote only, as before."""

    site = models.OneToOneField(Site, on_delete=models.CASCADE, related_name="reactions")
    kinds = models.JSONField(
        default=list,
        blank=True,
        validators=[_check_kinds],
        help_text=f'In the order shown, e.g. ["insightful", "funny"]. Known: {", ".join(KINDS)}.',
    )

    class Meta:
        verbose_name = "reaction settings"
        verbose_name_plural = "reaction settings"

    def __str__(self) -> str:
        return f"{self.site}: {', '.join(self.kinds) or 'up-vote only'}"


class Reaction(models.Model):
    """One reader's reaction to one comment: one at a time, like a vote."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reactions")
    reactor = models.ForeignKey(Commenter, on_delete=models.CASCADE, related_name="reactions")
    kind = models.CharField(max_length=20, choices=[(k.kind, k.label) for k in KINDS.values()])
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment", "reactor"], name="reaction_one_per_reader"),
        ]
        indexes = [models.Index(fields=["comment", "kind"], name="reaction_comment_kind")]

    def __str__(self) -> str:
        return f"{self.reactor} {self.kind} on {self.comment_id}"
