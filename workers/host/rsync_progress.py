"""rsync's --info=progress2 lines, read as rsync prints them: how far one transfer is, for the
run pages of the host programs that copy with rsync (backupsync, lnrsync)."""

from __future__ import annotations

import re
from dataclasses import dataclass

# One line of --info=progress2, e.g.
#   "  1,234,567  45%   10.00MB/s    0:00:01 (xfr#12, to-chk=88/100)"
# (ir-chk while the incremental file list is still growing).
_PROGRESS = re.compile(
    rb"\s*([0-9,]+)\s+([0-9]+)%\s+(\S+)\s+([0-9]+:[0-9]{2}:[0-9]{2})"
    rb"(?: \(xfr#([0-9]+), (ir|to)-chk=([0-9]+)/([0-9]+)\))?"
)
_LINE_END = re.compile(rb"[\r\n]")
_LONGEST_LINE = 4096  # a progress line is far shorter


@dataclass(frozen=True)
class Progress:
    """Where a running rsync stands, from its last --info=progress2 line."""

    bytes: int
    percent: int
    rate: str
    elapsed: str
    files: int = 0  # files copied so far
    checked: int = 0  # files of the list checked so far
    listed: int = 0  # files listed so far (the whole list once it is final)
    final_list: bool = False

    @property
    def line(self) -> str:
        """The progress line a run page shows."""
        text = f"{self.bytes:,} bytes, {self.files:,} files copied"
        if self.listed:
            more = "" if self.final_list else "+"  # the file list is still growing
            text += f", {self.checked:,} of {self.listed:,}{more} checked"
        return f"{text} ({self.percent} %, {self.rate}, {self.elapsed})"


def parse_progress(line: bytes) -> Progress | None:
    """The Progress of one --info=progress2 line, None for any other line."""
    found = _PROGRESS.fullmatch(line.rstrip())
    if found is None:
        return None
    size, percent, rate, elapsed, files, kind, left, listed = found.groups()
    counts = {}
    if files is not None:
        counts = {
            "files": int(files),
            "checked": int(listed) - int(left),
            "listed": int(listed),
            "final_list": kind == b"to",
        }
    return Progress(
        int(size.replace(b",", b"")), int(percent), rate.decode(), elapsed.decode(), **counts
    )


class ProgressReader:
    """Fed rsync's output chunk by chunk (lines end in \\r while a transfer runs), gives the
    newest progress line each chunk completed: the ones before it are already old."""

    def __init__(self) -> None:
        self.pending = b""

    def feed(self, chunk: bytes) -> Progress | None:
        *lines, pending = _LINE_END.split(self.pending + chunk)
        self.pending = pending[-_LONGEST_LINE:]
        for line in reversed(lines):
            found = parse_progress(line)
            if found is not None:
                return found
        return None
