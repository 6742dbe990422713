"""Monitoring data: the hosts' heartbeats (their last report), the current status of every
metric, the change-only history of readings, acknowledgements and maintenance windows.

Nothing outside nms.ingest and nms.services writes these models."""

from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from .choices import Heartbeat, Level


class Host(models.Model):
    """A host that has reported; its last report, by the server's clock, is its heartbeat."""

    name = models.CharField(max_length=128, unique=True, help_text="The host's entity name.")
    first_report = models.DateTimeField()
    last_report = models.DateTimeField(help_text="When its last report was received.")
    collected = models.DateTimeField(
        help_text="When the newest report applied was taken, by the server's clock: older "
        "ones only fill in the history."
    )
    silent = models.BooleanField(
        default=False,
        help_text="Its silence was noticed and it has not reported since.",
    )
    notified_state = models.CharField(
        max_length=9,
        choices=Heartbeat.choices,
        default=Heartbeat.REPORTING,
        help_text="What people were last told: silent or reporting.",
    )

    class Meta:
        ordering = ["name"]
        permissions = [("request_collection", "Can ask a host's agent to collect now")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("nms:host", args=[self.name])


class Status(models.Model):
    """The current reading of one metric (a category and item) of a host, and its state: the
    level the readings have held for the configured number of reports."""

    host = models.ForeignKey(Host, on_delete=models.CASCADE, related_name="statuses")
    category = models.CharField(max_length=32, help_text="The nms entity holding its levels.")
    item = models.CharField(max_length=255, blank=True, help_text="A file system, array, port...")
    value = models.CharField(max_length=255)
    number = models.FloatField(null=True, blank=True, help_text="The value, when it is a number.")
    detail = models.CharField(max_length=500, blank=True)
    level = models.CharField(max_length=8, choices=Level.choices, help_text="The last reading's.")
    state = models.CharField(max_length=8, choices=Level.choices, db_index=True)
    streak = models.PositiveSmallIntegerField(
        default=0, help_text="Consecutive readings at a level other than the state."
    )
    notified_state = models.CharField(
        max_length=8,
        choices=Level.choices,
        default=Level.OK,
        help_text="The state people were last told about; told again when the state differs "
        "and nothing mutes it.",
    )
    since = models.DateTimeField(help_text="When the state began.")
    changed = models.DateTimeField(help_text="When the value last changed.")
    stored = models.FloatField(
        null=True,
        blank=True,
        help_text="The number last written to the history: the deadband is measured from it.",
    )

    class Meta:
        ordering = ["host", "category", "item"]
        verbose_name_plural = "statuses"
        constraints = [
            models.UniqueConstraint(
                fields=["host", "category", "item"],
                name="unique_status_metric",
                violation_error_message="This host already has a status for this metric.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.host_id} {self.category} {self.item} = {self.value} ({self.state})"


class Sample(models.Model):
    """A stored reading: kept when a metric's level changed, its word changed, or its number
    moved by more than the category's deadband, so history costs only the changes. The
    heartbeat is the host's last report, not a sample."""

    host = models.ForeignKey(Host, on_delete=models.CASCADE, related_name="samples")
    category = models.CharField(max_length=32)
    item = models.CharField(max_length=255, blank=True)
    time = models.DateTimeField()
    value = models.CharField(max_length=255)
    number = models.FloatField(null=True, blank=True)
    detail = models.CharField(max_length=500, blank=True)
    level = models.CharField(max_length=8, choices=Level.choices)

    class Meta:
        ordering = ["host", "category", "item", "time"]
        indexes = [
            models.Index(fields=["host", "category", "item", "time"], name="sample_metric_time")
        ]

    def __str__(self) -> str:
        return f"{self.host_id} {self.category} {self.item} {self.time:%Y-%m-%d %H:%M} {self.value}"


class PendingReport(models.Model):
    """A host's report the API accepted and nms.ingest.ingest_pending has not applied yet:
    committed before the API answers, deleted in the transaction that applies it."""

    host = models.CharField(max_length=128)
    received = models.DateTimeField(help_text="When it arrived: the host's heartbeat.")
    taken = models.DateTimeField(help_text="When it was collected, by the server's clock.")
    reports = models.JSONField(help_text='{category: [{"item", "value", "detail"}, ...]}')

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.host} {self.received:%Y-%m-%d %H:%M:%S}"


class Acknowledgement(models.Model):
    """Someone knows about a problem: notifications of the metrics it covers stop until it
    expires."""

    host = models.ForeignKey(Host, on_delete=models.CASCADE, related_name="acknowledgements")
    category = models.CharField(max_length=32, blank=True, help_text="Empty: every category.")
    item = models.CharField(max_length=255, blank=True, help_text="Empty: every item.")
    comment = models.TextField()
    user = models.CharField(max_length=150)
    created = models.DateTimeField()
    expires = models.DateTimeField()

    class Meta:
        ordering = ["-created"]
        indexes = [models.Index(fields=["expires"], name="ack_expires")]

    def __str__(self) -> str:
        return f"{self.host_id} {self.category or '*'} {self.item or '*'} by {self.user}"

    def covers(self, category: str, item: str) -> bool:
        return self.category in ("", category) and (self.item in ("", item))


class MaintenanceWindow(models.Model):
    """A time when a host, or every host of a domain, is worked on: its notifications are
    muted and the overview marks it."""

    host = models.CharField(max_length=128, blank=True)
    domain = models.CharField(max_length=255, blank=True)
    start = models.DateTimeField()
    end = models.DateTimeField()
    comment = models.TextField()
    user = models.CharField(max_length=150)

    class Meta:
        ordering = ["start"]
        indexes = [models.Index(fields=["end"], name="maintenance_end")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(host="") & ~Q(domain="")) | (~Q(host="") & Q(domain="")),
                name="maintenance_host_or_domain",
                violation_error_message="A maintenance window is for one host or one domain.",
            ),
            models.CheckConstraint(
                condition=Q(end__gt=F("start")),
                name="maintenance_ends_after_start",
                violation_error_message="A maintenance window must end after it starts.",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.host or self.domain} {self.start:%Y-%m-%d %H:%M} to {self.end:%Y-%m-%d %H:%M}"
        )

    @property
    def target(self) -> str:
        return self.host or self.domain
