"""The mangled directory name of a backup (guide 4.5): one directory under bk_basedir per
source server and directory, named so that the name alone gives both back.

`/users/labnet2/fs1` on `carme` is `carme_users_labnet2_fs1`: the server, then each path
segment, each preceded by `_`. A `_` or `%` inside the server or a segment is written `%5F`
or `%25`, so `_` only ever separates and the name reads back without a table. The root
directory `/` of carme is `carme_`. docs/backups.md describes it."""

from __future__ import annotations

SEPARATOR = "_"
_ESCAPES = {"%": "%25", "_": "%5F"}
_NOT_A_NAME = ("", ".", "..")


class NotMangled(ValueError):
    """A name that is not a mangled backup directory name."""


def _escape(text: str) -> str:
    return "".join(_ESCAPES.get(c, c) for c in text)


def _unescape(text: str, name: str) -> str:
    out, i = [], 0
    while i < len(text):
        if text[i] == "%":
            code = text[i : i + 3]
            if code not in _ESCAPES.values():
                raise NotMangled(f"{name!r} has a '%' that is not %25 or %5F")
            out.append("%" if code == "%25" else "_")
            i += 3
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def directory_segments(directory: str) -> list[str]:
    """The segments of an absolute, normalised directory; anything else is refused."""
    if not directory.startswith("/"):
        raise ValueError(f"backup directory {directory!r} is not an absolute path")
    segments = [s for s in directory.split("/") if s]
    if any(s in _NOT_A_NAME for s in segments) or "//" in directory.rstrip("/"):
        raise ValueError(f"backup directory {directory!r} is not a normalised path")
    if "\0" in directory or "\n" in directory:
        raise ValueError(f"backup directory {directory!r} holds a NUL or a newline")
    return segments


def mangle(server: str, directory: str) -> str:
    """The name under bk_basedir of server's backups of directory."""
    if server in _NOT_A_NAME or "/" in server or "\0" in server or "\n" in server:
        raise ValueError(f"server name {server!r} cannot name a backup directory")
    segments = directory_segments(directory)
    return _escape(server) + SEPARATOR + SEPARATOR.join(_escape(s) for s in segments)


def unmangle(name: str) -> tuple[str, str]:
    """(server, directory) of a mangled name; NotMangled for any other name."""
    server, separator, rest = name.partition(SEPARATOR)
    if not separator or not server or "/" in name:
        raise NotMangled(f"{name!r} is not a mangled backup directory name")
    segments = [_unescape(s, name) for s in rest.split(SEPARATOR)] if rest else []
    if any(s in _NOT_A_NAME for s in segments):
        raise NotMangled(f"{name!r} has an empty, '.' or '..' segment")
    return _unescape(server, name), "/" + "/".join(segments)
