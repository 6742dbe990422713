"""What a fileMgr entity's `path` may hold: the absolute, normalised path of a file, checked
when it is written (registered with entities.value_checks in `FilemgrConfig.ready()`), so
no agent meets a path that climbs out of its root or names no file."""

from __future__ import annotations

PATH_VARIABLE = "path"
# Linux's PATH_MAX, the terminating NUL included.
MAX_PATH_BYTES = 4095


def path_problem(path: str) -> str | None:
    """Why path cannot be where a managed file goes, or None when it can."""
    if len(path.encode(errors="surrogatepass")) > MAX_PATH_BYTES:
        return f"value is longer than the {MAX_PATH_BYTES:,} bytes a path may hold"
    if "\x00" in path:
        return f"value {path!r} contains a NUL character"
    if not path.startswith("/"):
        return f"value {path!r} is not an absolute path (it must start with /)"
    if path == "/" or path.endswith("/"):
        return f"value {path!r} names a folder, not a file"
    if "//" in path:
        return f"value {path!r} has a doubled slash"
    segments = path.split("/")[1:]
    if ".." in segments or "." in segments:
        return f"value {path!r} has a '.' or '..' segment: write the path normalised"
    return None
