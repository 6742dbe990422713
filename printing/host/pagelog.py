"""CUPS's own count of each job after it printed, from the scheduler's page_log, reported to
the web server so a charge follows what was really printed (docs/printing.md).

cupsd writes one line per page and, when a job ends, a `total` line:
`printer user job-id [date] total impressions ...` (the default PageLogFormat). The reader
keeps how far it read (and the file's inode, so a rotated log is read from its start) in the
agent's state; only totals of Labnet's own queues are reported."""

from __future__ import annotations

import json
import os
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from core.files import write_atomic

MAX_READ = 16 * 1024 * 1024  # one pass reads at most this much of the log; the rest next time
MAX_LINE = 4096


@dataclass(frozen=True)
class JobTotal:
    printer: str
    job_id: int
    impressions: int


def parse_total(line: str) -> JobTotal | None:
    """The job's total from a page_log line, None for any other line."""
    fields = line.split()
    # printer user job-id [dd/Mon/yyyy:hh:mm:ss +zzzz] total N ...
    if len(fields) < 7 or fields[5] != "total":
        return None
    if not (fields[2].isdigit() and fields[6].isdigit()):
        return None
    # 0: CUPS counted nothing (a raw queue passes the job unread); the backend's count stands.
    if int(fields[6]) == 0:
        return None
    return JobTotal(fields[0], int(fields[2]), int(fields[6]))


class PageLog:
    """The page_log at path, read on from where the last pass stopped (state_file)."""

    def __init__(self, path: Path, state_file: Path):
        self.path, self.state_file = path, state_file

    def new_totals(self, queues: Collection[str]) -> list[JobTotal]:
        """The totals written since the last call, for these queues; remembers the place."""
        try:
            handle = self.path.open("rb")
        except FileNotFoundError:
            return []
        with handle:
            inode = os.fstat(handle.fileno()).st_ino
            place = self._place()
            offset = place["offset"] if place.get("inode") == inode else 0
            if offset > os.fstat(handle.fileno()).st_size:
                offset = 0  # truncated in place
            handle.seek(offset)
            data = handle.read(MAX_READ)
        complete = data[: data.rfind(b"\n") + 1]  # a line still being written waits
        totals = [
            total
            for line in complete.decode("utf-8", "replace").splitlines()
            if len(line) <= MAX_LINE and (total := parse_total(line)) and total.printer in queues
        ]
        write_atomic(
            self.state_file, json.dumps({"inode": inode, "offset": offset + len(complete)}).encode()
        )
        return totals

    def _place(self) -> dict[str, int]:
        try:
            return json.loads(self.state_file.read_text())
        except (FileNotFoundError, ValueError):
            return {}
