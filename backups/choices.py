"""Enumerated values of backups."""

from django.db import models

from .host import backupnow


class StepState(models.TextChoices):
    """Where one directory of a back up now stands. The last three are what the backup
    server reports (backups.host.backupnow)."""

    QUEUED = "queued", "queued"
    RUNNING = backupnow.RUNNING, "running"
    DONE = backupnow.DONE, "backed up"
    FAILED = backupnow.FAILED, "failed"
