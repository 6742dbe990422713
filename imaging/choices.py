"""Enumerated values of imaging."""

from django.db import models

from .host import lnrsync


class StepState(models.TextChoices):
    """Where one destination of a sync now stands. The last four are lnrsync's own words
    (imaging.host.lnrsync), which the host reports."""

    QUEUED = "queued", "queued"
    RUNNING = "running", "running"
    SYNCED = lnrsync.SYNCED, "synced"
    FAILED = lnrsync.FAILED, "failed"
    WAITING = lnrsync.WAITING, "waiting"
    SKIPPED = lnrsync.SKIPPED, "skipped"


class BootProtocol(models.TextChoices):
    """How a boot request reached the appserver: lntftpd or menuserver."""

    TFTP = "tftp", "TFTP"
    HTTP = "http", "HTTP"
