"""The image directory, format version 2 (docs/block-images.md): manifest.json, the used-block
map, one BLAKE3 hash per used block, one per group of used blocks (so a verify hashes 64 KiB at
a time and looks at single blocks only in a group that differs), the compressed length of each
used block, and the chunk files holding the blocks' zstd frames. Version 1, the same without
the group hashes, is still read."""

from __future__ import annotations

import json
import sys
from array import array
from dataclasses import asdict, dataclass
from itertools import accumulate
from typing import Protocol

from blake3 import blake3

FORMAT = "labnet-blockimage"
VERSION = 2
VERSIONS = (1, 2)  # the versions this program reads
HASH = "blake3"
DIGEST_SIZE = 32
MANIFEST = "manifest.json"
USED_MAP = "used.map"
HASHES = "hashes.b3"
LENGTHS = "lengths.u32"
GROUPS = "groups.b3"
GROUP_BYTES = 64 * 1024  # BLAKE3 hashes 64 KiB at about 3x the rate of 16 calls on 4 KiB
CHUNK_BLOCKS = 4096  # used blocks per chunk file: 16 MiB of 4 KiB blocks before compression
FILESYSTEMS = ("ext4", "fat", "ntfs")
MAX_MANIFEST_BYTES = 64 * 1024
MAX_IMAGE_BYTES = 16 * 2**40
MIN_BLOCK, MAX_BLOCK = 512, 1024 * 1024


class ImageError(Exception):
    """An image, target or source that cannot be used; the message names it and the fault."""


def chunk_name(number: int) -> str:
    return f"chunks/{number:06d}.zst"


def block_digest(data: bytes | memoryview) -> bytes:
    return blake3(data).digest()


def group_blocks_for(block_size: int) -> int:
    """Used blocks per group hash: 64 KiB of them, or one block when blocks are larger."""
    return max(1, GROUP_BYTES // block_size)


@dataclass(frozen=True)
class Manifest:
    """What manifest.json holds (everything but the content hash, computed over it)."""

    fs: str
    size: int
    block_size: int
    blocks: int
    used: int
    image_hash: str
    source: str = ""
    created: str = ""
    format: str = FORMAT
    version: int = VERSION
    hash: str = HASH
    chunk_blocks: int = CHUNK_BLOCKS
    group_blocks: int = 0  # 0 in version 1, which has no group hashes

    @property
    def chunks(self) -> int:
        return -(-self.used // self.chunk_blocks)

    @property
    def map_bytes(self) -> int:
        return -(-self.blocks // 8)

    @property
    def groups(self) -> int:
        return -(-self.used // self.group_blocks) if self.group_blocks else 0

    def fields(self) -> dict:
        """The fields manifest.json holds: version 1 had no group_blocks."""
        fields = asdict(self)
        if self.version == 1:
            del fields["group_blocks"]
        return fields


@dataclass(frozen=True)
class Image:
    """A loaded, checked image: its manifest, used-block map, hashes and frame lengths."""

    manifest: Manifest
    used_map: bytes
    hashes: bytes
    lengths: array
    groups: bytes  # empty in version 1
    content_hash: str

    def frame_offsets(self) -> array:
        """Each used block's frame offset inside its chunk file: the sum of the lengths
        before it in that chunk."""
        offsets = array("Q")
        per_chunk = self.manifest.chunk_blocks
        for first in range(0, len(self.lengths), per_chunk):
            last = min(first + per_chunk, len(self.lengths)) - 1
            offsets.extend(accumulate(self.lengths[first:last], initial=0))
        return offsets


def content_hash(
    manifest: Manifest, used_map: bytes, hashes: bytes, lengths: bytes, groups: bytes
) -> str:
    """BLAKE3 over the canonical manifest and the binary files (version 1 has no group
    hashes), so a change to any of them (a truncated copy, an edited header) is refused before
    anything is written."""
    hasher = blake3(json.dumps(manifest.fields(), sort_keys=True).encode())
    parts = (used_map, hashes, lengths) + ((groups,) if manifest.version >= 2 else ())
    for part in parts:
        hasher.update(len(part).to_bytes(8, "little"))
        hasher.update(part)
    return hasher.hexdigest()


def manifest_json(manifest: Manifest, digest: str) -> bytes:
    return (json.dumps({**manifest.fields(), "content_hash": digest}, indent=2) + "\n").encode()


class Reader(Protocol):
    """Where an image is read from: a directory or an HTTP(S) URL (source.py)."""

    def read(self, name: str, limit: int) -> bytes: ...

    def read_range(self, name: str, start: int, end: int) -> bytes: ...

    def describe(self) -> str: ...


def _parse_manifest(raw: bytes, where: str) -> tuple[Manifest, str]:
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ImageError(f"{where}: manifest.json is not JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ImageError(f"{where}: manifest.json is not a {FORMAT} manifest")
    if data.get("version") not in VERSIONS:
        raise ImageError(
            f"{where}: manifest version {data.get('version')!r} is not one this program "
            f"reads (versions {', '.join(map(str, VERSIONS))})"
        )
    digest = data.pop("content_hash", None)
    try:
        manifest = Manifest(**data)
    except TypeError as exc:
        raise ImageError(f"{where}: manifest.json has unknown or missing fields ({exc})") from None
    _check_bounds(manifest, where)
    if not isinstance(digest, str):
        raise ImageError(f"{where}: manifest.json has no content_hash")
    return manifest, digest


def _check_bounds(m: Manifest, where: str) -> None:
    ints = (m.size, m.block_size, m.blocks, m.used, m.chunk_blocks, m.group_blocks)
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in ints):
        raise ImageError(f"{where}: manifest sizes must be integers")
    problems = []
    if m.fs not in FILESYSTEMS:
        problems.append(f"filesystem {m.fs!r} is not one of {', '.join(FILESYSTEMS)}")
    if m.hash != HASH:
        problems.append(f"hash {m.hash!r} is not {HASH}")
    if not (MIN_BLOCK <= m.block_size <= MAX_BLOCK) or m.block_size & (m.block_size - 1):
        problems.append(f"block_size {m.block_size} is not a power of two in 512..1 MiB")
    elif not (0 < m.size <= MAX_IMAGE_BYTES):
        problems.append(f"size {m.size} is outside 1 byte..16 TiB")
    elif m.blocks != -(-m.size // m.block_size):
        problems.append(f"blocks {m.blocks} does not match size / block_size")
    if not (0 <= m.used <= m.blocks):
        problems.append(f"used {m.used} is outside 0..blocks")
    if not (1 <= m.chunk_blocks <= 1 << 20):
        problems.append(f"chunk_blocks {m.chunk_blocks} is outside 1..1048576")
    if m.version >= 2 and m.group_blocks != group_blocks_for(m.block_size):
        problems.append(f"group_blocks {m.group_blocks} is not 64 KiB of blocks")
    if m.version == 1 and m.group_blocks:
        problems.append("group_blocks is not a field of version 1")
    if problems:
        raise ImageError(f"{where}: manifest.json: " + "; ".join(problems))


def load(reader: Reader) -> Image:
    """Read and check an image's manifest and binary files; refuse anything inconsistent."""
    where = reader.describe()
    manifest, digest = _parse_manifest(reader.read(MANIFEST, MAX_MANIFEST_BYTES), where)
    used_map = _exact(reader, USED_MAP, manifest.map_bytes)
    hashes = _exact(reader, HASHES, manifest.used * DIGEST_SIZE)
    raw_lengths = _exact(reader, LENGTHS, manifest.used * 4)
    groups = _exact(reader, GROUPS, manifest.groups * DIGEST_SIZE) if manifest.groups else b""
    if content_hash(manifest, used_map, hashes, raw_lengths, groups) != digest:
        raise ImageError(f"{where}: the manifest's content hash does not match its files")
    if sum(bin(byte).count("1") for byte in used_map) != manifest.used:
        raise ImageError(f"{where}: {USED_MAP} does not mark {manifest.used} blocks")
    if blake3(hashes).hexdigest() != manifest.image_hash:
        raise ImageError(f"{where}: the image hash does not match {HASHES}")
    lengths = array("I")  # 4 bytes on every platform Labnet runs on (x86-64, arm64)
    lengths.frombytes(raw_lengths)
    if sys.byteorder == "big":
        lengths.byteswap()
    if lengths and not (0 < min(lengths) and max(lengths) <= manifest.block_size):
        raise ImageError(f"{where}: {LENGTHS} holds a length outside 1..block_size")
    return Image(manifest, used_map, hashes, lengths, groups, digest)


def _exact(reader: Reader, name: str, size: int) -> bytes:
    data = reader.read(name, size)
    if len(data) != size:
        raise ImageError(f"{reader.describe()}: {name} is {len(data)} bytes, expected {size}")
    return data


def used_runs(used_map: bytes, blocks: int) -> list[tuple[int, int]]:
    """The used blocks as (first block, count) runs, in order."""
    runs: list[tuple[int, int]] = []
    start = -1
    for index, byte in enumerate(used_map):
        if byte in (0, 0xFF) and (start < 0) == (byte == 0):
            continue  # the whole byte continues the current state
        for bit in range(8):
            block = index * 8 + bit
            if block >= blocks:
                break
            if byte >> bit & 1:
                if start < 0:
                    start = block
            elif start >= 0:
                runs.append((start, block - start))
                start = -1
    if start >= 0:
        runs.append((start, blocks - start))
    return runs
