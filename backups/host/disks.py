"""A backup server's disks: the file system a directory lives on, its use, and the lock that
lets one backupsync or bkupclean at a time work on it."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


class DiskBusy(RuntimeError):
    """Another backupsync or bkupclean holds the disk."""


@dataclass(frozen=True)
class DiskUse:
    mount: str
    total: int
    used: int
    free: int  # what an unprivileged writer may still use

    @property
    def percent(self) -> float:
        """Use as df shows it: used / (used + available)."""
        return 100.0 * self.used / max(self.used + self.free, 1)


def mount_point(path: Path) -> Path:
    """The mount point of the file system holding path."""
    path = path.resolve()
    device = path.stat().st_dev
    while path.parent != path and path.parent.stat().st_dev == device:
        path = path.parent
    return path


def disk_use(path: Path) -> DiskUse:
    found = os.statvfs(path)
    total = found.f_blocks * found.f_frsize
    used = (found.f_blocks - found.f_bfree) * found.f_frsize
    return DiskUse(str(mount_point(path)), total, used, found.f_bavail * found.f_frsize)


@contextmanager
def disk_lock(lock_dir: Path, disk: Path, holder: str) -> Iterator[None]:
    """Hold the lock of disk (a path on it) for the block; DiskBusy at once when another
    process holds it (the message names it: holder, as "backupsync", and its pid). The lock
    files live in the agent's state folder, one per device."""
    lock_dir.mkdir(parents=True, exist_ok=True)
    lock_file = lock_dir / f"backup-disk-{disk.stat().st_dev}.lock"
    with lock_file.open("a+") as held:
        try:
            fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            held.seek(0)
            owner = held.read().strip() or "another process"
            raise DiskBusy(f"disk {mount_point(disk)} is busy ({owner})") from None
        held.seek(0)
        held.truncate()
        held.write(f"{holder} pid {os.getpid()}\n")
        held.flush()
        try:
            yield
        finally:
            held.truncate(0)
            fcntl.flock(held, fcntl.LOCK_UN)
