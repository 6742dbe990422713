"""Mounted file systems, shared by diskspace, diskinodes, fsck and mounts."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from . import System

_ESCAPE = re.compile(r"\\([0-7]{3})")
# Images written once (snaps, CDs, live systems): always full, never a problem.
READ_ONLY_TYPES = {"squashfs", "iso9660", "udf", "erofs", "cramfs"}


@dataclass(frozen=True)
class Mount:
    device: str
    mountpoint: str
    type: str
    options: str


def _unescape(field: str) -> str:
    """/proc/mounts writes a space in a path as \\040."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 8)), field)


def parse_mounts(text: str) -> list[Mount]:
    mounts = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 4:
            mounts.append(Mount(_unescape(fields[0]), _unescape(fields[1]), fields[2], fields[3]))
    return mounts


def parse_nodev_types(text: str) -> set[str]:
    """The /proc/filesystems types marked nodev: not backed by a disk."""
    return {line.split()[-1] for line in text.splitlines() if line.startswith("nodev")}


def visible_mounts(mounts: list[Mount]) -> list[Mount]:
    """Each mount point once, as the last mount on it: the one that hides the others."""
    visible: dict[str, Mount] = {}
    for mount in mounts:
        visible.pop(mount.mountpoint, None)
        visible[mount.mountpoint] = mount
    return list(visible.values())


def disk_mounts(system: System) -> list[Mount]:
    """Disk-backed file systems as they are visible, each device once (a bind mount repeats
    its device)."""
    nodev = parse_nodev_types(system.read("/proc/filesystems"))
    seen: set[str] = set()
    found = []
    for mount in visible_mounts(parse_mounts(system.read("/proc/mounts"))):
        if mount.type in nodev or mount.device in seen:
            continue
        seen.add(mount.device)
        found.append(mount)
    return found


def writable_mounts(system: System) -> list[Mount]:
    """The disk mounts whose space and inodes can run out: not read-only."""
    return [
        m
        for m in disk_mounts(system)
        if m.type not in READ_ONLY_TYPES and "ro" not in m.options.split(",")
    ]


def percent_used(total: int, free: int, available: int) -> float | None:
    """df's Use%: used over what users can have (used + available), so the blocks reserved
    for root count as full; None for a file system without that resource."""
    used = total - free
    if used + available <= 0:
        return None
    return round(100.0 * used / (used + available), 1)


def statvfs(system: System, mountpoint: str) -> os.statvfs_result:
    return os.statvfs(system.path(mountpoint))
