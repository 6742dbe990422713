"""Which blocks of a partition its filesystem uses, from the filesystem's own allocation
bitmap: ext2/3/4 block bitmaps and the FAT read here (ext4.py, fat.py), NTFS's $Bitmap (and
ext4 layouts ext4.py does not follow) as partclone reads them (its domain log,
`partclone.<fs> -D`, lists the used byte ranges). The used byte ranges become a map of image
blocks; an image block is used when any byte of it is."""

from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass

from . import ext4, fat
from .format import FILESYSTEMS, ImageError

READERS = {"ext4": ext4.used_ranges, "fat": fat.used_ranges}  # None: ask partclone
PARTCLONE = {"ext4": "partclone.extfs", "fat": "partclone.fat", "ntfs": "partclone.ntfs"}
MAX_DOMAIN_LOG = 64 * 1024 * 1024


def detect_fs(head: bytes) -> str | None:
    """The filesystem family whose signature the partition's first 4 KiB hold."""
    if len(head) >= 0x43A and head[0x438:0x43A] == b"\x53\xef":
        return "ext4"  # ext2 and ext3 too: one family, one bitmap layout
    if head[3:11] == b"NTFS    ":
        return "ntfs"
    if head[510:512] == b"\x55\xaa" and (head[0x36:0x39] == b"FAT" or head[0x52:0x57] == b"FAT32"):
        return "fat"
    return None


@dataclass(frozen=True)
class UsedMap:
    fs: str
    size: int
    block_size: int
    bits: bytearray

    @property
    def blocks(self) -> int:
        return -(-self.size // self.block_size)

    @property
    def used(self) -> int:
        return sum(bin(byte).count("1") for byte in self.bits)

    def mark(self, start: int, end: int) -> None:
        """Mark the blocks holding bytes start..end-1 (whole bytes of the map at once)."""
        first, last = start // self.block_size, -(-end // self.block_size)
        whole_from, whole_to = -(-first // 8), last // 8
        if whole_from < whole_to:
            self.bits[whole_from:whole_to] = b"\xff" * (whole_to - whole_from)
            edges = (*range(first, whole_from * 8), *range(whole_to * 8, last))
        else:
            edges = range(first, last)
        for block in edges:
            self.bits[block >> 3] |= 1 << (block & 7)


def read_used_map(source: str, size: int, block_size: int) -> UsedMap:
    """The used-block map of the partition (device or image file) source, of size bytes."""
    with open(source, "rb") as f:
        head = f.read(4096)
        fs = detect_fs(head)
        if fs is None:
            raise ImageError(f"{source}: holds no {', '.join(FILESYSTEMS)} filesystem")
        ranges = READERS[fs](f.fileno(), size, source) if fs in READERS else None
    if ranges is None:
        ranges = partclone_ranges(fs, source)
    return used_map_of(fs, head, size, block_size, ranges, source)


def used_map_of(
    fs: str, head: bytes, size: int, block_size: int, ranges: list[tuple[int, int]], source: str
) -> UsedMap:
    """The map of the image blocks holding the used byte ranges (start, length)."""
    used = UsedMap(fs, size, block_size, bytearray(-(-size // block_size // 8) + 1))
    for start, length in ranges:
        if start + length > size:
            raise ImageError(f"{source}: the {fs} bitmap marks a used range past the end")
        used.mark(start, start + length)
    if fs == "ntfs":
        # The backup boot sector lies past the last cluster, outside $Bitmap.
        sectors = int.from_bytes(head[0x28:0x30], "little")
        sector = int.from_bytes(head[0x0B:0x0D], "little")
        if 0 < sectors * sector < size:
            used.mark(sectors * sector, sectors * sector + sector)
    del used.bits[-(-used.blocks // 8) :]
    return used


def partclone_ranges(fs: str, source: str) -> list[tuple[int, int]]:
    """The used byte ranges of source as partclone reads its filesystem's bitmap."""
    with tempfile.TemporaryDirectory(prefix="makeimage-") as tmp:
        log = os.path.join(tmp, "domain")
        command = [PARTCLONE[fs], "-D", "-q", "-s", source, "-o", log, "-L", os.devnull]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=3600)
        except FileNotFoundError:
            raise ImageError(
                f"{PARTCLONE[fs]} is not installed (Debian package partclone)"
            ) from None
        if done.returncode != 0 or not os.path.exists(log):
            text = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise ImageError(f"{source}: {PARTCLONE[fs]} cannot read the {fs} bitmap: {text}")
        if os.path.getsize(log) > MAX_DOMAIN_LOG:
            raise ImageError(f"{source}: partclone's domain log is over 64 MiB")
        with open(log) as f:
            return _domain_ranges(f.read(), source)


def _domain_ranges(text: str, source: str) -> list[tuple[int, int]]:
    """The '+' (used) ranges of a ddrescue domain log: `pos size status` lines after the
    `current_pos current_status` line."""
    lines = [line.split() for line in text.splitlines() if line.strip() and line[0] != "#"]
    ranges = []
    for fields in lines[1:]:
        if len(fields) != 3:
            raise ImageError(f"{source}: partclone's domain log has a line {' '.join(fields)!r}")
        if fields[2] == "+":
            ranges.append((int(fields[0], 16), int(fields[1], 16)))
    return ranges
