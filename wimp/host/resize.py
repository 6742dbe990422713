"""A clone of another size (guide 3.4, Clone Managed Image: "make the size of the partition
bigger or smaller"): the clone's master volume is resized through the storage interface and
its last partition, C:, follows. Growing: the volume first, then the partition entry to the
disk's end (sfdisk), then an NTFS filesystem to the partition's end (ntfsresize). Shrinking:
the NTFS filesystem first (ntfsresize refuses when the files do not fit), then the partition
entry, then the volume. A C: that is not NTFS keeps its filesystem's size: its partition
grows (Windows' Disk Management extends the volume), and shrinking is refused."""

from __future__ import annotations

from dataclasses import dataclass

from imaging.host.iscsi.planning import Refused
from imaging.host.iscsi.storage import Volume, Volumes

from .archive import SECTOR, loop, run

NTFS = b"NTFS    "  # the OEM name of an NTFS boot sector (bytes 3-10)


@dataclass(frozen=True)
class Partition:
    number: int  # 1-4, as sfdisk -N counts
    start: int  # bytes
    size: int  # bytes

    @property
    def end(self) -> int:
        return self.start + self.size


def last_partition(head: bytes) -> Partition | None:
    """The MBR's primary partition that ends last, or None when the disk has no MBR (an
    image never installed: nothing to follow)."""
    if len(head) < SECTOR or head[510:512] != b"\x55\xaa":
        return None
    found = []
    for n in range(4):
        entry = head[446 + 16 * n : 446 + 16 * (n + 1)]
        start = int.from_bytes(entry[8:12], "little") * SECTOR
        size = int.from_bytes(entry[12:16], "little") * SECTOR
        if entry[4] and size:
            found.append(Partition(n + 1, start, size))
    return max(found, key=lambda p: p.end, default=None)


def _is_ntfs(path: str, partition: Partition) -> bool:
    with open(path, "rb") as disk:
        disk.seek(partition.start)
        return disk.read(11)[3:11] == NTFS


def _set_size(path: str, partition: Partition, size: int | None) -> None:
    """The partition entry's size (None: to the disk's end); its start stays."""
    given = "+" if size is None else str(size // SECTOR)
    argv = ["sfdisk", "--no-reread", "--no-tell-kernel", "-q", "-N", str(partition.number), path]
    run(argv, f"partition {partition.number} of {path}", given=f", {given}\n")


def _ntfsresize(path: str, partition: Partition, size: int | None, image: str) -> str:
    """ntfsresize over a loop device of the partition's extent: to size bytes, or (None) to
    the whole extent."""
    with loop(path, partition.start, partition.size) as device:
        argv = ["ntfsresize", "--force", "--no-progress-bar"]
        argv += ["--size", str(size)] if size is not None else []
        run([*argv, device], f"image {image}: ntfsresize of C:")
    return f"C: (NTFS) resized to {(size or partition.size) >> 20} MiB"


def resize(volumes: Volumes, volume: Volume, size: int, image: str) -> tuple[Volume, list[str]]:
    """volume (a clone's master holding its source's disk) at size bytes, its last
    partition and NTFS filesystem following: the volume and what was done."""
    with open(volume.path, "rb") as disk:
        last = last_partition(disk.read(SECTOR))
    lines = [f"{volume.name} resized from {volume.size >> 20} MiB to {size >> 20} MiB"]
    if last is None:
        return volumes.resize_master(volume.name, size), [*lines, "no partition table to follow"]
    ntfs = _is_ntfs(volume.path, last)
    if size > volume.size:
        volume = volumes.resize_master(volume.name, size)
        _set_size(volume.path, last, None)
        with open(volume.path, "rb") as disk:  # where sfdisk put the end
            grown = last_partition(disk.read(SECTOR)) or last
        lines.append(f"partition {last.number} grown to {grown.size >> 20} MiB")
        if ntfs:
            lines.append(_ntfsresize(volume.path, grown, None, image))
        else:
            lines.append("C: is not NTFS: extend it in Windows' Disk Management")
        return volume, lines
    if last.start + SECTOR > size:
        raise Refused(f"image {image}: its partition {last.number} starts past {size >> 20} MiB")
    if last.end > size:
        if not ntfs:
            raise Refused(
                f"image {image}: partition {last.number} ends at {last.end >> 20} MiB, past "
                f"{size >> 20} MiB, and is not NTFS: shrink it in Windows first"
            )
        new_size = (size - last.start) // SECTOR * SECTOR
        lines.append(_ntfsresize(volume.path, last, new_size, image))
        _set_size(volume.path, last, new_size)
        lines.append(f"partition {last.number} shrunk to {new_size >> 20} MiB")
    return volumes.resize_master(volume.name, size), lines
