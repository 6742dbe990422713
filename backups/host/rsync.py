"""rsync over ssh, as backupsync runs it: the command, its exit statuses, its statistics."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

VANISHED = 24  # "some files vanished before they could be transferred": still a backup
SUCCESS = (0, VANISHED)
MESSAGE_LIMIT = 2000  # characters of rsync's error output kept for the report
_STATS = {
    "files": re.compile(rb"Number of files: ([0-9,]+)"),
    "bytes": re.compile(rb"Total file size: ([0-9,]+)"),
    "sent": re.compile(rb"Total transferred file size: ([0-9,]+)"),
}
# One line of --info=progress2, e.g.
#   "  1,234,567  45%   10.00MB/s    0:00:01 (xfr#12, to-chk=88/100)"
# (ir-chk while the incremental file list is still growing).
_PROGRESS = re.compile(
    rb"\s*([0-9,]+)\s+([0-9]+)%\s+(\S+)\s+([0-9]+:[0-9]{2}:[0-9]{2})"
    rb"(?: \(xfr#([0-9]+), (ir|to)-chk=([0-9]+)/([0-9]+)\))?"
)
_LINE_END = re.compile(rb"[\r\n]")


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
        """The progress line the run page shows."""
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


def ssh_command(ssh_config: Path | None) -> str:
    """rsync's -e: ssh that never asks (BatchMode) and checks the host key against
    known_hosts (StrictHostKeyChecking yes); ssh_config, when given, says how each host name
    is reached."""
    command = ["ssh", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes"]
    if ssh_config is not None:
        command += ["-F", str(ssh_config)]
    return shlex.join(command)


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
        tail = pending = b""
        assert process.stdout is not None
        for chunk in iter(lambda: process.stdout.read1(65536), b""):
            if stream:
                sys.stdout.buffer.write(chunk)
                sys.stdout.flush()
            tail = (tail + chunk)[-65536:]
            if progress is not None:
                *lines, pending = _LINE_END.split(pending + chunk)
                pending = pending[-4096:]  # a progress line is far shorter
                _last_progress(lines, progress)
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


def _last_progress(lines: list[bytes], progress: Callable[[Progress], None]) -> None:
    """Only the newest of the lines a chunk brought: the ones before it are already old."""
    for line in reversed(lines):
        found = parse_progress(line)
        if found is not None:
            progress(found)
            return
