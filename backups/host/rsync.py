"""rsync over ssh, as backupsync runs it: the command, its exit statuses, its statistics."""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from workers.host.rsync_progress import Progress, ProgressReader

VANISHED = 24  # "some files vanished before they could be transferred": still a backup
SUCCESS = (0, VANISHED)
MESSAGE_LIMIT = 2000  # characters of rsync's error output kept for the report
_STATS = {
    "files": re.compile(rb"Number of files: ([0-9,]+)"),
    "bytes": re.compile(rb"Total file size: ([0-9,]+)"),
    "sent": re.compile(rb"Total transferred file size: ([0-9,]+)"),
}


@dataclass(frozen=True)
class Transfer:
    exit_code: int
    message: str
    files: int = 0
    bytes: int = 0
    sent: int = 0
    output: bytes = b""  # the end of what rsync printed

    @property
    def ok(self) -> bool:
        return self.exit_code in SUCCESS


def run_rsync(
    arguments: Sequence[str],
    stream: bool,
    progress: Callable[[Progress], None] | None = None,
) -> Transfer:
    """rsync with arguments; what it prints (its progress, its list of changes) goes on to
    our standard output when stream, its statistics are read from the end of it; progress,
    when given, gets each --info=progress2 line as rsync prints it."""
    command = ["rsync", *arguments, "--stats"]
    # rsync's errors go to a file: a pipe nobody reads while stdout streams could fill.
    with tempfile.TemporaryFile() as error_file:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=error_file)
        tail = b""
        reader = ProgressReader()
        assert process.stdout is not None
        for chunk in iter(lambda: process.stdout.read1(65536), b""):
            if stream:
                sys.stdout.buffer.write(chunk)
                sys.stdout.flush()
            tail = (tail + chunk)[-65536:]
            if progress is not None and (found := reader.feed(chunk)) is not None:
                progress(found)
        code = process.wait()
        error_file.seek(max(error_file.tell() - 4 * MESSAGE_LIMIT, 0))
        errors = error_file.read()
    stats = {
        name: int(found.group(1).replace(b",", b"")) if (found := pattern.search(tail)) else 0
        for name, pattern in _STATS.items()
    }
    message = errors.decode(errors="replace").strip()[-MESSAGE_LIMIT:]
    if code == VANISHED and not message:
        message = "some files vanished before they could be transferred"
    return Transfer(code, message, output=tail, **stats)
