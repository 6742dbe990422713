"""The used blocks of a FAT12/16/32 filesystem, read from its first FAT: the reserved sectors
(boot sector, FSInfo, backup boot sector), the FATs and FAT12/16's root directory are used,
and of the data area each cluster whose FAT entry is not 0 (free) nor the bad-cluster mark."""

from __future__ import annotations

import os
import struct
import sys
from array import array

from .format import ImageError

MAX_FAT_BYTES = 256 * 1024 * 1024  # FAT32's largest FAT: 2^28 entries of 4 bytes
FAT12_CLUSTERS, FAT16_CLUSTERS = 4085, 65525  # the counts that decide the FAT type


def used_ranges(fd: int, size: int, where: str) -> list[tuple[int, int]]:
    """The used byte ranges (start, length) of the FAT filesystem on fd."""
    boot = os.pread(fd, 512, 0)
    (sector, per_cluster, reserved, fats, root_entries, total16, fat16_size) = struct.unpack_from(
        "<HBHBHHxH", boot, 0x0B
    )
    total32, fat32_size = struct.unpack_from("<II", boot, 0x20)
    total = total16 or total32
    fat_sectors = fat16_size or fat32_size
    if (
        sector not in (512, 1024, 2048, 4096)
        or per_cluster == 0
        or per_cluster & (per_cluster - 1)
        or not reserved
        or not fats
        or not fat_sectors
    ):
        raise ImageError(f"{where}: the FAT boot sector's geometry makes no sense")
    root_sectors = -(-root_entries * 32 // sector)
    data_start = reserved + fats * fat_sectors + root_sectors
    if total * sector > size or data_start >= total:
        raise ImageError(f"{where}: the FAT filesystem does not fit its partition")
    clusters = (total - data_start) // per_cluster
    fat_bytes = fat_sectors * sector
    if fat_bytes > MAX_FAT_BYTES:
        raise ImageError(f"{where}: the FAT is over 256 MiB")
    fat = os.pread(fd, fat_bytes, reserved * sector)
    entries = _entries(fat, clusters, where)
    ranges = [(0, data_start * sector)]
    cluster_bytes = per_cluster * sector
    data = data_start * sector
    bad = {12: 0xFF7, 16: 0xFFF7, 32: 0x0FFFFFF7}[_fat_type(clusters)]
    run_start = -1
    for cluster in range(clusters + 1):
        used = cluster < clusters and entries[cluster + 2] not in (0, bad)
        if used and run_start < 0:
            run_start = cluster
        elif not used and run_start >= 0:
            ranges.append((data + run_start * cluster_bytes, (cluster - run_start) * cluster_bytes))
            run_start = -1
    return ranges


def _fat_type(clusters: int) -> int:
    if clusters < FAT12_CLUSTERS:
        return 12
    return 16 if clusters < FAT16_CLUSTERS else 32


def _entries(fat: bytes, clusters: int, where: str) -> array:
    """The FAT's entries 0..clusters+1 as numbers (FAT32's top four bits cleared)."""
    kind = _fat_type(clusters)
    needed = -(-(clusters + 2) * kind // 8)
    if len(fat) < needed:
        raise ImageError(f"{where}: the FAT is too small for {clusters} clusters")
    if kind == 12:
        entries = array("I")
        for n in range(clusters + 2):
            pair = fat[n * 3 // 2] | fat[n * 3 // 2 + 1] << 8
            entries.append(pair >> 4 if n & 1 else pair & 0xFFF)
        return entries
    entries = array("H" if kind == 16 else "I", fat[:needed])
    if sys.byteorder == "big":
        entries.byteswap()  # stored little-endian
    if kind == 32:
        entries = array("I", (entry & 0x0FFFFFFF for entry in entries))
    return entries
