"""How old each image copy of the host is: hours since the rs_date of every row of its Rsync
table whose rs_sync is on ("never" before its first sync). The nms entity `imageage` makes a
copy more than a day old a warning (levels `24..` and `never`, compare equal)."""

from __future__ import annotations

from datetime import datetime

from . import HostConfig, Reading, System

NEVER = "never"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"  # rs_date's format (its regex in the server type)


def collect(host: HostConfig, system: System) -> list[Reading]:
    now = system.clock()
    readings = []
    for copy in host.images:
        if not copy.sync:
            continue
        try:
            # rs_date is the web server's local time; the host shares its time zone.
            synced = datetime.strptime(copy.date, DATE_FORMAT).timestamp()
        except ValueError:
            detail = "never synced" if copy.date in ("", "none") else f"rs_date {copy.date!r}"
            readings.append(Reading(copy.dst, NEVER, f"{detail}, from {copy.source}"))
            continue
        hours = max(now - synced, 0.0) / 3600
        readings.append(Reading(copy.dst, f"{hours:.1f}", f"synced {copy.date} from {copy.source}"))
    return readings
