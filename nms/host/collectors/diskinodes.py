"""Percentage of the inodes used on each mounted file system that can be written."""

from __future__ import annotations

from . import HostConfig, Reading, System
from ._filesystems import percent_used, statvfs, writable_mounts


def collect(host: HostConfig, system: System) -> list[Reading]:
    readings = []
    for mount in writable_mounts(system):
        stat = statvfs(system, mount.mountpoint)
        # Some file systems (btrfs, vfat) have no inode table: f_files is 0.
        used = percent_used(stat.f_files, stat.f_ffree, stat.f_favail)
        if used is not None:
            readings.append(Reading(mount.mountpoint, f"{used:.0f}", f"{stat.f_files} inodes"))
    return readings
