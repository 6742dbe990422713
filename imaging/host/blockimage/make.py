"""makeimage: a partition's used blocks, hashed and compressed, into an image directory. The
directory is written beside its final name and renamed into place when complete, so a reader
never sees half an image."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass

import zstandard
from blake3 import blake3

from .format import (
    CHUNK_BLOCKS,
    GROUPS,
    HASHES,
    LENGTHS,
    MANIFEST,
    USED_MAP,
    ImageError,
    Manifest,
    block_digest,
    chunk_name,
    content_hash,
    group_blocks_for,
    manifest_json,
    used_runs,
)
from .usedmap import read_used_map

READ_BLOCKS = 2048  # blocks per read of the source: 8 MiB of 4 KiB blocks
ZSTD_LEVEL = 3


@dataclass(frozen=True)
class MadeImage:
    manifest: Manifest
    content_hash: str
    stored_bytes: int
    seconds: float


def device_size(path: str) -> int:
    """Bytes of a block device or image file (a block device's stat size is 0)."""
    try:
        with open(path, "rb") as f:
            return f.seek(0, os.SEEK_END)
    except OSError as exc:
        raise ImageError(f"{path}: cannot open: {exc.strerror}") from None


def make_image(
    source: str,
    image_dir: str,
    block_size: int = 4096,
    replace: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> MadeImage:
    began = time.monotonic()
    size = device_size(source)
    final = os.path.abspath(image_dir)
    if os.path.lexists(final) and not replace:
        raise ImageError(f"{image_dir}: exists; give --replace to replace the image")
    used = read_used_map(source, size, block_size)
    parent = os.path.dirname(final)
    os.makedirs(parent, exist_ok=True)
    work = tempfile.mkdtemp(prefix=f".{os.path.basename(final)}.", dir=parent)
    try:
        hashes, groups, lengths = _write_chunks(
            source, used.bits, used.blocks, block_size, work, progress
        )
        stored = sum(lengths)
        manifest = Manifest(
            fs=used.fs,
            size=size,
            block_size=block_size,
            blocks=used.blocks,
            used=len(lengths),
            image_hash=blake3(hashes).hexdigest(),
            source=os.path.basename(source),
            created=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            group_blocks=group_blocks_for(block_size),
        )
        if sys.byteorder == "big":
            lengths.byteswap()  # stored little-endian
        raw_lengths = lengths.tobytes()
        digest = content_hash(manifest, bytes(used.bits), hashes, raw_lengths, groups)
        for name, data in (
            (USED_MAP, bytes(used.bits)),
            (HASHES, hashes),
            (LENGTHS, raw_lengths),
            (GROUPS, groups),
            (MANIFEST, manifest_json(manifest, digest)),
        ):
            _write_synced(os.path.join(work, name), data)
        _swap_into_place(work, final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return MadeImage(manifest, digest, stored, time.monotonic() - began)


def _write_chunks(source, bits, blocks, block_size, work, progress):
    os.mkdir(os.path.join(work, "chunks"))
    compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL)
    hashes = bytearray()
    groups = bytearray()
    per_group = group_blocks_for(block_size)
    group = blake3()  # the group hash: BLAKE3 of the group's blocks one after the other
    lengths = array("I")
    runs = used_runs(bytes(bits), blocks)
    total = sum(count for _, count in runs) * block_size
    chunk = None
    done = 0
    with open(source, "rb") as src:
        for first, count in runs:
            for start in range(first, first + count, READ_BLOCKS):
                n = min(READ_BLOCKS, first + count - start)
                data = os.pread(src.fileno(), n * block_size, start * block_size)
                # A partition's last, partial block is padded with zeros, as restore reads it.
                data = data.ljust(n * block_size, b"\0")
                view = memoryview(data)
                for i in range(n):
                    if len(lengths) % CHUNK_BLOCKS == 0:
                        chunk = _next_chunk(chunk, work, len(lengths) // CHUNK_BLOCKS)
                    block = view[i * block_size : (i + 1) * block_size]
                    hashes += block_digest(block)
                    group.update(block)
                    if len(lengths) % per_group == per_group - 1:
                        groups += group.digest()
                        group.reset()
                    frame = compressor.compress(block)
                    if len(frame) >= block_size:
                        frame = block  # stored raw: its length is the block size
                    chunk.write(frame)
                    lengths.append(len(frame))
                done += n * block_size
                if progress:
                    progress(done, total)
    if chunk is not None:
        _close_synced(chunk)
    if len(lengths) % per_group:
        groups += group.digest()  # the last group, shorter
    return bytes(hashes), bytes(groups), lengths


def _next_chunk(chunk, work, number):
    if chunk is not None:
        _close_synced(chunk)
    return open(os.path.join(work, chunk_name(number)), "wb")


def _close_synced(f) -> None:
    f.flush()
    os.fsync(f.fileno())
    f.close()


def _write_synced(path: str, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _swap_into_place(work: str, final: str) -> None:
    os.chmod(work, 0o755)
    if os.path.lexists(final):
        old = final + ".old"
        shutil.rmtree(old, ignore_errors=True)
        os.rename(final, old)
        os.rename(work, final)
        shutil.rmtree(old)
    else:
        os.rename(work, final)
