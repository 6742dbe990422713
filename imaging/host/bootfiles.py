"""The files of the boot directory (<root>/diskless/boot) that lntftpd and menuserver serve,
and nothing outside it."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .bootclients import FAILED, NOT_FOUND, BootError

BOOT_DIR = "diskless/boot"
MAX_NAME = 512


def boot_dir(root: Path) -> Path:
    return root / BOOT_DIR


def clean_name(name: str) -> str:
    """The request's file name as a path relative to the boot directory: a leading '/' is
    dropped (the boot directory is the client's root, as with tftpd-hpa -s) and Windows'
    backslashes are slashes; BootError for a '..' segment or a control character."""
    if len(name) > MAX_NAME:
        raise BootError(f"file name longer than {MAX_NAME} characters")
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise BootError("file name with a control character")
    parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".")]
    if ".." in parts:
        raise BootError(f"{name[:80]!r} leaves the boot directory")
    if not parts:
        raise BootError("no file name given", kind=NOT_FOUND)
    return "/".join(parts)


def open_boot_file(directory: Path, name: str) -> tuple[int, int]:
    """An open descriptor and size of the regular file name under directory; a symlink
    leading out of it, a folder or a device is refused."""
    relative = clean_name(name)
    base = os.path.realpath(directory)
    real = os.path.realpath(os.path.join(base, relative))
    if os.path.commonpath([base, real]) != base:
        raise BootError(f"{relative} leads out of the boot directory")
    try:
        fd = os.open(real, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except (FileNotFoundError, NotADirectoryError):
        raise BootError(f"{relative}: no such file", kind=NOT_FOUND) from None
    except OSError as exc:
        raise BootError(f"{relative}: {exc.strerror}", FAILED) from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise BootError(f"{relative}: no such file", kind=NOT_FOUND)
    return fd, info.st_size
