"""restoreimage: hash every used block of the target, fetch and write only those whose hash
differs from the image's, then read the written blocks back from the device and check them.

The verify pass reads the target's used blocks 8 MiB at a time into reused buffers, past the
page cache (O_DIRECT) where the target allows it, two such segments at once in two threads
(os.preadv and BLAKE3 both release the GIL), so one thread's read overlaps the other's
hashing and two cores hash; a version 2 image is checked one group hash (64 KiB) at a time,
and only a group that differs is hashed block by block.

An interrupted restore leaves a state file (the used blocks already checked, the counts so
far); the next run of the same image onto the same target resumes there. The target is
reported good only when every used block has matched or been written and checked."""

from __future__ import annotations

import errno
import json
import mmap
import os
import stat
import time
from bisect import bisect_right
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import asdict, dataclass, field
from functools import cached_property

import zstandard
from blake3 import blake3

from .format import DIGEST_SIZE, Image, ImageError, block_digest, chunk_name, load, used_runs
from .source import open_image

SEGMENT_BYTES = 8 * 1024 * 1024  # read and hashed at once; whole groups (64 KiB) of blocks
VERIFY_THREADS = 2  # segments read and hashed at the same time
CHECKPOINT_BYTES = 256 * 1024 * 1024  # verified between two state-file saves
MERGE_GAP = 256 * 1024  # fetch across a gap this small rather than send another request
MAX_LISTED_RUNS = 100  # differing runs a verify-only summary lists

Progress = Callable[[int, int, int, float], None]


@dataclass
class RestoreResult:
    image: str
    target: str
    fs: str
    block_size: int
    used_blocks: int
    verify_only: bool
    verified_bytes: int = 0
    differed_blocks: int = 0
    written_bytes: int = 0
    seconds: float = 0.0
    resumed_at_block: int = 0
    good: bool = False
    differing_runs: list[tuple[int, int]] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def restore_image(
    location: str,
    target: str,
    verify_only: bool = False,
    expect_fs: str | None = None,
    state_path: str | None = None,
    progress: Progress | None = None,
) -> RestoreResult:
    began = time.monotonic()
    reader = open_image(location)
    image = load(reader)
    m = image.manifest
    if expect_fs and m.fs != expect_fs:
        raise ImageError(f"{location}: the image holds {m.fs}, not the expected {expect_fs}")
    fd = _open_target(target, verify_only)
    try:
        size = os.lseek(fd, 0, os.SEEK_END)
        if size < m.size:
            raise ImageError(f"{target}: {size} bytes, smaller than the image's {m.size} bytes")
        result = RestoreResult(location, target, m.fs, m.block_size, m.used, verify_only)
        state = None if verify_only else _State(state_path, image.content_hash, target, size)
        first = state.resume(result) if state else 0
        if state:  # from here on the target is not good until the state file is gone
            state.reached(result, first)
            state.save(0.0)
        try:
            _pass(image, reader, fd, result, first, state, progress, began)
        except BaseException:
            if state:  # keep what is done for the next run, even on Ctrl-C
                os.fsync(fd)
                state.save(time.monotonic() - began)
            raise
        if not verify_only:
            os.fsync(fd)
        result.good = result.differed_blocks == 0 or not verify_only
        if state:
            state.remove()
    finally:
        os.close(fd)
    result.seconds = round(time.monotonic() - began + result.seconds, 3)
    return result


def _open_target(target: str, verify_only: bool) -> int:
    flags = os.O_RDONLY if verify_only else os.O_RDWR
    try:
        if stat.S_ISBLK(os.stat(target).st_mode) and not verify_only:
            flags |= os.O_EXCL  # on a block device: refused while mounted or in use
        return os.open(target, flags)
    except FileNotFoundError:
        raise ImageError(f"{target}: no such target") from None
    except OSError as exc:
        raise ImageError(f"{target}: cannot open for the restore: {exc.strerror}") from None


def _pass(image: Image, reader, fd, result, first_ordinal, state, progress, began) -> None:
    m = image.manifest
    bs = m.block_size
    writer = _Writer(image, reader, fd)
    verifier = _Verifier(image, fd, result.target)
    # Groups are hashed whole: a resumed pass starts again at its group's first block.
    start = first_ordinal - first_ordinal % verifier.group
    todo = (m.used - start) * bs
    since_checkpoint = 0
    with closing(verifier.segments(start)) as segments:
        for first, n, differing in segments:
            result.verified_bytes += n * bs
            since_checkpoint += n * bs
            if differing:
                result.differed_blocks += len(differing)
                if result.verify_only:
                    _note_runs(result.differing_runs, [block for block, _ in differing])
                else:
                    result.written_bytes += writer.write(differing)
            if state:
                state.reached(result, first + n)
                if since_checkpoint >= CHECKPOINT_BYTES:
                    os.fsync(fd)
                    state.save(time.monotonic() - began)
                    since_checkpoint = 0
            if progress:
                progress(
                    result.verified_bytes, todo, result.written_bytes, time.monotonic() - began
                )
    if not result.verify_only:
        writer.check_written()


class _Verifier:
    """Reads and hashes the target's used blocks a segment at a time, in used-block order."""

    def __init__(self, image: Image, fd: int, target: str):
        m = image.manifest
        self.image, self.fd, self.target = image, fd, target
        self.group = m.group_blocks or 1
        self.segment = max(self.group, SEGMENT_BYTES // m.block_size)
        self.runs = used_runs(image.used_map, m.blocks)
        self.run_ordinals = []  # the used-block ordinal of each run's first block
        ordinal = 0
        for _, count in self.runs:
            self.run_ordinals.append(ordinal)
            ordinal += count
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_SEQUENTIAL)
        self.direct: int | None = None  # the target opened with O_DIRECT, during a pass

    def segments(self, start: int) -> Iterator[tuple[int, int, list[tuple[int, int]]]]:
        """(first ordinal, blocks, differing (block, ordinal) pairs) of each segment from
        start, in order; up to VERIFY_THREADS + 1 segments are read ahead."""
        used, seg = self.image.manifest.used, self.segment
        # Anonymous maps: page-aligned, as reads past the page cache need.
        size = seg * self.image.manifest.block_size
        free = [mmap.mmap(-1, size) for _ in range(VERIFY_THREADS + 1)]
        pending: deque = deque()
        self.direct = _open_direct(self.target)
        try:
            with ThreadPoolExecutor(VERIFY_THREADS, thread_name_prefix="restoreimage") as pool:
                try:
                    for first in range(start, used, seg):
                        if not free:
                            buffer, done = pending.popleft()
                            free.append(buffer)
                            yield done.result()
                        buffer = free.pop()
                        n = min(seg, used - first)
                        pending.append((buffer, pool.submit(self._check, buffer, first, n)))
                    while pending:
                        yield pending.popleft()[1].result()
                finally:
                    for _, done in pending:
                        done.cancel()
        finally:
            if self.direct is not None:
                os.close(self.direct)

    def _check(self, buffer: mmap.mmap, first: int, n: int):
        bs = self.image.manifest.block_size
        view = memoryview(buffer)[: n * bs]
        try:
            self._read(view, first, n)
        except OSError as exc:
            where = f"{self.target}: cannot read used blocks {first}..{first + n - 1}"
            raise ImageError(f"{where}: {exc.strerror}") from None
        hashes, groups, g = self.image.hashes, self.image.groups, self.group
        if groups:
            suspects = [
                i
                for i in range(0, n, g)
                if blake3(view[i * bs : min(i + g, n) * bs]).digest()
                != groups[(first + i) // g * DIGEST_SIZE : ((first + i) // g + 1) * DIGEST_SIZE]
            ]
            candidates = [i for s in suspects for i in range(s, min(s + g, n))]
        else:
            candidates = range(n)
        differing = [
            i
            for i in candidates
            if blake3(view[i * bs : (i + 1) * bs]).digest()
            != hashes[(first + i) * DIGEST_SIZE : (first + i + 1) * DIGEST_SIZE]
        ]
        return first, n, [(self._block(first + i), first + i) for i in differing]

    def _block(self, ordinal: int) -> int:
        run = bisect_right(self.run_ordinals, ordinal) - 1
        return self.runs[run][0] + ordinal - self.run_ordinals[run]

    def _read(self, view: memoryview, first: int, n: int) -> None:
        """Used blocks first..first+n-1, one after the other; bytes past the image's size
        read as zeros, as makeimage padded the image's last block."""
        bs, size = self.image.manifest.block_size, self.image.manifest.size
        run = bisect_right(self.run_ordinals, first) - 1
        at = 0
        while at < n:
            run_first, count = self.runs[run]
            skip = first + at - self.run_ordinals[run]
            take = min(count - skip, n - at)
            offset = (run_first + skip) * bs
            want = view[at * bs : (at + take) * bs]
            got = 0
            while got < len(want) and offset + got < size:
                read = self._pread(want[got : size - offset], offset + got)
                if read == 0:
                    break
                got += read
            want[got:] = bytes(len(want) - got)
            at += take
            run += 1

    def _pread(self, into: memoryview, offset: int) -> int:
        if self.direct is not None:
            try:
                return os.preadv(self.direct, [into], offset)
            except OSError as exc:
                if exc.errno != errno.EINVAL:
                    raise
                # Not aligned to the device's sectors (a partition's last, partial block):
                # this one read goes through the page cache.
        return os.preadv(self.fd, [into], offset)


def _open_direct(target: str) -> int | None:
    """The target opened for reads past the page cache: from the disk at its speed, without
    the kernel copying each page through the cache (a tenth of the CPU per GB here); None
    where the filesystem does not allow it (tmpfs), and the verify reads through the cache."""
    try:
        return os.open(target, os.O_RDONLY | os.O_DIRECT)
    except OSError:
        return None


def _read_blocks(fd: int, block: int, n: int, bs: int, image_size: int) -> bytes:
    """n blocks from the target; bytes past the image's size read as zeros, as makeimage
    padded the image's last block."""
    start = block * bs
    data = os.pread(fd, min(n * bs, image_size - start), start)
    return data.ljust(n * bs, b"\0")


def _note_runs(runs: list[tuple[int, int]], blocks: list[int]) -> None:
    for b in blocks:
        if runs and runs[-1][0] + runs[-1][1] == b:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
        elif len(runs) < MAX_LISTED_RUNS:
            runs.append((b, 1))


class _Writer:
    """Fetches the frames of differing blocks (adjacent ones in one read), checks each
    block's hash before writing it, and after the pass reads the written blocks back."""

    def __init__(self, image: Image, reader, fd: int):
        self.image, self.reader, self.fd = image, reader, fd
        self.decompressor = zstandard.ZstdDecompressor()
        self.written: list[tuple[int, int]] = []

    @cached_property
    def offsets(self):
        return self.image.frame_offsets()  # only once a block differs

    def write(self, blocks: list[tuple[int, int]]) -> int:
        """blocks: (block number, used-block ordinal) pairs, ordinals ascending."""
        written = 0
        for chunk, group in self._ranges(blocks):
            lo = self.offsets[group[0][1]]
            hi = self.offsets[group[-1][1]] + self.image.lengths[group[-1][1]]
            fetched = self.reader.read_range(chunk_name(chunk), lo, hi)
            for block, ordinal in group:
                start = self.offsets[ordinal] - lo
                frame = fetched[start : start + self.image.lengths[ordinal]]
                written += self._write_block(block, ordinal, self._decode(frame, ordinal))
        return written

    def _ranges(self, blocks):
        """Groups of blocks whose frames are in one chunk and close enough to read at once."""
        per_chunk = self.image.manifest.chunk_blocks
        group: list[tuple[int, int]] = []
        for block, ordinal in blocks:
            if group:
                last = group[-1][1]
                gap = self.offsets[ordinal] - self.offsets[last] - self.image.lengths[last]
                if ordinal // per_chunk != last // per_chunk or gap > MERGE_GAP:
                    yield group[0][1] // per_chunk, group
                    group = []
            group.append((block, ordinal))
        if group:
            yield group[0][1] // per_chunk, group

    def _decode(self, frame: bytes, ordinal: int) -> bytes:
        bs = self.image.manifest.block_size
        try:
            data = (
                frame
                if len(frame) == bs
                else self.decompressor.decompress(frame, max_output_size=bs)
            )
        except zstandard.ZstdError:
            data = b""
        expected = self.image.hashes[ordinal * DIGEST_SIZE : (ordinal + 1) * DIGEST_SIZE]
        if len(data) != bs or block_digest(data) != expected:
            name = chunk_name(ordinal // self.image.manifest.chunk_blocks)
            raise ImageError(
                f"{self.reader.describe()}: {name} holds a corrupt block (used block {ordinal})"
            )
        return data

    def _write_block(self, block: int, ordinal: int, data: bytes) -> int:
        m = self.image.manifest
        start = block * m.block_size
        data = data[: m.size - start]
        if os.pwrite(self.fd, data, start) != len(data):
            raise ImageError("short write to the target")
        self.written.append((block, ordinal))
        return len(data)

    def check_written(self) -> None:
        """Read back what this run wrote from the device, not the page cache."""
        if not self.written:
            return
        m = self.image.manifest
        os.fsync(self.fd)
        os.posix_fadvise(self.fd, 0, 0, os.POSIX_FADV_DONTNEED)
        for block, ordinal in self.written:
            data = _read_blocks(self.fd, block, 1, m.block_size, m.size)
            expected = self.image.hashes[ordinal * DIGEST_SIZE : (ordinal + 1) * DIGEST_SIZE]
            if block_digest(data) != expected:
                raise ImageError(f"block {block} does not read back as written")


class _State:
    """The state file of a restore in progress: which image, which target, how far."""

    def __init__(self, path: str | None, image: str, target: str, size: int):
        self.path = path
        self.key = {"image": image, "target": os.path.abspath(target), "target_size": size}
        self.progress: dict = {}

    def resume(self, result: RestoreResult) -> int:
        if not self.path or not os.path.exists(self.path):
            return 0
        try:
            with open(self.path) as f:
                saved = json.loads(f.read(64 * 1024))
            if any(saved.get(k) != v for k, v in self.key.items()):
                return 0  # another image or target: start over
            result.differed_blocks = int(saved["differed_blocks"])
            result.written_bytes = int(saved["written_bytes"])
            result.seconds = float(saved["seconds"])
            result.resumed_at_block = int(saved["next_used_block"])
        except (OSError, ValueError, KeyError, TypeError):
            return 0  # an unreadable state file: start over, which is always safe
        self.reached(result, result.resumed_at_block)
        return result.resumed_at_block

    def reached(self, result: RestoreResult, next_ordinal: int) -> None:
        """Every used block before next_ordinal matches or is written: the counts so far."""
        self.progress = {
            "next_used_block": next_ordinal,
            "differed_blocks": result.differed_blocks,
            "written_bytes": result.written_bytes,
            "seconds": result.seconds,
        }

    def save(self, seconds: float) -> None:
        """Write the last point reached (the target is synced first by the caller)."""
        if not self.path or not self.progress:
            return
        data = {**self.key, **self.progress, "seconds": self.progress["seconds"] + seconds}
        os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
        partial = self.path + ".new"
        with open(partial, "w") as f:
            json.dump(data, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(partial, self.path)

    def remove(self) -> None:
        if self.path and os.path.exists(self.path):
            os.remove(self.path)
