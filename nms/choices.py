"""Enumerated values of network monitoring."""

from django.db import models


class Level(models.TextChoices):
    """How bad a reading is; the order of the members is the order of severity."""

    OK = "ok", "OK"
    WARNING = "warning", "Warning"
    CRITICAL = "critical", "Critical"


class Heartbeat(models.TextChoices):
    """Whether a host reports: silent once its silence is noticed, until its next report."""

    REPORTING = "reporting", "Reporting"
    SILENT = "silent", "Silent"


# The overview's tile for a host that never reported: neither good nor bad.
NO_DATA = "nodata"
SEVERITY = {Level.OK: 0, NO_DATA: 1, Level.WARNING: 2, Level.CRITICAL: 3}


def worst(levels) -> str:
    return max(levels, key=SEVERITY.__getitem__, default=Level.OK)
