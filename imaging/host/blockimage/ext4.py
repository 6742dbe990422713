"""The used blocks of an ext2/3/4 filesystem, read from its own block bitmaps (one per block
group, located by the group descriptors), as libext2fs reads them for partclone: a group whose
bitmap was never initialised (BLOCK_UNINIT, on a filesystem with group descriptor checksums)
uses only its metadata, the superblock and descriptor backups, its bitmaps and inode table.

Layouts this reader does not follow (meta_bg, bigalloc) give None, and the caller asks
partclone; so does a filesystem this reader finds inconsistent."""

from __future__ import annotations

import os
import re
import struct

from .format import ImageError

SUPERBLOCK = 1024
MAGIC = 0xEF53
COMPAT_SPARSE_SUPER2 = 0x200
INCOMPAT_META_BG = 0x10
INCOMPAT_64BIT = 0x80
RO_COMPAT_SPARSE_SUPER = 0x1
RO_COMPAT_GDT_CSUM = 0x10
RO_COMPAT_BIGALLOC = 0x200
RO_COMPAT_METADATA_CSUM = 0x400
BG_BLOCK_UNINIT = 0x2
MAX_BITMAPS_BYTES = 512 * 1024 * 1024  # the bitmaps of a 16 TiB filesystem of 4 KiB blocks
FULL = re.compile(rb"\xff+")


class _Layout:
    """The superblock fields this reader needs."""

    def __init__(self, sb: bytes, where: str):
        def u32(offset: int) -> int:
            return struct.unpack_from("<I", sb, offset)[0]

        def u16(offset: int) -> int:
            return struct.unpack_from("<H", sb, offset)[0]

        if u16(0x38) != MAGIC:
            raise ImageError(f"{where}: no ext2/3/4 superblock")
        self.compat, self.incompat, self.ro_compat = u32(0x5C), u32(0x60), u32(0x64)
        is_64bit = self.incompat & INCOMPAT_64BIT
        self.blocks = u32(0x04) | (u32(0x150) << 32 if is_64bit else 0)
        self.first_data_block = u32(0x14)
        log_block = u32(0x18)
        self.per_group = u32(0x20)
        self.inodes_per_group = u32(0x28)
        self.inode_size = u16(0x58) if u32(0x4C) >= 1 else 128  # revision 0 has 128
        self.reserved_gdt = u16(0xCE)
        self.desc_size = u16(0xFE) if is_64bit else 32
        self.backup_groups = (u32(0x24C), u32(0x250))
        if log_block > 6 or self.per_group == 0 or self.per_group % 8 or self.desc_size < 32:
            raise ImageError(f"{where}: the ext4 superblock's geometry makes no sense")
        self.block_size = 1024 << log_block
        self.groups = -(-(self.blocks - self.first_data_block) // self.per_group)
        self.desc_blocks = -(-self.groups * self.desc_size // self.block_size)
        self.inode_table_blocks = -(-self.inodes_per_group * self.inode_size // self.block_size)
        self.checksummed = self.ro_compat & (RO_COMPAT_GDT_CSUM | RO_COMPAT_METADATA_CSUM)

    def has_super(self, group: int) -> bool:
        """Whether the group holds a superblock backup (and the descriptors after it)."""
        if group == 0:
            return True
        if self.compat & COMPAT_SPARSE_SUPER2:
            return group in self.backup_groups
        if group == 1 or not self.ro_compat & RO_COMPAT_SPARSE_SUPER:
            return True
        if group % 2 == 0:
            return False
        for base in (3, 5, 7):
            n = base
            while n < group:
                n *= base
            if n == group:
                return True
        return False


def used_ranges(fd: int, size: int, where: str) -> list[tuple[int, int]] | None:
    """The used byte ranges (start, length) of the ext2/3/4 filesystem on fd, or None for a
    layout this reader does not follow."""
    fs = _Layout(os.pread(fd, 1024, SUPERBLOCK), where)
    if fs.incompat & INCOMPAT_META_BG or fs.ro_compat & RO_COMPAT_BIGALLOC:
        return None
    bs = fs.block_size
    if fs.blocks * bs > size:
        raise ImageError(f"{where}: the ext4 filesystem is larger than its partition")
    if fs.groups * fs.per_group // 8 > MAX_BITMAPS_BYTES:
        raise ImageError(f"{where}: the ext4 filesystem's bitmaps are over 512 MiB")
    table = os.pread(fd, fs.desc_blocks * bs, (fs.first_data_block + 1) * bs)
    if len(table) != fs.desc_blocks * bs:
        raise ImageError(f"{where}: the ext4 group descriptors end past the partition")
    ranges: list[tuple[int, int]] = []
    if fs.first_data_block:
        ranges.append((0, fs.first_data_block * bs))  # the boot block of a 1 KiB filesystem
    uninit: list[tuple[int, int, int]] = []
    for group in range(fs.groups):
        desc = table[group * fs.desc_size : (group + 1) * fs.desc_size]
        block_bitmap, inode_bitmap, inode_table = _locations(desc, fs)
        first = fs.first_data_block + group * fs.per_group
        count = min(fs.per_group, fs.blocks - first)
        flags = struct.unpack_from("<H", desc, 0x12)[0]
        if fs.checksummed and flags & BG_BLOCK_UNINIT:
            ranges += _group_metadata(fs, group, first)
            uninit.append((block_bitmap, inode_bitmap, inode_table))
            continue
        if not 0 < block_bitmap < fs.blocks:
            raise ImageError(f"{where}: ext4 group {group}'s block bitmap is outside it")
        bitmap = os.pread(fd, count // 8 + (count % 8 > 0), block_bitmap * bs)
        for start, n in _bit_runs(bitmap, count):
            ranges.append(((first + start) * bs, n * bs))
    for block_bitmap, inode_bitmap, inode_table in uninit:
        table_blocks = fs.inode_table_blocks
        for block, n in ((block_bitmap, 1), (inode_bitmap, 1), (inode_table, table_blocks)):
            if 0 < block < fs.blocks:
                ranges.append((block * bs, min(n, fs.blocks - block) * bs))
    return ranges


def _locations(desc: bytes, fs: _Layout) -> tuple[int, int, int]:
    """A group's block bitmap, inode bitmap and inode table blocks."""
    lo = struct.unpack_from("<III", desc, 0)
    if fs.desc_size < 64:
        return lo
    hi = struct.unpack_from("<III", desc, 0x20)
    return tuple(low | high << 32 for low, high in zip(lo, hi, strict=True))


def _group_metadata(fs: _Layout, group: int, first: int) -> list[tuple[int, int]]:
    """The superblock backup and group descriptors (with their reserve) a group holds."""
    if not fs.has_super(group):
        return []
    blocks = 1 + fs.desc_blocks + fs.reserved_gdt
    return [(first * fs.block_size, min(blocks, fs.blocks - first) * fs.block_size)]


def _bit_runs(bitmap: bytes, bits: int) -> list[tuple[int, int]]:
    """The runs (first bit, count) of set bits among the first bits of bitmap, least
    significant bit first; whole 0xff bytes are taken at once."""
    runs: list[tuple[int, int]] = []

    def add(start: int, n: int) -> None:
        if runs and runs[-1][0] + runs[-1][1] == start:
            runs[-1] = (runs[-1][0], runs[-1][1] + n)
        else:
            runs.append((start, n))

    position = 0
    for full in FULL.finditer(bitmap):
        for index in range(position, full.start()):
            byte = bitmap[index]
            for bit in range(8):
                if byte >> bit & 1:
                    add(index * 8 + bit, 1)
        add(full.start() * 8, (full.end() - full.start()) * 8)
        position = full.end()
    for index in range(position, len(bitmap)):
        byte = bitmap[index]
        for bit in range(8):
            if byte >> bit & 1:
                add(index * 8 + bit, 1)
    while runs and runs[-1][0] + runs[-1][1] > bits:  # padding past the group's last block
        start, n = runs.pop()
        if start < bits:
            runs.append((start, bits - start))
    return runs
