"""The CUPS scheduler as the agent drives it: lpstat to list queues, lpadmin to define and
remove them. server is what -h takes (host:port); None is the local scheduler."""

from __future__ import annotations

import re
import subprocess

from .queues import PrinterQueue, without_credentials

DEVICE_LINE = re.compile(r"^device for (?P<name>[^:\s]+): (?P<uri>.*)$")
TIMEOUT = 60


class CupsError(RuntimeError):
    """A CUPS program failed: its message."""


class Cups:
    def __init__(self, server: str | None = None):
        self.server = server

    def _run(self, program: str, *args: str) -> str:
        command = [program, *(["-h", self.server] if self.server else []), *args]
        # A device URI may carry a password (smb://user:password@server/queue): a timeout's
        # message holds the command line, lpadmin's errors may quote the URI. Credentials
        # go before the message is cut, which could leave a password without its scheme.
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise CupsError(without_credentials(f"{program}: {exc}")) from None
        if done.returncode != 0:
            # lpadmin warns on every driver and raw queue that they are deprecated: noise.
            lines = [ln for ln in done.stderr.splitlines() if "deprecated" not in ln]
            message = without_credentials("\n".join(lines))[-500:]
            raise CupsError(message or f"{program} exited {done.returncode}")
        return done.stdout

    def queues(self) -> dict[str, str]:
        """Every queue of the scheduler and its device URI."""
        try:
            out = self._run("lpstat", "-v")
        except CupsError as exc:
            if "No destinations added" in str(exc):
                return {}
            raise
        found = {}
        for line in out.splitlines():
            if match := DEVICE_LINE.match(line):
                found[match["name"]] = match["uri"]
        return found

    def define(self, queue: PrinterQueue) -> None:
        """Create the queue or bring it to this definition, enabled and accepting jobs."""
        self._run("lpadmin", *queue.lpadmin_arguments())

    def remove(self, name: str) -> None:
        self._run("lpadmin", "-x", name)

    def release(self, queue: str, job_id: int) -> None:
        """Resume a held job (job-hold-until=indefinite) of the queue."""
        self._run("lp", "-i", f"{queue}-{job_id}", "-H", "resume")
