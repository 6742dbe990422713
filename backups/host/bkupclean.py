"""bkupclean (guide 4.5): remove the oldest backups on each of this backup server's disks
until its use is under the high-water mark (`-m 90`: at most 90 % used).

Beyond the guide: the newest complete backup of every directory is never removed, nor a date
the retention rules keep (bk_keep_daily, bk_keep_weekly, bk_keep_monthly on the backup
server); a date is first renamed out of sight (`.<date>.removing`), so a restore never sees
half a tree, then removed with `rm -rf` in one pass (a run that stops leaves that name, and
the next run removes it first)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date as Date
from pathlib import Path

from .config import Retention
from .dates import complete_dates
from .disks import DiskUse, disk_lock, disk_use
from .mangle import NotMangled, unmangle

REMOVING = ".removing"


@dataclass(frozen=True)
class Backup:
    """One date directory of one mangled directory."""

    directory: Path  # the mangled directory
    date: str

    @property
    def path(self) -> Path:
        return self.directory / self.date


def kept(dates: list[str], retention: Retention) -> set[str]:
    """The dates (oldest first) that must stay: the newest, the newest `daily` ones, and
    the newest date of each of the newest `weekly` ISO weeks and `monthly` months."""
    if not dates:
        return set()
    keep = {dates[-1], *dates[-retention.daily :]} if retention.daily else {dates[-1]}
    for count, period in (
        (retention.weekly, lambda d: Date.fromisoformat(d).isocalendar()[:2]),
        (retention.monthly, lambda d: d[:7]),
    ):
        newest_of: dict[object, str] = {}
        for day in dates:
            newest_of[period(day)] = day  # dates are sorted: the last one wins
        keep.update(sorted(newest_of.values())[-count:] if count else ())
    return keep


def mangled_directories(basedirs: Iterable[Path]) -> list[Path]:
    """The mangled backup directories under the basedirs (other names are not ours)."""
    found = []
    for basedir in basedirs:
        for entry in sorted(basedir.iterdir()) if basedir.is_dir() else ():
            try:
                unmangle(entry.name)
            except NotMangled:
                continue
            if entry.is_dir() and not entry.is_symlink():
                found.append(entry)
    return found


def removable(directories: Iterable[Path], retention: Retention) -> list[Backup]:
    """Every date no rule keeps, oldest first."""
    backups = []
    for directory in directories:
        dates = complete_dates(directory)
        keep = kept(dates, retention)
        backups += [Backup(directory, d) for d in dates if d not in keep]
    return sorted(backups, key=lambda b: (b.date, b.directory.name))


class Freeing:
    """Bytes that removing backups frees, backup after backup: a file's blocks come back
    only once all its hard links are among the backups removed."""

    def __init__(self) -> None:
        self._links: dict[tuple[int, int], list[int]] = {}  # seen, st_nlink, bytes
        self.freed = 0

    def add(self, backup: Backup) -> int:
        for folder, subfolders, files in os.walk(backup.path):
            for name in (*files, *subfolders):
                found = os.lstat(os.path.join(folder, name))
                seen = self._links.setdefault(
                    (found.st_dev, found.st_ino), [0, found.st_nlink, found.st_blocks * 512]
                )
                seen[0] += 1
                if seen[0] == seen[1]:
                    self.freed += seen[2]
        return self.freed


def remove(path: Path) -> None:
    """Rename path out of the date listing, then remove it."""
    hidden = path.parent / f".{path.name}{REMOVING}"
    path.rename(hidden)
    subprocess.run(["rm", "-rf", "--one-file-system", "--", str(hidden)], check=True)


def clean_disk(
    directories: list[Path],
    mark: float,
    retention: Retention,
    *,
    dry_run: bool = False,
    say: Callable[[str], None] = print,
) -> DiskUse:
    """Remove the oldest removable dates of directories (all on one disk) until its use is
    at most mark percent; returns the disk's use at the end (planned, for a dry run)."""
    for directory in directories:
        for left in directory.glob(f".*{REMOVING}"):
            say(f"bkupclean: removing {left}, left by an earlier run")
            if not dry_run:
                subprocess.run(["rm", "-rf", "--one-file-system", "--", str(left)], check=True)
    use = start = disk_use(directories[0])
    freeing = Freeing()
    for backup in removable(directories, retention):
        if use.percent <= mark:
            break
        if dry_run:
            freed = freeing.add(backup)
            use = DiskUse(start.mount, start.total, start.used - freed, start.free + freed)
            say(f"bkupclean: would remove {backup.path} ({use.percent:.1f} % used after)")
        else:
            remove(backup.path)
            use = disk_use(directories[0])
            say(f"bkupclean: removed {backup.path} ({use.percent:.1f} % used)")
    return use


def bkupclean(
    state: Path,
    basedirs: Iterable[Path],
    mark: float,
    retention: Retention,
    *,
    dry_run: bool = False,
    say: Callable[[str], None] = print,
) -> list[DiskUse]:
    """clean_disk for each disk holding basedirs, under that disk's lock."""
    by_disk: dict[int, list[Path]] = {}
    for directory in mangled_directories(set(basedirs)):
        by_disk.setdefault(directory.stat().st_dev, []).append(directory)
    uses = []
    for directories in by_disk.values():
        with disk_lock(state, directories[0], "bkupclean"):
            use = clean_disk(directories, mark, retention, dry_run=dry_run, say=say)
        if use.percent > mark:
            say(f"bkupclean: {use.mount} is still {use.percent:.1f} % used: nothing else may go")
        uses.append(use)
    return uses
