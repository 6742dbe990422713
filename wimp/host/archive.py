"""Imaging, the end of a session (guide 3.4): the master volume captured into the archive
files of /images/<dept> (`<image>.bootsect`: the sectors before the first partition;
`<image>.bootpart` and `<image>`: block images of the two partitions, the makeimage format
syncimage restores), each verified against the volume with restoreimage --verify-only, then
copied with rsync to the master image server the appserver's Rsync row names, and the copy
verified by a checksum dry run that must find nothing to send. makeimage and restoreimage are
run as the host programs they are (`python -m workers.host ...`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from core.ssh import rsync_shell
from imaging.host.iscsi.planning import Refused

SECTOR = 512
MAX_BOOTSECT = 1 << 20
BOOTSECT, BOOTPART = ".bootsect", ".bootpart"
TIMEOUT = 6 * 3600  # one partition's makeimage or rsync
STATE_DIR = "var/lib/labnet/wimp"  # under the agent's root
SSH_CONFIG_ENV, PEER_ROOTS_ENV = "LABNET_SSH_CONFIG", "LABNET_PEER_ROOTS"  # as lnrsync reads


class ArchiveError(RuntimeError):
    """A step of imaging that failed; the message names the file and what the tool said."""


def partitions(head: bytes, what: str) -> list[tuple[int, int]]:
    """(offset, size) in bytes of the MBR's non-empty primary partitions, by offset."""
    if len(head) < SECTOR or head[510:512] != b"\x55\xaa":
        raise Refused(f"{what}: no MBR partition table (Windows is not installed yet?)")
    found = []
    for n in range(4):
        entry = head[446 + 16 * n : 446 + 16 * (n + 1)]
        start = int.from_bytes(entry[8:12], "little")
        count = int.from_bytes(entry[12:16], "little")
        if entry[4] and count:
            found.append((start * SECTOR, count * SECTOR))
    return sorted(found)


def files_of(directory: Path, image: str) -> tuple[Path, Path, Path]:
    """(bootsect, bootpart, system) of an image in an archive directory."""
    return (
        directory / (image + BOOTSECT),
        directory / (image + BOOTPART),
        directory / image,
    )


def run(argv: list[str], what: str, given: str = "") -> str:
    """argv's output; given is its input (none: nothing a tool could stop and ask)."""
    try:
        done = subprocess.run(
            argv, input=given, capture_output=True, text=True, timeout=TIMEOUT, check=False
        )
    except FileNotFoundError:
        raise ArchiveError(f"{what}: {argv[0]} is not installed") from None
    except subprocess.TimeoutExpired:
        raise ArchiveError(f"{what}: {argv[0]} took more than {TIMEOUT} s") from None
    if done.returncode:
        said = (done.stderr.strip() or done.stdout.strip())[-300:]
        raise ArchiveError(f"{what}: exit status {done.returncode}: {said}")
    return done.stdout


def host_program(*argv: str, what: str) -> str:
    return run([sys.executable, "-m", "workers.host", *argv], what)


@contextmanager
def loop(device: str, offset: int, size: int) -> Iterator[str]:
    """A loop device over one partition of device (makeimage reads a partition)."""
    argv = ["losetup", "--find", "--show", "--offset", str(offset), "--sizelimit", str(size)]
    partition = run([*argv, device], f"losetup {device} at {offset}").strip()
    try:
        yield partition
    finally:
        subprocess.run(["losetup", "-d", partition], timeout=60, check=False)


def state_file(root: Path, image_dir: Path) -> str:
    """restoreimage's resume state of one image, under the agent's root."""
    return str(Path(root) / STATE_DIR / (image_dir.name + ".state"))


def make_verified(partition: str, image_dir: Path, root: Path) -> str:
    """makeimage of partition into image_dir, then restoreimage --verify-only against it:
    the line makeimage printed."""
    made = host_program("makeimage", partition, str(image_dir), "--replace", what=str(image_dir))
    state = state_file(root, image_dir)
    Path(state).parent.mkdir(parents=True, exist_ok=True)
    host_program(
        "restoreimage", str(image_dir), partition, "--verify-only", "--state", state,
        what=f"verify {image_dir}",
    )  # fmt: skip
    return made.strip()


def capture(
    device: str, directory: Path, image: str, root: Path, progress: Callable[[str], None]
) -> list[str]:
    """The three archive files of the disk device in directory, each verified."""
    bootsect, bootpart, system = files_of(directory, image)
    with open(device, "rb") as disk:
        head = disk.read(MAX_BOOTSECT)
    layout = partitions(head, f"image {image}'s master {device}")
    if len(layout) != 2:
        raise Refused(f"image {image}: its disk has {len(layout)} partitions, not 2")
    directory.mkdir(parents=True, exist_ok=True)
    first = layout[0][0]
    if first > MAX_BOOTSECT:
        raise Refused(f"image {image}: its first partition starts past {MAX_BOOTSECT} bytes")
    bootsect.write_bytes(head[:first])
    lines = [f"{bootsect.name}: {first} bytes"]
    for (offset, size), target in zip(layout, (bootpart, system), strict=True):
        progress(f"capturing {target.name} ({size >> 20} MiB partition)")
        with loop(device, offset, size) as partition:
            lines.append(make_verified(partition, target, root))
    return lines


def _peer(host: str, remote: str) -> tuple[str, list[str]]:
    """rsync's destination and transport for host:remote (LABNET_PEER_ROOTS for demos and
    tests, where each server is a directory)."""
    peers = os.environ.get(PEER_ROOTS_ENV)
    if peers:
        target = Path(peers) / host / remote.lstrip("/")
        target.mkdir(parents=True, exist_ok=True)
        return str(target) + "/", []
    return f"{host}:{remote.rstrip('/')}/", ["-e", rsync_shell(os.environ.get(SSH_CONFIG_ENV))]


def copy_verified(directory: Path, image: str, host: str, remote: str) -> str:
    """rsync the image's files to host:remote, then a checksum dry run that must list
    nothing: the copy is the archive."""
    sources = [str(p) for p in files_of(directory, image)]
    where, transport = _peer(host, remote)
    base = ["rsync", "-a", "--checksum", *transport]
    run([*base, *sources, where], f"rsync to {host}:{remote}")
    left = run([*base, "--dry-run", "--itemize-changes", *sources, where], "verify the copy")
    if left.strip():
        raise ArchiveError(f"the copy on {host}:{remote} differs: {left.strip()[:200]}")
    return f"copied to {host}:{remote} and verified"


def remove_files(directory: Path, image: str) -> list[str]:
    """Delete an image's archive files (a block image is a directory): the names removed."""
    removed = []
    for path in files_of(directory, image):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()
        else:
            continue
        removed.append(path.name)
    return removed
