"""Block-image figures (docs/block-images.md), printed, not asserted: one ext4 filesystem of
1 GiB, 60% used (half random, half compressible files), imaged with makeimage; a copy with 1%
of its used blocks overwritten is restored by

- restoreimage (verify every used block, write the differing ones),
- partclone restore (writes every used block),
- bmaptool copy (writes every block the image file maps),
- casync extract --seed (skips chunks the seed holds; the closest peer),

each from a fresh copy of the changed partition. For each: wall time and bytes written (the
wchar of the process and its children). Beside them the verify rate: restoreimage's verify
pass with its two threads and with one, in-process and as a process (start and manifest
included), from a cold page cache (dropped for the file with posix_fadvise) and warm, with
its CPU per GB; the raw sequential read of the same file, cold, warm and past the page
cache (O_DIRECT, as the verify reads where it can), is the ceiling. Raw reads and verify
passes alternate, best of three each, so that a burst of other work on the shared machine
does not fall on one side only. Last, the CPU per GB of BLAKE3 (the hash
chosen) and BLAKE2b on 4 KiB blocks, and of BLAKE3 on 64 KiB groups (what a verify of a
format 2 image hashes).

Needs mkfs.ext4, partclone, bmaptool and casync (scripts/setup installs them). Everything
lives in a temporary folder (about 4 GB at the peak) removed at the end.

    .venv/bin/python bench/bench_blockimage.py [--size-mb 1024] [--dir /var/tmp]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import mmap
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from blake3 import blake3

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))
from imaging.host.blockimage import restore  # noqa: E402
from imaging.host.blockimage.restore import restore_image  # noqa: E402

BLOCK = 4096
GB = 1e9
ROUNDS = 3


def fill(tree: Path, total: int) -> None:
    """Files adding up to total bytes: half random, half text that compresses."""
    rng = random.Random(1)
    line = b"Labnet re-images the local partition at logout from its block image.\n"
    written, n = 0, 0
    while written < total:
        size = min(rng.randint(64 * 1024, 16 * 1024 * 1024), total - written)
        data = rng.randbytes(size) if n % 2 else (line * (size // len(line) + 1))[:size]
        (tree / f"f{n:05d}").write_bytes(data)
        written, n = written + size, n + 1


def drop_cache(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def read_rate(path: Path, direct: bool = False) -> tuple[float, float]:
    """Bytes per second and CPU seconds per GB of a sequential read of path in 8 MiB reads,
    as `cat` does, or past the page cache (O_DIRECT) as `dd iflag=direct` does."""
    buffer = memoryview(mmap.mmap(-1, 8 * 1024 * 1024))  # page-aligned, as O_DIRECT needs
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECT if direct else 0))
    began, cpu_began = time.perf_counter(), time.process_time()
    try:
        offset = 0
        while read := os.preadv(fd, [buffer], offset):
            offset += read
    finally:
        os.close(fd)
    cpu = time.process_time() - cpu_began
    return offset / (time.perf_counter() - began), cpu / (offset / GB)


def run(command: list[str]) -> tuple[float, int, float, str]:
    """Wall seconds, bytes written (wchar, children included), CPU seconds and stdout."""
    script = '"$@" > "$OUT" 2>/dev/null; s=$?; grep ^wchar /proc/$$/io; exit $s'
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    with tempfile.NamedTemporaryFile() as out:
        done = subprocess.run(
            ["sh", "-c", script, "sh", *command],
            capture_output=True,
            text=True,
            env={**os.environ, "OUT": out.name},
        )
        stdout = Path(out.name).read_text()
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode not in (0, 3):
        sys.exit(f"{command[0]} failed ({done.returncode}): {stdout[-500:]}")
    return wall, int(done.stdout.split()[1]), cpu, stdout


def hash_cpu(digest, size: int = BLOCK) -> float:
    """CPU seconds per GB hashing pieces of size bytes, one call each as restoreimage does."""
    data = memoryview(os.urandom(256 * 1024 * 1024))
    began = time.process_time()
    for i in range(0, len(data), size):
        digest(data[i : i + size])
    return (time.process_time() - began) / (len(data) / GB)


def used_blocks(image: Path) -> list[int]:
    manifest = json.loads((image / "manifest.json").read_text())
    bits = (image / "used.map").read_bytes()
    return [b for b in range(manifest["blocks"]) if bits[b >> 3] >> (b & 7) & 1]


def same_used_blocks(a: Path, b: Path, blocks: list[int]) -> bool:
    with open(a, "rb") as fa, open(b, "rb") as fb:
        return all(
            os.pread(fa.fileno(), BLOCK, n * BLOCK) == os.pread(fb.fileno(), BLOCK, n * BLOCK)
            for n in blocks
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--dir", help="where the temporary folder goes")
    args = parser.parse_args()
    for tool in ("mkfs.ext4", "partclone.extfs", "bmaptool", "casync"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is not installed (scripts/setup installs it)")
    host = [sys.executable, "-m", "workers.host"]
    os.chdir(BASE)
    tmp = Path(tempfile.mkdtemp(prefix="bench-blockimage-", dir=args.dir))
    try:
        size = args.size_mb * 1024 * 1024
        source, image = tmp / "source.img", tmp / "image"
        tree = tmp / "tree"
        tree.mkdir()
        fill(tree, int(size * 0.6))
        with open(source, "wb") as f:
            f.truncate(size)
        subprocess.run(["mkfs.ext4", "-q", "-F", "-b", "4096", "-d", tree, source], check=True)
        shutil.rmtree(tree)

        wall, _, cpu, _ = run([*host, "makeimage", str(source), str(image)])
        blocks = used_blocks(image)
        stored = sum(p.stat().st_size for p in (image / "chunks").iterdir())
        print(f"filesystem: ext4, {size / GB:.2f} GB, {len(blocks) * BLOCK / GB:.2f} GB used "
              f"({len(blocks) * BLOCK / size:.0%})")  # fmt: skip
        print(f"makeimage: {wall:.1f} s, {cpu:.1f} s CPU, {stored / GB:.2f} GB stored (zstd)")

        changed_copy = tmp / "changed.img"
        shutil.copyfile(source, changed_copy)
        rng = random.Random(3)
        changed = rng.sample(blocks, len(blocks) // 100)
        with open(changed_copy, "r+b") as f:
            for n in changed:
                os.pwrite(f.fileno(), rng.randbytes(BLOCK), n * BLOCK)
        changed_bytes = len(changed) * BLOCK
        print(f"changed: {len(changed)} used blocks, {changed_bytes / 1e6:.1f} MB (1%)\n")

        # Raw read and verify passes alternate, best of three each, so that a burst of other
        # work on the (shared) machine does not fall on one of them only.
        verify = [*host, "restoreimage", str(image), str(changed_copy), "--verify-only", "--json"]
        best: dict[str, tuple[float, float]] = {}  # rate, CPU seconds per GB

        def keep(name: str, rate: float, cpu_per_gb: float) -> None:
            if name not in best or rate > best[name][0]:
                best[name] = (rate, cpu_per_gb)

        for _ in range(ROUNDS):
            for cache in ("cold", "warm"):
                if cache == "cold":
                    drop_cache(changed_copy)
                keep(f"raw read, {cache}", *read_rate(changed_copy))
                if cache == "cold":
                    keep("raw read past the page cache (O_DIRECT)", *read_rate(changed_copy, True))
                for threads in (2, 1):
                    restore.VERIFY_THREADS = threads
                    if cache == "cold":
                        drop_cache(changed_copy)
                    began, cpu_began = time.perf_counter(), time.process_time()
                    result = restore_image(str(image), str(changed_copy), verify_only=True)
                    wall, cpu = time.perf_counter() - began, time.process_time() - cpu_began
                    assert result.differed_blocks == len(changed)
                    gb = result.verified_bytes / GB
                    keep(f"verify pass, {threads} thread(s), {cache}", gb * GB / wall, cpu / gb)
            drop_cache(changed_copy)
            wall, _, cpu, out = run(verify)
            gb = json.loads(out)["verified_bytes"] / GB
            keep("restoreimage --verify-only (process), cold", gb * GB / wall, cpu / gb)
        print(f"verify of {gb:.2f} GB of used blocks, best of {ROUNDS} "
              f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs):")  # fmt: skip
        for name, (rate, cpu_per_gb) in best.items():
            print(f"  {name:46} {rate / GB:5.2f} GB/s  {cpu_per_gb:5.2f} s CPU per GB")
        restore.VERIFY_THREADS = 2
        chosen = hash_cpu(lambda b: blake3(b).digest())
        baseline = hash_cpu(lambda b: hashlib.blake2b(b).digest())
        groups = hash_cpu(lambda b: blake3(b).digest(), 16 * BLOCK)
        print(f"hash CPU per GB of 4 KiB blocks: BLAKE3 {chosen:.2f} s, BLAKE2b {baseline:.2f} s; "
              f"of 64 KiB groups: BLAKE3 {groups:.2f} s\n")  # fmt: skip

        peers = tmp / "peers"
        peers.mkdir()
        subprocess.run(["partclone.extfs", "-c", "-q", "-s", source, "-O", peers / "pc.img"],
                       check=True, capture_output=True)  # fmt: skip
        bmap = peers / "source.bmap"
        with open(bmap, "w") as f:
            subprocess.run(["bmaptool", "create", source], check=True, stdout=f,
                           stderr=subprocess.DEVNULL)  # fmt: skip
        subprocess.run(["casync", "make", f"--store={peers / 'store'}", peers / "source.caibx",
                        source], check=True, capture_output=True)  # fmt: skip
        seed = tmp / "seed.img"
        shutil.copyfile(changed_copy, seed)

        target = tmp / "target.img"
        print(f"{'restore of the changed copy':34} {'time':>8} {'written':>10} {'vs changed':>11}")
        for name, command in (
            ("restoreimage", [*host, "restoreimage", str(image), str(target), "--state",
                              str(tmp / "state")]),
            ("partclone.extfs -r", ["partclone.extfs", "-r", "-s", str(peers / "pc.img"),
                                    "-O", str(target)]),
            ("bmaptool copy", ["bmaptool", "copy", "--bmap", str(bmap), str(source),
                               str(target)]),
            ("casync extract --seed", ["casync", "extract", f"--store={peers / 'store'}",
                                       f"--seed={seed}", "--seed-output=no",
                                       str(peers / "source.caibx"),
                                       str(target)]),
        ):  # fmt: skip
            shutil.copyfile(changed_copy, target)
            drop_cache(target)
            wall, written, _, _ = run(command)
            assert same_used_blocks(source, target, blocks), name
            print(
                f"{name:34} {wall:7.2f}s {written / 1e6:8.1f} MB {written / changed_bytes:10.2f}x"
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
