"""Software RAID (mdadm) and logical volumes (lvm2) for buildserver, behind one narrow
interface. This machine's kernel has neither md nor device-mapper: these run in the QEMU guest
(imaging/tests/test_buildserver_guest.py)."""

from __future__ import annotations

import json
import os
import re

from .disks import probe, run
from .planning import Array

# Superblock at the end of each member: a RAID1 member reads as a plain file system, which
# GRUB and a rescue system can use, and the array's data starts at the member's first byte.
METADATA = "1.0"
LVM_JSON = ["--reportformat", "json", "--units", "b", "--nosuffix"]


def _hex(uuid: str) -> str:
    return re.sub(r"[^0-9a-f]", "", uuid.lower())


def create_array(array: Array, members: list[str]) -> str:
    """mdadm --create; the new array's UUID as mdadm.conf writes it (8:8:8:8 hex)."""
    run(
        [
            "mdadm", "--create", array.device, "--run", "--metadata", METADATA,
            "--level", array.level, "--raid-devices", str(len(members)), *members,
        ]
    )  # fmt: skip
    return array_uuid(array.device)


def array_uuid(device: str) -> str:
    detail = run(["mdadm", "--detail", "--export", device])
    values = dict(line.split("=", 1) for line in detail.splitlines() if "=" in line)
    return values["MD_UUID"]


def running(device: str) -> bool:
    if not os.path.exists(device):
        return False
    try:
        run(["mdadm", "--detail", device])
    except RuntimeError:
        return False
    return True


def members_of(uuid: str, candidates: list[str]) -> list[str]:
    """The devices among candidates that are members of the array with uuid."""
    return [
        device
        for device in candidates
        if (found := probe(device)).get("TYPE") == "linux_raid_member"
        and _hex(found.get("UUID", "")) == _hex(uuid)
    ]


def assemble(device: str, uuid: str, members: list[str]) -> None:
    """Start an array built before (a second run, or the server's disks moved)."""
    if not running(device):
        run(["mdadm", "--assemble", device, "--run", "--uuid", uuid, *members])


def physical_volumes() -> dict[str, dict[str, str]]:
    """Every physical volume the machine sees, by device: pv_uuid, vg_name, pv_size."""
    report = json.loads(run(["pvs", *LVM_JSON, "-o", "pv_name,pv_uuid,vg_name,pv_size"]))
    return {pv["pv_name"]: pv for pv in report["report"][0]["pv"]}


def create_physical_volume(device: str) -> dict[str, str]:
    run(["pvcreate", "-ff", "-y", device])
    return physical_volumes()[device]


def add_to_group(group: str, devices: list[str]) -> None:
    """vgcreate the group, or vgextend it when it exists."""
    report = json.loads(run(["vgs", *LVM_JSON, "-o", "vg_name"]))
    names = {vg["vg_name"] for vg in report["report"][0]["vg"]}
    run(["vgextend" if group in names else "vgcreate", group, *devices])


def activate(group: str) -> None:
    run(["vgchange", "-ay", group])


def logical_volumes() -> dict[str, dict[str, str]]:
    """Every logical volume, by /dev/VG/LV: lv_uuid, lv_size."""
    report = json.loads(run(["lvs", *LVM_JSON, "-o", "vg_name,lv_name,lv_uuid,lv_size"]))
    return {f"/dev/{lv['vg_name']}/{lv['lv_name']}": lv for lv in report["report"][0]["lv"]}


def create_logical_volume(group: str, name: str, size: int | None) -> dict[str, str]:
    """lvcreate of size bytes, or of the group's free space when size is None."""
    amount = ["-l", "100%FREE"] if size is None else ["-L", f"{size}b"]
    run(["lvcreate", "-y", "-W", "y", "-n", name, *amount, group])
    return logical_volumes()[f"/dev/{group}/{name}"]
