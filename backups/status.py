"""How each backed-up directory stands, coloured as the guide's View Backup webtool: the age
of its last good backup (bk_date), and its last run from backupsync's reports."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date as Date

from django.utils import timezone

from .configuration import backup_table
from .host.table import BackupRow
from .models import BackupRun

OK, WARNING, CRITICAL, OFF = "ok", "warning", "critical", "off"
_ORDER = {OFF: 0, OK: 1, WARNING: 2, CRITICAL: 3}
# A good backup older than a day is a warning (a night was missed), older than a week or
# none at all critical (docs/backups.md).
WARNING_DAYS, CRITICAL_DAYS = 1, 7


@dataclass(frozen=True)
class DirectoryStatus:
    row: BackupRow
    run: BackupRun | None
    age: int | None  # days since bk_date; None: never backed up

    @property
    def state(self) -> str:
        if not self.row.on:
            return OFF
        if self.age is None or self.age > CRITICAL_DAYS:
            return CRITICAL
        if self.age > WARNING_DAYS:
            return WARNING
        return OK

    @property
    def failed(self) -> bool:
        """Its last run failed (the previous backup stands)."""
        return self.run is not None and not self.run.ok


def worst(states) -> str:
    return max(states, key=_ORDER.__getitem__, default=OFF)


def directory_statuses(sources=None, today: Date | None = None) -> list[DirectoryStatus]:
    """Each BackupTable row of the sources (every server when None), two queries."""
    today = today or timezone.localdate()
    rows = backup_table(sources)
    runs = {r.mangled: r for r in BackupRun.objects.filter(mangled__in=[r.mangled for r in rows])}
    return [
        DirectoryStatus(
            row,
            runs.get(row.mangled),
            (today - Date.fromisoformat(row.last_date)).days if row.last_date else None,
        )
        for row in rows
    ]


@dataclass(frozen=True)
class ServerStatus:
    name: str
    directories: list[DirectoryStatus]

    @property
    def state(self) -> str:
        return worst(d.state for d in self.directories)

    @property
    def oldest(self) -> str:
        """The oldest last good backup of its directories that are on ("none" if one never was)."""
        dates = [d.row.last_date for d in self.directories if d.row.on]
        if not dates:
            return ""
        return "none" if None in dates else min(dates)

    @property
    def failed(self) -> int:
        return sum(d.failed for d in self.directories)

    @property
    def backup_servers(self) -> str:
        return ", ".join(sorted({d.row.bk_server for d in self.directories}))


def server_statuses(today: Date | None = None) -> list[ServerStatus]:
    by_server: dict[str, list[DirectoryStatus]] = defaultdict(list)
    for status in directory_statuses(today=today):
        by_server[status.row.source].append(status)
    return [ServerStatus(name, found) for name, found in sorted(by_server.items())]


def overdue_backups() -> list[tuple[str, str, str, str]]:
    """The NMS overview's problems (core.problems): each directory switched on whose last
    good backup is more than a day old, or that never had one, is a warning on its server.
    One query."""
    today = timezone.localdate()
    problems = []
    for row in backup_table():
        last = row.last_date
        if row.on and (last is None or (today - Date.fromisoformat(last)).days > WARNING_DAYS):
            problems.append((row.source, "backup", row.directory, WARNING))
    return problems
