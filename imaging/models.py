"""What the imaging app keeps centrally."""

from datetime import datetime

from django.db import models
from django.utils import timezone

from core.runs import UNDER_WAY, Run, Step, state_field

from .choices import BootProtocol, StepState


class ImageRestore(models.Model):
    """One re-imaging of a client's local partition (restoreimage at logout or boot), as the
    client's agent reported it: how many used blocks differed from the image and were
    written, and whether the partition ended good."""

    host = models.CharField(max_length=128, db_index=True, help_text="The client's entity name.")
    partition = models.CharField(max_length=255, help_text="The partition re-imaged.")
    image = models.CharField(max_length=1024, help_text="The image directory or URL.")
    good = models.BooleanField(help_text="Every used block matches the image.")
    used_blocks = models.PositiveBigIntegerField()
    differed_blocks = models.PositiveBigIntegerField(help_text="Used blocks whose hash differed.")
    written_bytes = models.PositiveBigIntegerField()
    seconds = models.FloatField(help_text="How long the restore took.")
    error = models.CharField(max_length=500, blank=True, help_text="Why it failed, if it did.")
    received = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-received", "-pk"]

    def __str__(self) -> str:
        return f"{self.host} {self.partition} {self.received:%Y-%m-%d %H:%M}"


class SyncRun(Run):
    """A "sync now" asked for in the Rsync Info Editor: one Rsync row of a server (its copy of
    an image), or that row and every copy below it in the image's tree (subtree). Each
    destination is a SyncStep, pushed by lnrsync on the server holding its parent copy."""

    image = models.CharField(max_length=255, help_text="The rsyncImage whose tree it is.")
    server = models.CharField(max_length=128, help_text="The server whose copy was asked for.")
    dst = models.CharField(max_length=4095, help_text="That copy's rs_dst.")
    subtree = models.BooleanField(help_text="Every copy below it too.")

    def __str__(self) -> str:
        return f"sync {self.server}:{self.dst} ({self.image})"


class SyncStep(Step):
    """One destination of a SyncRun: the Rsync row `row` of `server`, copied from `source`,
    and where it stands as the source's agent last reported."""

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="steps")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    position = models.PositiveIntegerField(help_text="Its place in the tree, parents first.")
    depth = models.PositiveSmallIntegerField()
    source = models.CharField(max_length=128, help_text="The server that pushes (rs_host).")
    server = models.CharField(max_length=128)
    row = models.PositiveIntegerField(help_text="The row of server's Rsync table.")
    dst = models.CharField(max_length=4095)
    state = state_field(StepState)

    class Meta:
        ordering = ["run", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "server", "row"],
                name="imaging_syncstep_one_per_row",
                violation_error_message="A sync now has one step per Rsync row.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.source} -> {self.server}:{self.dst} {self.state}"

    def end(self, state: str, message: str, now: datetime | None = None, **more) -> None:
        """As Step.end; below a copy not brought up to date nothing is synced: the steps
        under way below it are skipped first."""
        now = now or timezone.now()
        if state != StepState.SYNCED:
            self._skip_below(now)
        super().end(state, message, now, **more)

    def _skip_below(self, now: datetime) -> None:
        for child in self.children.filter(state__in=UNDER_WAY):
            child.report(StepState.SKIPPED, f"{self.server}'s copy was not brought up to date", now)
            child._skip_below(now)


class BuildReport(models.Model):
    """One run of buildserver for a server (guide 3.6), as the run reported it: its exit
    status and everything it printed, the same log it keeps in the server's
    /var/log/buildserver.log."""

    server = models.CharField(max_length=128, db_index=True, help_text="The server built.")
    status = models.SmallIntegerField(help_text="buildserver's exit status: 0 built.")
    log = models.TextField(help_text="What the run printed, its answers included.")
    run_by = models.CharField(
        max_length=150, help_text="The user (manage.py) or the token the run wrote with."
    )
    received = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-received", "-pk"]

    def __str__(self) -> str:
        return f"buildserver {self.server} {self.received:%Y-%m-%d %H:%M} exit {self.status}"


class BootRequest(models.Model):
    """A TFTP or HTTP request an appserver's boot services saw from a client lately, as its
    agent reported it; the newest few per client are kept (imaging.boot_reports)."""

    appserver = models.CharField(max_length=128, help_text="The host whose daemon saw it.")
    client = models.CharField(max_length=128, help_text="The client or standalone entity.")
    protocol = models.CharField(max_length=8, choices=BootProtocol.choices)
    path = models.CharField(max_length=200, help_text="The file or URL path asked for.")
    peer = models.CharField(max_length=45, help_text="The address the request came from.")
    problem = models.CharField(max_length=200, blank=True, help_text="The error answered, if any.")
    seen = models.DateTimeField(help_text="When the daemon answered it.")

    class Meta:
        ordering = ["-seen", "-pk"]
        indexes = [models.Index(fields=["client", "-seen"], name="imaging_bootreq_client_seen")]

    def __str__(self) -> str:
        return f"{self.client} {self.protocol} {self.path} {self.seen:%Y-%m-%d %H:%M:%S}"


class BootDaemon(models.Model):
    """One boot daemon (lntftpd, menuserver) the agent of an appserver runs, as it last
    reported it."""

    host = models.CharField(max_length=128, help_text="The appserver.")
    daemon = models.CharField(max_length=32, help_text="lntftpd or menuserver.")
    running = models.BooleanField()
    pid = models.PositiveIntegerField(null=True, blank=True)
    listen = models.CharField(max_length=64, help_text="ADDR:PORT it serves on.")
    since = models.DateTimeField(null=True, blank=True, help_text="When it last started.")
    restarts = models.PositiveIntegerField(help_text="How often the agent restarted it.")
    exit_status = models.IntegerField(null=True, blank=True, help_text="Its last exit status.")
    problem = models.CharField(max_length=200, blank=True, help_text="Its last words on exit.")
    reported = models.DateTimeField()

    class Meta:
        ordering = ["host", "daemon"]
        constraints = [
            models.UniqueConstraint(
                fields=["host", "daemon"],
                name="imaging_bootdaemon_one_per_host",
                violation_error_message="An appserver reports each boot daemon once.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.daemon} on {self.host}: {'running' if self.running else 'stopped'}"


class IscsiState(models.Model):
    """What a Windows 7 appserver's agent last reported of its iSCSI storage: each master
    image volume (size, TimeStamp, sync state), each client's COW disk (created, bytes
    written of cowLvSize), each target with its ACL's initiator and logged-in sessions."""

    host = models.CharField(max_length=128, help_text="The appserver.")
    vgroup = models.CharField(max_length=128, help_text="Its iscsi_image_vgroup.")
    free_bytes = models.PositiveBigIntegerField(help_text="Free space for COW disks.")
    masters = models.JSONField(default=list, help_text="One object per master volume.")
    cows = models.JSONField(default=list, help_text="One object per COW disk.")
    targets = models.JSONField(default=list, help_text="One object per iSCSI target.")
    reported = models.DateTimeField()

    class Meta:
        ordering = ["host"]
        constraints = [
            models.UniqueConstraint(
                fields=["host"],
                name="imaging_iscsistate_one_per_host",
                violation_error_message="An appserver has one iSCSI state.",
            )
        ]

    def __str__(self) -> str:
        return f"iSCSI storage of {self.host}"
