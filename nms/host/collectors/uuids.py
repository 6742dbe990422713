"""Whether the file system UUIDs on the host match its fstab table's fst_uuid.

A row naming a device (/dev/md0) must find that UUID on that device; a row written by UUID
("UUID=") must find some device carrying it, or the next boot will not mount it."""

from __future__ import annotations

from collections.abc import Callable

from . import HostConfig, Reading, System

MATCH, MISMATCH = "match", "mismatch"
BY_UUID = "/dev/disk/by-uuid"


def compare(
    host: HostConfig,
    uuid_of: Callable[[str], str | None],
    device_with: Callable[[str], str | None],
) -> list[Reading]:
    """uuid_of(device) is the UUID on a device, device_with(uuid) the device carrying one."""
    readings = []
    for row in host.fstab:
        expected = row.uuid.lower()
        if expected in ("", "none"):
            continue
        item = row.mntpt if row.mntpt.startswith("/") else f"{row.mntpt} UUID={expected}"
        if row.dev.startswith("/"):
            actual = uuid_of(row.dev)
            if actual is not None and actual.lower() == expected:
                readings.append(Reading(item, MATCH, f"{row.dev} UUID={expected}"))
            else:
                found = f"UUID={actual}" if actual else "no file system UUID"
                detail = f"{row.dev} has {found}, the fstab table says {expected}"
                readings.append(Reading(item, MISMATCH, detail))
        else:
            device = device_with(expected)
            if device:
                readings.append(Reading(item, MATCH, f"UUID={expected} is {device}"))
            else:
                readings.append(Reading(item, MISMATCH, f"no device has UUID={expected}"))
    return readings


def collect(host: HostConfig, system: System) -> list[Reading]:
    by_uuid = system.path(BY_UUID)

    def uuid_of(device: str) -> str | None:
        try:
            return system.run(["blkid", "-s", "UUID", "-o", "value", device]).strip()
        except OSError:
            return None

    def device_with(uuid: str) -> str | None:
        # UUIDs compare without case: vfat's are upper case in by-uuid, the table's may not be.
        links = by_uuid.iterdir() if by_uuid.is_dir() else ()
        for link in links:
            if link.name.lower() == uuid and link.exists():
                return str(link.resolve())
        for spelling in (uuid, uuid.upper()):
            try:
                found = system.run(["blkid", "-U", spelling]).strip()
            except OSError:
                continue
            if found:
                return found
        return None

    return compare(host, uuid_of, device_with)
