"""The one atomic write of a file, shared by the XML mirror, the exporter and the agent's
installs. No Django here: host-side code uses it."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(
    path: Path,
    data: bytes,
    owner: tuple[int, int] | None = None,
    mode: int | None = None,
    *,
    sync: bool = True,
) -> bool:
    """Make path hold data through a temporary file, fsync and a rename, so readers see the old
    file or the new one, never a part; False, writing nothing, when path already holds data.

    owner (uid, gid) and mode are set on the temporary file, so the file never appears
    with other attributes. The folder is synced too: a rename lasts only once it is.
    Without sync, neither is synced: the caller writing thousands of files syncs them all at
    once (os.sync) before it relies on them."""
    try:
        # A symlink is replaced by the file, whatever it points to.
        if not path.is_symlink() and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            if owner is not None:
                os.fchown(out.fileno(), *owner)
            if mode is not None:
                os.fchmod(out.fileno(), mode)
            if sync:
                os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
    if not sync:
        return True
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return True
