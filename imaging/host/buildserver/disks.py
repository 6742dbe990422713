"""What buildserver does to disks, behind one narrow interface: scan (lsblk and blkid's JSON
and key=value output), partition (sfdisk), format (mkfs, mkswap), mount. Every command runs
through `run`, which raises CommandFailed with the program's last lines."""

from __future__ import annotations

import json
import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from .planning import EXTENDED, MIB, Partition

SECTOR = 512
LAST_LINES = 5
MKFS = {
    "ext2": ["mkfs.ext2", "-q", "-F"],
    "ext3": ["mkfs.ext3", "-q", "-F"],
    "ext4": ["mkfs.ext4", "-q", "-F"],
    "xfs": ["mkfs.xfs", "-q", "-f"],
    "vfat": ["mkfs.vfat"],
    "swap": ["mkswap"],
}


class CommandFailed(RuntimeError):
    def __init__(self, argv: list[str], status: int, output: str):
        tail = " | ".join(output.strip().splitlines()[-LAST_LINES:])
        super().__init__(f"{argv[0]} exited {status}: {tail}")
        self.status = status


def run(argv: list[str], data: str | None = None, timeout: float = 600) -> str:
    """argv's standard output; CommandFailed when it exits non-zero."""
    done = subprocess.run(
        argv, input=data, capture_output=True, text=True, errors="replace", timeout=timeout
    )
    if done.returncode != 0:
        raise CommandFailed(argv, done.returncode, done.stderr or done.stdout)
    return done.stdout


def probe(device: str) -> dict[str, str]:
    """blkid's low-level probe of device (TYPE, UUID, PTTYPE, PTUUID ...); {} when it holds
    nothing blkid knows. No cache: what is on the disk now."""
    done = subprocess.run(["blkid", "-p", "-o", "export", device], capture_output=True, text=True)
    if done.returncode == 2:  # nothing found
        return {}
    if done.returncode != 0:
        raise CommandFailed(["blkid", device], done.returncode, done.stderr)
    return dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)


def size_of(device: str) -> int:
    return int(run(["blockdev", "--getsize64", device]).strip())


def partition_path(device: str, number: int) -> str:
    """The kernel's name of partition number of device: sda1, loop0p1, nvme0n1p1."""
    return f"{device}{'p' if device[-1].isdigit() else ''}{number}"


@dataclass
class Found:
    """One partition of a scanned disk and what it holds."""

    path: str
    number: int
    size: int
    type: str  # the MBR partition type
    holds: dict[str, str] = field(default_factory=dict)  # blkid's TYPE, UUID, ...


@dataclass
class Disk:
    """A disk as the scan found it."""

    device: str
    size: int
    label: str | None = None  # dos, gpt; None: no partition table
    disk_id: str | None = None
    partitions: dict[int, Found] = field(default_factory=dict)
    holds: dict[str, str] = field(default_factory=dict)  # a file system on the whole disk

    @property
    def empty(self) -> bool:
        return self.label is None and "TYPE" not in self.holds

    def describe(self) -> str:
        if self.empty:
            return "empty"
        if self.label is None:
            return f"a {self.holds.get('TYPE')} file system on the whole disk"
        parts = [
            f"{f.path} {f.holds.get('TYPE', 'no file system')}"
            + (f" UUID {f.holds['UUID']}" if "UUID" in f.holds else "")
            for f in self.partitions.values()
        ]
        return f"a {self.label} partition table ({'; '.join(parts) or 'no partitions'})"


def machine_disks() -> list[str]:
    """The names of this machine's disks (sda, vdb, nvme0n1), for a run whose tables and
    command line name none."""
    found = json.loads(run(["lsblk", "-J", "-d", "-o", "NAME,TYPE"]))["blockdevices"]
    return [d["name"] for d in found if d["type"] == "disk"]


def settle(device: str) -> None:
    """Make the kernel's partition devices match the table (this kernel does not rescan a
    loop device's table by itself) and wait for their nodes."""
    subprocess.run(["partx", "-u", device], capture_output=True)
    if os.path.exists("/sbin/udevadm") or os.path.exists("/usr/bin/udevadm"):
        subprocess.run(["udevadm", "settle", "--timeout=10"], capture_output=True)


def scan(device: str) -> Disk:
    """The disk's size, partition table and what each partition holds."""
    disk = Disk(device, size_of(device))
    table = subprocess.run(["sfdisk", "-J", device], capture_output=True, text=True)
    if table.returncode != 0 or not table.stdout.strip():
        disk.holds = probe(device)
        return disk
    settle(device)
    data = json.loads(table.stdout)["partitiontable"]
    disk.label, disk.disk_id = data.get("label"), data.get("id")
    sector = int(data.get("sectorsize", SECTOR))
    for entry in data.get("partitions", []):
        number = int(entry["node"].removeprefix(device).lstrip("p"))
        path = partition_path(device, number)
        found = Found(path, number, int(entry["size"]) * sector, entry["type"])
        if entry["type"] != EXTENDED:
            found.holds = probe(path) if os.path.exists(path) else {}
        disk.partitions[number] = found
    return disk


def sfdisk_script(partitions: list[Partition], device: str, disk_id: str) -> str:
    """The partition table: MBR (GRUB's i386-pc install needs no BIOS boot partition there),
    1 MiB aligned, partitions 5 and up logical inside partition 4, the disk identifier that
    marks it as this server's."""
    lines = ["label: dos", f"label-id: {disk_id}", "unit: sectors", ""]
    sectors = MIB // SECTOR
    start = sectors
    primaries = [p for p in partitions if p.number <= 4]
    logicals = [p for p in partitions if p.number > 4]
    for p in primaries:
        start = _line(lines, device, p.number, start, p.size, p.kind, p.boot)
    if logicals:
        lines.append(f"{partition_path(device, 4)} : start={start}, type={EXTENDED}")
        for p in logicals:
            start = _line(lines, device, p.number, start + sectors, p.size, p.kind, p.boot)
    return "\n".join(lines) + "\n"


def _line(lines: list[str], device: str, number: int, start: int, size, kind, boot) -> int:
    length = f", size={size // SECTOR}" if size is not None else ""
    flag = ", bootable" if boot else ""
    lines.append(f"{partition_path(device, number)} : start={start}{length}, type={kind}{flag}")
    return start + (size or 0) // SECTOR


def write_table(device: str, script: str) -> None:
    run(["sfdisk", "-q", "--no-reread", "--no-tell-kernel", "--wipe", "always", device], script)
    settle(device)
    _wait_for(device)


def _wait_for(device: str) -> None:
    table = json.loads(run(["sfdisk", "-J", device]))["partitiontable"]
    nodes = [p["node"] for p in table.get("partitions", [])]
    deadline = time.monotonic() + 10
    while not all(os.path.exists(n) for n in nodes):
        if time.monotonic() > deadline:
            missing = [n for n in nodes if not os.path.exists(n)]
            raise CommandFailed(["partx", device], 1, f"no device nodes for {', '.join(missing)}")
        time.sleep(0.1)


def wipe(device: str) -> None:
    """Erase every signature on device and its partitions (--wipe DISK)."""
    disk = scan(device)
    for found in disk.partitions.values():
        if os.path.exists(found.path):
            run(["wipefs", "-a", "-q", found.path])
    run(["wipefs", "-a", "-q", device])
    settle(device)


def make_filesystem(device: str, fs_type: str) -> str:
    """Format device; the new file system's UUID."""
    run([*MKFS[fs_type], device])
    uuid = probe(device).get("UUID")
    if not uuid:
        raise CommandFailed([MKFS[fs_type][0], device], 0, "made no file system blkid can see")
    return uuid


def mounted_at(point: Path) -> str | None:
    """The device mounted at point, or None."""
    done = subprocess.run(
        ["findmnt", "-J", "-n", "-o", "SOURCE", "--mountpoint", str(point)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0 or not done.stdout.strip():
        return None
    return json.loads(done.stdout)["filesystems"][0]["source"]


def mount(device: str, point: Path, fs_type: str, options: str) -> None:
    point.mkdir(parents=True, exist_ok=True)
    run(["mount", "-t", fs_type, "-o", options, device, str(point)])
