"""What the importers remember: each run, and which source record became which Parley row."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from comments.models import Site


class ImportRun(models.Model):
    """One `manage.py import_comments` (or its dry run): the file, the counts, how it ended."""

    class State(models.TextChoices):
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        DRY_RUN = "dry_run", "Dry run (nothing written)"

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="import_runs")
    format = models.CharField(max_length=16)
    source = models.CharField(
        max_length=255, help_text="The namespace of the source ids, e.g. disqus or wordpress:URL."
    )
    file_name = models.CharField(max_length=500)
    file_sha256 = models.CharField(max_length=64)
    state = models.CharField(max_length=12, choices=State.choices, default=State.RUNNING)
    counts = models.JSONField(default=dict, blank=True)
    problems = models.JSONField(
        default=list, blank=True, help_text="The first skipped or repaired records: position, why."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"Import of {self.file_name} ({self.format}) into {self.site_id}: {self.state}"


class ImportedRecord(models.Model):
    """A source record that is already in Parley: what makes a second import change nothing
    and an interrupted one resume. Written in the same transaction as the row it maps."""

    class Kind(models.TextChoices):
        ARTICLE = "article", "Article"
        COMMENTER = "commenter", "Commenter"
        COMMENT = "comment", "Comment"

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=255)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    source_id = models.CharField(max_length=255)
    target_id = models.BigIntegerField()
    run = models.ForeignKey(ImportRun, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["site", "source", "kind", "source_id"], name="imported_record_unique"
            )
        ]
        indexes = [models.Index(fields=["kind", "target_id"], name="imported_record_target")]

    def __str__(self) -> str:
        return f"{self.source} {self.kind} {self.source_id} -> {self.target_id}"
