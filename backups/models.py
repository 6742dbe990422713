"""The web server's record of backups: what backupsync last did for each directory and what
each backup disk holds, as the backup servers report them. The BackupTable itself (bk_date
included) is configuration, in entities."""

from django.db import models
from django.utils import timezone

from core.runs import Run, Step, state_field

from .choices import StepState


class BackupRun(models.Model):
    """The last backupsync of one directory of one server, good or not."""

    mangled = models.CharField(
        max_length=255, unique=True, help_text="The mangled directory name (backups.host.mangle)."
    )
    source = models.CharField(max_length=128, help_text="The server whose directory it is.")
    directory = models.CharField(max_length=4095, help_text="bk_directory on the source.")
    bk_server = models.CharField(max_length=128, help_text="The backup server that ran it.")
    date = models.CharField(max_length=10, help_text="The date directory it wrote.")
    ok = models.BooleanField()
    exit_code = models.IntegerField(default=0, help_text="rsync's exit status (24: vanished).")
    message = models.TextField(blank=True)
    files = models.BigIntegerField(default=0)
    bytes = models.BigIntegerField(default=0, help_text="Total size of the directory.")
    seconds = models.FloatField(default=0)
    differences = models.JSONField(
        default=list, blank=True, help_text="Files --verify found differing from the source."
    )
    finished = models.DateTimeField(default=timezone.now)
    last_good = models.DateTimeField(
        null=True, blank=True, help_text="When a run last succeeded for this directory."
    )

    class Meta:
        ordering = ["source", "directory"]
        indexes = [models.Index(fields=["source"], name="backuprun_source")]
        permissions = [("browse_any_backup", "Can browse and download any backup")]

    def __str__(self) -> str:
        return f"{self.source}:{self.directory} on {self.bk_server}"


class BackupDisk(models.Model):
    """A backup server's disk as its last backupsync or bkupclean saw it."""

    bk_server = models.CharField(max_length=128)
    mount = models.CharField(max_length=255, help_text="Mount point on the backup server.")
    total = models.BigIntegerField(default=0)
    used = models.BigIntegerField(default=0)
    free = models.BigIntegerField(default=0)
    holds = models.JSONField(
        default=list, blank=True, help_text="Each mangled directory on it and its dates."
    )
    reported = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["bk_server", "mount"]
        constraints = [
            models.UniqueConstraint(
                fields=["bk_server", "mount"],
                name="unique_backup_disk",
                violation_error_message="This backup server already has a disk at this mount.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.bk_server}:{self.mount}"

    @property
    def percent(self) -> float:
        return 100.0 * self.used / max(self.used + self.free, 1)


class BackupNow(Run):
    """A "back up now" asked for on the backup status pages: one BackupTable row of a
    server, or every row of it switched on. Each row is a BackupNowStep, run by backupsync
    on the row's bk_server."""

    server = models.CharField(max_length=128, help_text="The server whose directories they are.")
    directory = models.CharField(
        max_length=4095, blank=True, help_text="The one bk_directory asked for; empty: every one."
    )

    def __str__(self) -> str:
        return f"back up {self.server}:{self.directory or 'every directory'} now"


class BackupNowStep(Step):
    """One directory of a BackupNow: BackupTable row `row` of the run's server, backed up by
    `bk_server`, and where it stands as that backup server last reported."""

    run = models.ForeignKey(BackupNow, on_delete=models.CASCADE, related_name="steps")
    row = models.PositiveIntegerField(help_text="The row of the server's BackupTable.")
    directory = models.CharField(max_length=4095, help_text="bk_directory.")
    bk_server = models.CharField(max_length=128, help_text="The backup server that runs it.")
    state = state_field(StepState)

    class Meta:
        ordering = ["run", "row"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "row"],
                name="backups_backupnowstep_one_per_row",
                violation_error_message="A back up now has one step per BackupTable row.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.bk_server} <- {self.run.server}:{self.directory} {self.state}"
