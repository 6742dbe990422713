"""The CPU load average normalised for the number of processors: the 5-minute average, the
one that matches the report interval."""

from __future__ import annotations

import os

from . import HostConfig, Reading, System


def normalised(loadavg: str, cpus: int) -> Reading:
    one, five, fifteen = (float(f) for f in loadavg.split()[:3])
    detail = f"{one:.2f} {five:.2f} {fifteen:.2f} on {cpus} CPU{'s' if cpus != 1 else ''}"
    return Reading("", f"{five / cpus:.2f}", detail)


def collect(host: HostConfig, system: System) -> list[Reading]:
    cpus = system.cpu_count or len(os.sched_getaffinity(0)) or 1
    return [normalised(system.read("/proc/loadavg"), cpus)]
