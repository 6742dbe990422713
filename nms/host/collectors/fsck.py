"""Whether each ext2/3/4 file system will be checked at the next boot, from `tune2fs -l`:
its mount count reached the maximum, its check interval ran out, or it is not clean."""

from __future__ import annotations

import time

from . import FstabRow, HostConfig, Reading, System
from ._filesystems import disk_mounts

EXT_TYPES = ("ext2", "ext3", "ext4")
SCHEDULED, NOT_SCHEDULED, UNKNOWN = "scheduled", "ok", "unknown"
DAY = 86400


def parse_tune2fs(text: str) -> dict[str, str]:
    fields = {}
    for line in text.splitlines():
        name, sep, value = line.partition(":")
        if sep:
            fields[name.strip().lower()] = value.strip()
    return fields


def _date(seconds: float) -> str:
    return time.strftime("%Y-%m-%d", time.localtime(seconds))


def evaluate(
    fields: dict[str, str], now: float, passno: str = "", mounted: bool = False
) -> tuple[str, str]:
    """(value, detail) for one file system's tune2fs fields. A file system without a journal
    reads "not clean" for as long as it is mounted: that state counts only unmounted, or
    with a journal; "with errors" always counts."""
    count = int(fields.get("mount count", "0"))
    maximum = int(fields.get("maximum mount count", "-1"))
    interval = int(fields.get("check interval", "0").split()[0])
    state = fields.get("filesystem state", "clean")
    last = fields.get("last checked", "")
    checked = time.mktime(time.strptime(last, "%a %b %d %H:%M:%S %Y")) if last else None
    notes = []
    journalled = "has_journal" in fields.get("filesystem features", "").split()
    due = "error" in state or (state != "clean" and (journalled or not mounted))
    if due:
        notes.append(f"state {state}")
    if maximum > 0:
        notes.append(f"mounted {count} of {maximum} times")
        due = due or count >= maximum
    if interval > 0 and checked is not None:
        next_check = checked + interval
        notes.append(f"checked {_date(checked)}, next by {_date(next_check)}")
        due = due or next_check <= now
    if maximum <= 0 and interval <= 0:
        notes.append("no mount count or interval check")
    if passno == "0":
        return NOT_SCHEDULED, "not checked at boot (fstab pass 0); " + "; ".join(notes)
    return (SCHEDULED if due else NOT_SCHEDULED), "; ".join(notes)


def _targets(host: HostConfig, system: System) -> dict[str, tuple[str, str, bool]]:
    """mountpoint -> (device as tune2fs takes it, fstab pass, mounted) for the ext file
    systems mounted or in the host's fstab table."""
    mounted = {m.mountpoint: m.device for m in disk_mounts(system) if m.type in EXT_TYPES}
    targets = {point: (device, "", True) for point, device in mounted.items()}
    for row in host.fstab:
        if row.type in EXT_TYPES:
            targets[row.mntpt] = (_device(row), row.passno, row.mntpt in mounted)
    return targets


def _device(row: FstabRow) -> str:
    """The fstab table writes "UUID=" for a device known by its fst_uuid."""
    return f"UUID={row.uuid}" if row.dev == "UUID=" else row.dev


def collect(host: HostConfig, system: System) -> list[Reading]:
    readings = []
    now = system.clock()
    for mountpoint, (device, passno, mounted) in sorted(_targets(host, system).items()):
        try:
            fields = parse_tune2fs(system.run(["tune2fs", "-l", device]))
        except OSError as exc:
            readings.append(Reading(mountpoint, UNKNOWN, f"{device}: {exc}"))
            continue
        value, detail = evaluate(fields, now, passno, mounted)
        readings.append(Reading(mountpoint, value, f"{device}: {detail}"))
    return readings
