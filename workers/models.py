"""The web server's record of the host agents: who they are, what they read, what they did.

The agents themselves (workers.host) never import these models."""

from datetime import datetime

from django.conf import settings
from django.db import models
from django.urls import reverse


class AgentHost(models.Model):
    """A host with an agent: its token's user, and what it last applied."""

    name = models.CharField(max_length=128, unique=True, help_text="The host's entity name.")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="agent_host",
        help_text="The account the host's API token belongs to.",
    )
    registered = models.DateTimeField(null=True, blank=True)
    last_report = models.DateTimeField(null=True, blank=True)
    last_seq = models.BigIntegerField(
        default=0, help_text="The last change sequence number the agent applied."
    )
    reads_digest = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("workers:host", args=[self.name])

    @property
    def queue(self) -> str:
        return f"host.{self.name}"


class HostRead(models.Model):
    """An entity a host's templates read (entity "" is any entity of the type): a change to
    it is work for that host."""

    host = models.ForeignKey(AgentHost, on_delete=models.CASCADE, related_name="reads")
    entity_type = models.CharField(max_length=64)
    entity = models.CharField(max_length=128, blank=True)

    class Meta:
        indexes = [models.Index(fields=["entity_type", "entity"], name="hostread_entity")]
        constraints = [
            models.UniqueConstraint(
                fields=["host", "entity_type", "entity"],
                name="unique_host_read",
                violation_error_message="This host already records reading this entity.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.host} reads {self.entity_type}/{self.entity or '*'}"


class AgentReport(models.Model):
    """What one agent pass did (sync or sanity)."""

    class Kind(models.TextChoices):
        SYNC = "sync", "Change feed"
        SANITY = "sanity", "Sanity pass"

    host = models.ForeignKey(AgentHost, on_delete=models.CASCADE, related_name="reports")
    report_id = models.UUIDField(
        help_text="The agent's id, unique per host: a resent report is kept once."
    )
    received = models.DateTimeField(auto_now_add=True)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    seq = models.BigIntegerField(help_text="The change sequence number the agent had applied.")
    duration = models.FloatField(default=0)
    files_read = models.IntegerField(default=0)
    files_written = models.IntegerField(default=0)
    files_changed = models.JSONField(default=list, blank=True)
    scripts = models.JSONField(default=list, blank=True)
    errors = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-received", "-pk"]
        constraints = [
            # Per host: one host's id never finds another host's report.
            models.UniqueConstraint(
                fields=["host", "report_id"],
                name="unique_host_report",
                violation_error_message="This host already sent a report with this id.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.host} {self.kind} #{self.seq}"

    @property
    def failed_scripts(self) -> list[dict]:
        return [s for s in self.scripts if s.get("exit_status") != 0]


class HostCertificate(models.Model):
    """A certificate the Labnet CA issued to a host (guide 2.7): what it names, until when,
    and whether it was revoked, by whom and when."""

    host = models.CharField(max_length=128, help_text="The host's entity name.")
    serial = models.CharField(
        max_length=40, help_text="The certificate's serial number, in hexadecimal."
    )
    subject = models.CharField(max_length=255)
    names = models.JSONField(default=list, help_text="The DNS names of its subjectAltName.")
    addresses = models.JSONField(default=list, help_text="The IP addresses of its SAN.")
    not_before = models.DateTimeField()
    not_after = models.DateTimeField()
    pem = models.TextField()
    issued = models.DateTimeField(auto_now_add=True)
    revoked = models.DateTimeField(null=True, blank=True)
    revoked_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["host", "-not_before", "-pk"]
        permissions = [("manage_certificates", "Can revoke host certificates")]
        indexes = [models.Index(fields=["host", "revoked"], name="hostcert_host_revoked")]
        constraints = [
            models.UniqueConstraint(
                fields=["serial"],
                name="unique_certificate_serial",
                violation_error_message="The CA already issued a certificate with this serial.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} ({self.serial})"

    def status(self, now: datetime) -> str:
        if self.revoked:
            return "revoked"
        return "expired" if self.not_after <= now else "valid"
