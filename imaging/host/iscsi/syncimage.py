"""syncimage (guide 3.3.3): (re)build an appserver's master volume of a windowsImage from its
files in /images/<dept>: `<image>.bootsect` (the first sectors: the MBR with the partition
table), then `<image>.bootpart` into the first partition and `<image>` into the second. A
partition's file is a raw partition image or a block image directory (docs/block-images.md,
restored through a loop device over the partition). Refused while a client of this
appserver has the image as its windowsImage, or a wimpSession of it is open.

The image's lock (<root>/run/labnet/syncimage/<image>.lock) is held the whole time, so a boot
asking for a COW of it is refused ("being synced") rather than given a half-written master."""

from __future__ import annotations

import argparse
import fcntl
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from entities.mirror import MirrorError, read_entity_file
from workers.host.client import ApiClient
from workers.host.outbox import deliver
from workers.host.registry import Command
from workers.host.settings import add_agent_arguments, settings_from

from .mirror import SYNC_LOCKS, IscsiMirror
from .planning import Refused, master_name, parse_size
from .storage import Storage, StorageError, Volume

IMAGES = "images"  # under --root: images/<dept>/<image>
BOOTSECT, BOOTPART = ".bootsect", ".bootpart"
MANIFEST = "manifest.json"  # a block image directory's
MAX_BOOTSECT = 1 << 20  # the MBR and the gap before the first partition
SECTOR = 512
CHUNK = 4 << 20
TIMESTAMP = "%Y-%m-%d %H:%M:%S"  # WindowsImageTab TimeStamp, local time; "none" before a sync
NEVER = "none"
LOOP_TIMEOUT = 60
STORAGE_LOCK = "run/labnet/iscsi.lock"  # under --root: one change of volumes/targets at a time


@dataclass(frozen=True)
class ImageRow:
    """A row of the appserver's WindowsImageTab with what its windowsImage entity says."""

    image: str
    timestamp: str
    dept: str
    size: int


@dataclass(frozen=True)
class Synced:
    image: str
    timestamp: str  # when the sync began: what TimeStamp becomes
    master: Volume
    seconds: float


@contextmanager
def storage_lock(root: Path) -> Iterator[None]:
    """Held by whoever changes volumes or targets (a boot's COW, syncimage, the upkeep), so
    two processes never interleave one client's steps."""
    path = Path(root) / STORAGE_LOCK
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def image_rows(mirror: IscsiMirror) -> list[ImageRow]:
    """The appserver's WindowsImageTab rows (wi_image, TimeStamp); a row whose image is not a
    windowsImage entity or has no dept is Refused."""
    try:
        server = read_entity_file(mirror.etc / "server" / mirror.host)
    except (OSError, MirrorError) as exc:
        raise Refused(f"appserver {mirror.host}: unreadable mirror file ({exc})") from None
    images, stamps = server.values("wi_image"), server.values("TimeStamp")
    rows = []
    for n, image in enumerate(images):
        if not image:
            continue
        try:
            entity = read_entity_file(mirror.etc / "windowsImage" / image)
        except (OSError, MirrorError):
            raise Refused(f"image {image}: {image!r} is not a windowsImage") from None
        dept = (entity.values("dept") or [""])[0]
        if not dept or "/" in dept or dept in (".", ".."):
            raise Refused(f"image {image} has no dept (its files are in /images/<dept>)")
        size = parse_size((entity.values("imageLvSize") or [""])[0], f"image {image} imageLvSize")
        stamp = stamps[n] if n < len(stamps) and stamps[n] else NEVER
        rows.append(ImageRow(image, stamp, dept, size))
    return rows


def files_of(root: Path, row: ImageRow) -> tuple[Path, Path, Path]:
    """(bootsect, bootpart, system) of an image."""
    base = Path(root) / IMAGES / row.dept / row.image
    return base.with_name(row.image + BOOTSECT), base.with_name(row.image + BOOTPART), base


def _mtime(path: Path) -> float:
    # A block image directory changes when its manifest is rewritten (makeimage writes it last).
    return (path / MANIFEST if path.is_dir() else path).stat().st_mtime


def files_newer(root: Path, row: ImageRow) -> bool:
    """Whether the image's files are newer than its TimeStamp (always, before a first sync).
    Missing files are Refused."""
    files = files_of(root, row)
    for path in files:
        if not path.exists():
            raise Refused(f"image {row.image}: {path} is missing")
    if row.timestamp == NEVER:
        return True
    try:
        stamp = datetime.strptime(row.timestamp, TIMESTAMP).timestamp()
    except ValueError:
        return True  # an unreadable TimeStamp is one to be rewritten
    # TimeStamp has whole seconds: a file written in the second a sync began is its input.
    return int(max(_mtime(p) for p in files)) > stamp


def users_of(mirror: IscsiMirror, image: str) -> list[str]:
    """Clients of this appserver whose windowsImage is image."""
    directory = mirror.etc / "client"
    found = []
    for path in sorted(directory.iterdir()) if directory.is_dir() else ():
        try:
            entity = read_entity_file(path)
        except (OSError, MirrorError):
            continue
        served = {(entity.values(v) or [""])[0] for v in ("server", "appserver")}
        if mirror.host in served and (entity.values("windowsImage") or [""])[0] == image:
            found.append(path.name)
    return found


def refusal(mirror: IscsiMirror, image: str) -> str | None:
    """Why image's master may not be rebuilt now, or None."""
    if image in mirror.wimp_sessions():
        return f"image {image} has an open wimpSession"
    users = users_of(mirror, image)
    if users:
        shown = ", ".join(users[:10]) + (f" and {len(users) - 10} more" if len(users) > 10 else "")
        return f"image {image} is the windowsImage of {mirror.host}'s clients {shown}"
    return None


def partitions(bootsect: bytes, what: str) -> list[tuple[int, int]]:
    """(offset, size) in bytes of the MBR's non-empty primary partitions, in table order."""
    if len(bootsect) < SECTOR or bootsect[510:512] != b"\x55\xaa":
        raise Refused(f"{what}: no MBR partition table (no 55 AA signature)")
    found = []
    for n in range(4):
        entry = bootsect[446 + 16 * n : 446 + 16 * (n + 1)]
        kind = entry[4]
        start = int.from_bytes(entry[8:12], "little")
        count = int.from_bytes(entry[12:16], "little")
        if kind and count:
            found.append((start * SECTOR, count * SECTOR))
    return found


def source_size(path: Path) -> int:
    """Bytes a partition's file restores: a raw file's size, a block image's partition size."""
    if path.is_dir():
        from ..blockimage.format import load
        from ..blockimage.source import open_image

        return load(open_image(str(path))).manifest.size
    return path.stat().st_size


@contextmanager
def locked_image(root: Path, image: str) -> Iterator[None]:
    directory = Path(root) / SYNC_LOCKS
    directory.mkdir(parents=True, exist_ok=True)
    fd = os.open(directory / f"{image}.lock", os.O_CREAT | os.O_RDWR, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Refused(f"image {image} is being synced by another syncimage") from None
        yield
    finally:
        os.close(fd)


def sync_image(storage: Storage, mirror: IscsiMirror, row: ImageRow, root: Path) -> Synced:
    """Rebuild row's master: Refused before anything is touched when it may not be or its
    files are not a disk that fits imageLvSize; StorageError when a volume step fails."""
    began, started = time.monotonic(), datetime.now().strftime(TIMESTAMP)
    with locked_image(root, row.image):
        why = refusal(mirror, row.image)
        if why:
            raise Refused(f"syncimage {row.image}: {why}")
        bootsect, bootpart, system = files_of(root, row)
        layout = _check_layout(row, bootsect, bootpart, system)
        master = master_name(row.image)
        with storage_lock(root):
            _remove_cows_of(storage, master)
            volume = _fresh_master(storage, master, row.size)
        _write_file(volume.path, 0, bootsect)
        for (offset, size), source in zip(layout, (bootpart, system), strict=True):
            _write_partition(volume.path, offset, size, source)
    return Synced(row.image, started, volume, round(time.monotonic() - began, 3))


def _check_layout(
    row: ImageRow, bootsect: Path, bootpart: Path, system: Path
) -> list[tuple[int, int]]:
    what = f"image {row.image}: {bootsect}"
    if bootsect.stat().st_size > MAX_BOOTSECT:
        raise Refused(f"{what} is larger than {MAX_BOOTSECT >> 20} MiB")
    head = bootsect.read_bytes()
    found = partitions(head, what)
    if len(found) < 2:
        raise Refused(f"{what}: the partition table has {len(found)} partitions, not 2")
    layout = sorted(found[:2])
    if len(head) > layout[0][0]:
        raise Refused(f"{what} runs into the first partition")
    for (offset, size), source in zip(layout, (bootpart, system), strict=True):
        if offset + size > row.size:
            raise Refused(
                f"image {row.image}: its partition at {offset} bytes ends past imageLvSize "
                f"({row.size >> 20} MiB)"
            )
        try:
            have = source_size(source)
        except Exception as exc:  # a block image that does not load says why
            raise Refused(f"image {row.image}: {source}: {exc}") from None
        if have > size:
            raise Refused(
                f"image {row.image}: {source} holds {have} bytes, more than its partition's {size}"
            )
    return layout


def _remove_cows_of(storage: Storage, master: str) -> None:
    """COWs left of the old master (their clients no longer have the image) go first: a
    snapshot of a master being rewritten would show the client garbage."""
    targets = storage.targets.targets()
    for volume in storage.volumes.volumes():
        if volume.origin == master:
            for target in targets:
                if os.path.realpath(target.device) == os.path.realpath(volume.path):
                    storage.targets.remove(target.iqn)
            storage.volumes.remove(volume.name)


def _fresh_master(storage: Storage, master: str, size: int) -> Volume:
    existing = {v.name: v for v in storage.volumes.volumes()}
    if master not in existing:
        return storage.volumes.create_master(master, size)
    if existing[master].size != size:
        return storage.volumes.resize_master(master, size)
    return existing[master]


def _write_file(device: str, offset: int, source: Path) -> None:
    fd = os.open(device, os.O_WRONLY)
    try:
        with open(source, "rb") as data:
            position = offset
            while chunk := data.read(CHUNK):
                os.pwrite(fd, chunk, position)
                position += len(chunk)
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_partition(device: str, offset: int, size: int, source: Path) -> None:
    if not source.is_dir():
        _write_file(device, offset, source)
        return
    from ..blockimage.format import ImageError
    from ..blockimage.restore import restore_image

    with _loop(device, offset, size) as partition:
        try:
            restore_image(str(source), partition)
        except ImageError as exc:
            raise StorageError(f"{source} into {device} at {offset}: {exc}") from None


@contextmanager
def _loop(device: str, offset: int, size: int) -> Iterator[str]:
    """A loop device over one partition of device (a block image restores onto a device)."""
    argv = ["losetup", "--find", "--show", "--offset", str(offset), "--sizelimit", str(size)]
    try:
        done = subprocess.run(
            [*argv, device], capture_output=True, text=True, timeout=LOOP_TIMEOUT, check=False
        )
    except FileNotFoundError:
        raise StorageError("losetup is not installed (Debian package mount)") from None
    if done.returncode:
        raise StorageError(f"losetup {device} at {offset}: {done.stderr.strip()[:300]}")
    loop = done.stdout.strip()
    try:
        yield loop
    finally:
        subprocess.run(["losetup", "-d", loop], timeout=LOOP_TIMEOUT, check=False)


@dataclass(frozen=True)
class Outcome:
    """What one WindowsImageTab row's check came to: synced (with the sync), up to date, or
    refused/failed with the reason."""

    image: str
    state: str  # SYNCED, CURRENT, REFUSED, FAILED
    message: str
    synced: Synced | None = None


SYNCED, CURRENT, REFUSED, FAILED = "synced", "current", "refused", "failed"


def _later(row: ImageRow, sent: str | None) -> ImageRow:
    if sent and (row.timestamp == NEVER or sent > row.timestamp):
        return replace(row, timestamp=sent)
    return row


def sync_images(
    storage: Storage,
    mirror: IscsiMirror,
    root: Path,
    only: str | None = None,
    synced: dict[str, str] | None = None,
) -> list[Outcome]:
    """Sync every row (or only image) whose files are newer than its TimeStamp. synced: the
    TimeStamps this process already sent, which the mirror may not hold yet."""
    try:
        rows = [_later(row, (synced or {}).get(row.image)) for row in image_rows(mirror)]
    except Refused as exc:
        return [Outcome(only or "", REFUSED, str(exc))]
    if only is not None and only not in {r.image for r in rows}:
        return [Outcome(only, REFUSED, f"image {only} is not in {mirror.host}'s WindowsImageTab")]
    outcomes = []
    for row in rows:
        if only is not None and row.image != only:
            continue
        try:
            if not files_newer(root, row):
                outcomes.append(Outcome(row.image, CURRENT, f"{row.image}: up to date"))
                continue
            synced = sync_image(storage, mirror, row, root)
        except Refused as exc:
            outcomes.append(Outcome(row.image, REFUSED, str(exc)))
        except (StorageError, OSError) as exc:
            outcomes.append(Outcome(row.image, FAILED, f"syncimage {row.image}: {exc}"))
        else:
            message = (
                f"{row.image}: master {synced.master.name} rebuilt "
                f"({synced.master.size >> 20} MiB) in {synced.seconds:.1f} s"
            )
            outcomes.append(Outcome(row.image, SYNCED, message, synced))
    return outcomes


def real_storage(vgroup: str) -> Storage:
    """lvm2 and LIO on this appserver."""
    from .lio import Lio
    from .lvm import Lvm

    return Storage(Lvm(vgroup), Lio())


def report_synced(client: ApiClient, state_dir: Path, host: str, synced: Synced) -> None:
    """TimeStamp of the row becomes the moment the sync began (kept until delivered)."""
    deliver(
        client,
        state_dir / "iscsi-synced",
        f"imaging/iscsi/{host}/synced/",
        {"image": synced.image, "timestamp": synced.timestamp},
    )


def _arguments(parser: argparse.ArgumentParser) -> None:
    add_agent_arguments(parser)
    parser.add_argument("image", nargs="?", help="only this windowsImage (default: every row)")


def _run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    mirror = IscsiMirror(settings.etc, settings.host, settings.root)
    try:
        storage = real_storage(mirror.appserver_volume_group())
    except (Refused, StorageError) as exc:
        print(f"syncimage: {exc}", file=sys.stderr)
        return 1
    client = ApiClient(settings.server, settings.token)
    outcomes = sync_images(storage, mirror, settings.root, args.image)
    for outcome in outcomes:
        bad = outcome.state in (REFUSED, FAILED)
        print(outcome.message, file=sys.stderr if bad else sys.stdout)
        if outcome.synced:
            report_synced(client, settings.paths.state, settings.host, outcome.synced)
    return 1 if any(o.state in (REFUSED, FAILED) for o in outcomes) else 0


COMMAND = Command(
    "syncimage",
    "rebuild the master volume of each windowsImage whose files are newer than its TimeStamp",
    _arguments,
    _run,
)
