"""Percentage of the disk space used on each mounted file system that can be written."""

from __future__ import annotations

from . import HostConfig, Reading, System
from ._filesystems import percent_used, statvfs, writable_mounts


def collect(host: HostConfig, system: System) -> list[Reading]:
    readings = []
    for mount in writable_mounts(system):
        stat = statvfs(system, mount.mountpoint)
        used = percent_used(stat.f_blocks, stat.f_bfree, stat.f_bavail)
        if used is not None:
            size_gb = stat.f_blocks * stat.f_frsize / 1e9
            detail = f"{mount.device}, {size_gb:.1f} GB"
            readings.append(Reading(mount.mountpoint, f"{used:.1f}", detail))
    return readings
