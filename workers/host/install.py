"""Installing one managed file: temporary file, fsync, rename, with its owner and mode; a file
changed by hand is kept as <path>.lnsyncsave first (DESIGN.md, "File hashes")."""

from __future__ import annotations

import grp
import os
import pwd
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from core.files import write_atomic
from filemgr.hashing import file_hash

SAVE_SUFFIX = ".lnsyncsave"


class InstallError(OSError):
    """The file could not be installed; what was on disk is left as it was."""


@dataclass(frozen=True)
class Installed:
    changed: bool
    saved: Path | None = None


def ids(owner: str, group: str) -> tuple[int, int]:
    try:
        uid = pwd.getpwnam(owner).pw_uid
    except KeyError:
        raise InstallError(f"no user {owner!r} on this host") from None
    try:
        gid = grp.getgrnam(group).gr_gid
    except KeyError:
        raise InstallError(f"no group {group!r} on this host") from None
    return uid, gid


def _needs_attributes(path: Path, uid: int, gid: int, mode: int) -> bool:
    st = path.lstat()
    return (st.st_uid, st.st_gid, st.st_mode & 0o7777) != (uid, gid, mode)


def install_file(
    path: Path,
    data: bytes,
    owner: str,
    group: str,
    mode: int,
    known_hashes: Collection[str] = (),
) -> Installed:
    """Make path hold data with owner, group and mode.

    Unchanged content is not rewritten (only its attributes are fixed). Content on disk whose
    hash is not in known_hashes (what Labnet installed or may have installed) was edited by
    hand and is kept as <path>.lnsyncsave. A symlink at path is replaced by the file."""
    uid, gid = ids(owner, group)
    try:
        current = None if path.is_symlink() else path.read_bytes()
    except FileNotFoundError:
        current = None
    except IsADirectoryError:
        raise InstallError(f"{path} is a directory") from None
    if current == data:
        if _needs_attributes(path, uid, gid, mode):
            os.chown(path, uid, gid)
            os.chmod(path, mode)
        return Installed(changed=False)
    saved = None
    if current is not None and file_hash(current) not in known_hashes:
        saved = path.with_name(path.name + SAVE_SUFFIX)
        # A copy, not a rename, so the path never goes missing for the host's readers.
        _copy(path, saved)
    write_atomic(path, data, (uid, gid), mode)
    return Installed(changed=True, saved=saved)


def _copy(source: Path, target: Path) -> None:
    st = source.stat()
    write_atomic(target, source.read_bytes(), (st.st_uid, st.st_gid), st.st_mode & 0o7777)


def install_symlink(path: Path, target: str) -> bool:
    """Make path a symlink to target (atomically); False when it already is."""
    if path.is_symlink() and os.readlink(path) == target:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.lnlink")
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(target)
    os.replace(tmp, path)
    return True
