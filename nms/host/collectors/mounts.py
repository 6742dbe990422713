"""Whether each file system of the host's fstab table is mounted (swap, "none" and noauto
rows are not expected to be)."""

from __future__ import annotations

from . import HostConfig, Reading, System
from ._filesystems import parse_mounts

MOUNTED, UNMOUNTED = "mounted", "unmounted"


def compare(host: HostConfig, proc_mounts: str) -> list[Reading]:
    mounted = {m.mountpoint: m for m in parse_mounts(proc_mounts)}
    readings = []
    for row in host.fstab:
        if row.type == "swap" or not row.mntpt.startswith("/") or "noauto" in row.opts.split(","):
            continue
        found = mounted.get(row.mntpt.rstrip("/") or "/")
        if found is None:
            readings.append(Reading(row.mntpt, UNMOUNTED, f"{row.dev} is not mounted"))
        else:
            readings.append(Reading(row.mntpt, MOUNTED, f"{found.device} ({found.type})"))
    return readings


def collect(host: HostConfig, system: System) -> list[Reading]:
    return compare(host, system.read("/proc/mounts"))
