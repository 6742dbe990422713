"""makeimage and restoreimage on real ext4, FAT and NTFS filesystems: the restore writes
exactly the used blocks that differ, leaves fsck clean and every file as imaged, and refuses
what it cannot restore without touching the target."""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import subprocess
import threading
from array import array
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from blake3 import blake3

from imaging.host.blockimage import restore
from imaging.host.blockimage.format import Image, ImageError, Manifest
from imaging.host.blockimage.restore import restore_image
from imaging.tests import filesystems
from workers.host.__main__ import main

MB = 1024 * 1024
BLOCK = 4096


def files(seed: int) -> dict[str, bytes]:
    rng = random.Random(seed)
    made = {f"small{i}.txt": f"file {i}\n".encode() * (i + 1) for i in range(20)}
    made["big.bin"] = rng.randbytes(3 * MB)
    made["text.log"] = b"line of a log\n" * 40000  # compresses well
    return made


def used_blocks(image: Path) -> list[int]:
    manifest = json.loads((image / "manifest.json").read_text())
    bits = (image / "used.map").read_bytes()
    return [b for b in range(manifest["blocks"]) if bits[b >> 3] >> (b & 7) & 1]


def differing(a: Path, b: Path, blocks: list[int]) -> int:
    """Used blocks whose bytes differ between two partitions, compared byte for byte."""
    with open(a, "rb") as fa, open(b, "rb") as fb:
        return sum(
            os.pread(fa.fileno(), BLOCK, n * BLOCK) != os.pread(fb.fileno(), BLOCK, n * BLOCK)
            for n in blocks
        )


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def host(*args, capsys=None) -> tuple[int, str, str]:
    status = main([str(a) for a in args])
    out, err = capsys.readouterr() if capsys else ("", "")
    return status, out, err


@pytest.fixture(scope="module")
def ext4_image(tmp_path_factory):
    """An imaged ext4 filesystem: (partition, image directory)."""
    tmp = tmp_path_factory.mktemp("ext4")
    source = tmp / "source.img"
    filesystems.make("ext4", source, 24, files(1))
    assert main(["makeimage", str(source), str(tmp / "image")]) == 0
    return source, tmp / "image"


@pytest.mark.parametrize("fs", ["ext4", "fat", "ntfs"])
def test_restore_writes_exactly_the_changed_blocks(fs, tmp_path, capsys):
    source = tmp_path / "source.img"
    filesystems.make(fs, source, 24, files(2))
    before = filesystems.checksums(fs, source)
    assert filesystems.fsck(fs, source).returncode == 0
    image = tmp_path / "image"
    status, out, _ = host("makeimage", source, image, capsys=capsys)
    assert status == 0 and f"{fs}," in out
    assert json.loads((image / "manifest.json").read_text())["version"] == 2

    # A used client disk: files replaced, added, removed, and raw blocks overwritten.
    target = tmp_path / "target.img"
    shutil.copyfile(source, target)
    filesystems.put(fs, target, "big.bin", random.Random(3).randbytes(2 * MB))
    filesystems.put(fs, target, "new.bin", random.Random(4).randbytes(MB))
    filesystems.remove(fs, target, "small3.txt")
    blocks = used_blocks(image)
    with open(target, "r+b") as f:
        for n in random.Random(5).sample(blocks, 12):
            os.pwrite(f.fileno(), random.Random(n).randbytes(BLOCK), n * BLOCK)
    assert filesystems.checksums(fs, target) != before
    changed = differing(source, target, blocks)
    assert changed > 12
    untouched = sha(target)

    status, out, _ = host("restoreimage", image, target, "--verify-only", "--json", capsys=capsys)
    report = json.loads(out)
    assert status == 3 and report["differed_blocks"] == changed and not report["good"]
    assert report["written_bytes"] == 0 and sha(target) == untouched

    state = tmp_path / "restore.state"
    status, out, err = host("restoreimage", image, target, "--state", state, capsys=capsys)
    assert status == 0, err
    assert f"differed in {changed};" in out and f"({changed * BLOCK} bytes) written" in out
    assert "good: every used block matches the image" in out
    assert "verified" in err and "left" in err  # progress lines
    assert not state.exists()
    assert differing(source, target, blocks) == 0
    assert filesystems.fsck(fs, target).returncode == 0
    assert filesystems.checksums(fs, target) == before

    status, out, _ = host("restoreimage", image, target, "--json", capsys=capsys)
    again = json.loads(out)
    assert status == 0 and again["written_bytes"] == 0 and again["differed_blocks"] == 0


def test_restore_onto_an_empty_partition_gives_the_filesystem(ext4_image, tmp_path):
    source, image = ext4_image
    target = tmp_path / "blank.img"
    with open(target, "wb") as f:
        f.truncate(32 * MB)  # larger than the image: the rest is left alone
    result = restore_image(str(image), str(target))
    assert result.good and result.written_bytes > 3 * MB
    assert filesystems.fsck("ext4", target).returncode == 0
    assert filesystems.checksums("ext4", target) == filesystems.checksums("ext4", source)


def test_an_interrupted_restore_resumes_from_its_state_file(ext4_image, tmp_path, monkeypatch):
    source, image = ext4_image
    target = tmp_path / "target.img"
    with open(source, "rb") as f:
        target.write_bytes(bytes(b ^ 0xFF for b in f.read()))  # every block differs
    blocks = used_blocks(image)
    state = tmp_path / "state"
    monkeypatch.setattr(restore, "SEGMENT_BYTES", 64 * BLOCK)

    def stop_after_two_batches(done, total, written, elapsed):
        if done >= 2 * 64 * BLOCK:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        restore_image(
            str(image), str(target), state_path=str(state), progress=stop_after_two_batches
        )
    saved = json.loads(state.read_text())
    assert saved["next_used_block"] == 128 and saved["written_bytes"] == 128 * BLOCK
    assert differing(source, target, blocks) == len(blocks) - 128

    result = restore_image(str(image), str(target), state_path=str(state))
    assert result.resumed_at_block == 128 and result.verified_bytes == (len(blocks) - 128) * BLOCK
    assert result.good and result.written_bytes == len(blocks) * BLOCK
    assert not state.exists() and differing(source, target, blocks) == 0


class RangeHandler(SimpleHTTPRequestHandler):
    """Static files with single-range GETs (206), as a menuserver or any web server sends."""

    def log_message(self, *args):
        pass

    def send_head(self):
        path = Path(self.translate_path(self.path))
        header = self.headers.get("Range", "")
        if not path.is_file() or not header.startswith("bytes="):
            return super().send_head()
        self.server.ranges.append((self.path, header))
        size = path.stat().st_size
        first, last = (int(x) for x in header[6:].split("-"))
        if first >= size:
            self.send_error(416)
            return None
        last = min(last, size - 1)
        f = open(path, "rb")
        f.seek(first)
        self.send_response(206)
        self.send_header("Content-Range", f"bytes {first}-{last}/{size}")
        self.send_header("Content-Length", str(last - first + 1))
        self.end_headers()
        self.copyfile = lambda source, out: out.write(source.read(last - first + 1))
        return f


@pytest.fixture
def web(ext4_image):
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(RangeHandler, directory=str(ext4_image[1].parent))
    )
    server.ranges = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_a_restore_over_http_fetches_only_the_differing_blocks(ext4_image, web, tmp_path):
    source, image = ext4_image
    target = tmp_path / "target.img"
    shutil.copyfile(source, target)
    blocks = used_blocks(image)
    with open(target, "r+b") as f:
        for n in blocks[-3:]:
            os.pwrite(f.fileno(), b"x" * BLOCK, n * BLOCK)
    url = f"http://127.0.0.1:{web.server_port}/image/"
    result = restore_image(url, str(target))
    assert result.good and result.written_bytes == 3 * BLOCK
    assert differing(source, target, blocks) == 0
    chunk_reads = [r for path, r in web.ranges if "/chunks/" in path]
    assert len(chunk_reads) == 1  # the three adjacent frames in one Range request
    first, last = (int(x) for x in chunk_reads[0][6:].split("-"))
    assert last - first + 1 <= 3 * BLOCK


def test_a_server_that_ignores_range_is_refused(ext4_image, tmp_path):
    class NoRanges(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(NoRanges, directory=str(ext4_image[1].parent))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(ImageError, match="must honour Range requests"):
            restore_image(f"http://127.0.0.1:{server.server_port}/image", str(tmp_path / "t"))
    finally:
        server.shutdown()
        server.server_close()


def copy_image(image: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "image"
    shutil.copytree(image, copy)
    return copy


def refused(capsys, *args) -> str:
    status, out, err = host(*args, capsys=capsys)
    assert status == 1 and out == ""
    return err


def test_refusals_leave_the_target_untouched(ext4_image, tmp_path, capsys):
    source, image = ext4_image
    target = tmp_path / "target.img"
    target.write_bytes(b"\1" * (24 * MB))
    before = sha(target)

    small = tmp_path / "small.img"
    small.write_bytes(b"\0" * MB)
    assert "smaller than the image's" in refused(capsys, "restoreimage", image, small)
    err = refused(capsys, "restoreimage", image, target, "--fs", "ntfs")
    assert "holds ext4, not the expected ntfs" in err

    edited = copy_image(image, tmp_path / "edited")
    manifest = json.loads((edited / "manifest.json").read_text())
    (edited / "manifest.json").write_text(json.dumps({**manifest, "created": "yesterday"}))
    assert "content hash does not match" in refused(capsys, "restoreimage", edited, target)

    newer = copy_image(image, tmp_path / "newer")
    (newer / "manifest.json").write_text(json.dumps({**manifest, "version": 3}))
    err = refused(capsys, "restoreimage", newer, target)
    assert "manifest version 3 is not one this program reads (versions 1, 2)" in err

    hashes = copy_image(image, tmp_path / "hashes")
    data = bytearray((hashes / "hashes.b3").read_bytes())
    data[40] ^= 1
    (hashes / "hashes.b3").write_bytes(data)
    assert "content hash does not match" in refused(capsys, "restoreimage", hashes, target)

    assert "no such image directory" in refused(capsys, "restoreimage", tmp_path / "none", target)
    assert sha(target) == before


def test_a_corrupt_chunk_is_refused_before_its_block_is_written(ext4_image, tmp_path, capsys):
    source, image = ext4_image
    corrupt = copy_image(image, tmp_path)
    chunk = corrupt / "chunks" / "000000.zst"
    data = bytearray(chunk.read_bytes())
    for i in range(0, len(data), 997):
        data[i] ^= 0x55
    chunk.write_bytes(data)
    target = tmp_path / "target.img"
    target.write_bytes(b"\0" * (24 * MB))
    state = tmp_path / "state"
    err = refused(capsys, "restoreimage", corrupt, target, "--state", state)
    assert "chunks/000000.zst holds a corrupt block" in err
    assert state.exists()  # the target is not good: the next run starts where this stopped


def test_makeimage_refusals_leave_no_image(tmp_path, capsys, ext4_image):
    plain = tmp_path / "plain.img"
    plain.write_bytes(b"\0" * MB)
    err = refused(capsys, "makeimage", plain, tmp_path / "image")
    assert f"{plain}: holds no ext4, fat, ntfs filesystem" in err
    assert not (tmp_path / "image").exists() and os.listdir(tmp_path) == ["plain.img"]

    source, image = ext4_image
    kept = copy_image(image, tmp_path)
    assert "exists; give --replace" in refused(capsys, "makeimage", source, kept)
    status, _, _ = host("makeimage", source, kept, "--replace", capsys=capsys)
    assert status == 0 and sorted(os.listdir(tmp_path)) == ["image", "plain.img"]
    assert restore_image(str(kept), str(source), verify_only=True).good


def test_restore_onto_a_loop_device(ext4_image, tmp_path):
    source, image = ext4_image
    backing = tmp_path / "disk.img"
    with open(backing, "wb") as f:
        f.truncate(24 * MB)
    made = subprocess.run(["losetup", "-f", "--show", str(backing)], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"no loop device here: {made.stderr.strip()}")
    device = made.stdout.strip()
    try:
        result = restore_image(str(image), device)
        assert result.good and result.written_bytes > 0
        assert restore_image(str(image), device).written_bytes == 0
    finally:
        subprocess.run(["losetup", "-d", device], check=True)
    assert differing(source, backing, used_blocks(image)) == 0


def as_version_1(image: Path, tmp_path: Path) -> Path:
    """The image as makeimage wrote it in format version 1: no group hashes, and the content
    hash over the manifest and three files (docs/block-images.md)."""
    old = copy_image(image, tmp_path / "v1")
    (old / "groups.b3").unlink()
    manifest = json.loads((old / "manifest.json").read_text())
    del manifest["group_blocks"], manifest["content_hash"]
    manifest["version"] = 1
    hasher = blake3(json.dumps(manifest, sort_keys=True).encode())
    for name in ("used.map", "hashes.b3", "lengths.u32"):
        data = (old / name).read_bytes()
        hasher.update(len(data).to_bytes(8, "little") + data)
    manifest["content_hash"] = hasher.hexdigest()
    (old / "manifest.json").write_text(json.dumps(manifest))
    return old


@pytest.mark.parametrize("version", [1, 2])
def test_a_group_that_differs_is_checked_block_by_block(version, ext4_image, tmp_path):
    source, image = ext4_image
    if version == 1:
        image = as_version_1(image, tmp_path)
    blocks = used_blocks(image)
    target = tmp_path / "target.img"
    shutil.copyfile(source, target)
    # Two blocks in one group (16 used blocks of 4 KiB), one alone in another, the last one.
    changed = [blocks[16], blocks[19], blocks[100], blocks[-1]]
    with open(target, "r+b") as f:
        for n in changed:
            os.pwrite(f.fileno(), b"y" * BLOCK, n * BLOCK)
    report = restore_image(str(image), str(target), verify_only=True)
    assert report.differed_blocks == 4 and not report.good
    assert [b for first, count in report.differing_runs for b in range(first, first + count)] == [
        b for b in blocks if b in changed
    ]
    result = restore_image(str(image), str(target))
    assert result.good and result.written_bytes == 4 * BLOCK
    assert differing(source, target, blocks) == 0


def test_frame_offsets_start_again_in_each_chunk():
    manifest = Manifest("ext4", 7 * BLOCK, BLOCK, 7, 7, "", chunk_blocks=3, group_blocks=16)
    image = Image(manifest, b"\x7f", b"", array("I", [5, 6, 7, 8, 9, 10, 11]), b"", "")
    assert list(image.frame_offsets()) == [0, 5, 11, 0, 8, 17, 0]
