"""Real filesystems in image files for the block-image tests, made, changed and read with
their own tools: mkfs.ext4 -d and debugfs, mkfs.vfat and mtools, mkfs.ntfs and ntfs-3g."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

TOOLS = {
    "ext4": ("mkfs.ext4", "debugfs", "e2fsck", "partclone.extfs"),
    "fat": ("mkfs.vfat", "mcopy", "fsck.vfat", "partclone.fat"),
    "ntfs": ("mkfs.ntfs", "ntfs-3g", "ntfsfix", "partclone.ntfs"),
}


def need(fs: str) -> None:
    missing = [t for t in TOOLS[fs] if shutil.which(t) is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed (scripts/setup installs them)")


def run(*command: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in command], capture_output=True, text=True, check=True)


def make(fs: str, path: Path, megabytes: int, files: dict[str, bytes]) -> None:
    """A filesystem of megabytes in path holding files (names at the top level)."""
    need(fs)
    with open(path, "wb") as f:
        f.truncate(megabytes * 1024 * 1024)
    if fs == "ext4":
        with tempfile.TemporaryDirectory() as tree:
            for name, data in files.items():
                Path(tree, name).write_bytes(data)
            run("mkfs.ext4", "-q", "-F", "-d", tree, path)
        return
    if fs == "fat":
        run("mkfs.vfat", path)
    else:
        run("mkfs.ntfs", "-q", "-F", "-f", path)
    for name, data in files.items():
        put(fs, path, name, data)


@contextlib.contextmanager
def _ntfs_mounted(path: Path):
    with tempfile.TemporaryDirectory() as mountpoint:
        run("ntfs-3g", path, mountpoint)
        try:
            yield Path(mountpoint)
        finally:
            run("umount", mountpoint)


def put(fs: str, path: Path, name: str, data: bytes) -> None:
    """Write (or replace) the file name with data, through the filesystem."""
    with tempfile.NamedTemporaryFile() as local:
        local.write(data)
        local.flush()
        if fs == "ext4":
            subprocess.run(["debugfs", "-w", "-R", f"rm /{name}", str(path)], capture_output=True)
            run("debugfs", "-w", "-R", f"write {local.name} /{name}", path)
        elif fs == "fat":
            run("mcopy", "-o", "-i", path, local.name, f"::/{name}")
        else:
            with _ntfs_mounted(path) as root:
                (root / name).write_bytes(data)


def remove(fs: str, path: Path, name: str) -> None:
    if fs == "ext4":
        run("debugfs", "-w", "-R", f"rm /{name}", path)
    elif fs == "fat":
        run("mdel", "-i", path, f"::/{name}")
    else:
        with _ntfs_mounted(path) as root:
            (root / name).unlink()


def checksums(fs: str, path: Path) -> dict[str, str]:
    """SHA-256 of every file the filesystem holds, by name, read through its own tools."""
    with tempfile.TemporaryDirectory() as out:
        if fs == "ext4":
            run("debugfs", "-R", f"rdump / {out}", path)
            tree = Path(out)
        elif fs == "fat":
            run("mcopy", "-s", "-i", path, "::/*", out)
            tree = Path(out)
        else:
            with _ntfs_mounted(path) as root:
                return _sums(root)
        return _sums(tree)


def _sums(tree: Path) -> dict[str, str]:
    sums = {}
    for dirpath, _, names in os.walk(tree):
        for name in names:
            if name.startswith("$") or name == "lost+found":
                continue
            file = Path(dirpath, name)
            sums[str(file.relative_to(tree))] = hashlib.sha256(file.read_bytes()).hexdigest()
    return sums


def fsck(fs: str, path: Path) -> subprocess.CompletedProcess:
    """The filesystem's own check, changing nothing."""
    command = {
        "ext4": ["e2fsck", "-fn", str(path)],
        "fat": ["fsck.vfat", "-n", str(path)],
        "ntfs": ["ntfsfix", "-n", str(path)],
    }[fs]
    return subprocess.run(command, capture_output=True, text=True)
