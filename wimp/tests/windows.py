"""What the administrator's Windows install leaves on a master volume, for tests: an MBR
with two partitions, a FAT boot partition and an ext4 (or NTFS) system partition, each with a
file."""

from __future__ import annotations

import subprocess
from pathlib import Path

from imaging.tests import filesystems

MIB = 1 << 20
BOOT, SYSTEM = (1 * MIB, 8 * MIB), (9 * MIB, 24 * MIB)  # (offset, size)


def install(disk: Path, work: Path, system: str = "ext4") -> None:
    """Partition disk (a volume's file) and fill both partitions; system is C:'s
    filesystem."""
    kind = "7" if system == "ntfs" else "83"
    table = f"label: dos\nstart=2048, size={BOOT[1] // 512}, type=b, bootable\n"
    table += f"start={SYSTEM[0] // 512}, size={SYSTEM[1] // 512}, type={kind}\n"
    subprocess.run(["sfdisk", "-q", str(disk)], input=table, text=True, check=True)
    for (offset, size), fs, name in ((BOOT, "fat", "boot"), (SYSTEM, system, "system")):
        part = work / f"{name}.part"
        filesystems.make(fs, part, size // MIB, {f"{name}.txt": f"{name} of Windows\n".encode()})
        with open(disk, "r+b") as target:
            target.seek(offset)
            target.write(part.read_bytes())
