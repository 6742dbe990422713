"""The agent's part of printing on a print server: keep one CUPS queue per printer entity the
server serves (created, brought up to date and removed with lpadmin as the entities change),
and install the accounting backend those queues print through. It runs on the agent's clock
and when the task printing.queues arrives; a host that serves no printer and never did runs
no CUPS program at all.

LABNET_CUPS_SERVER (host:port for -h; the local scheduler when unset) and
LABNET_CUPS_SERVERBIN (the scheduler's ServerBin, /usr/lib/cups under LABNET_ROOT when unset)
say which cupsd the agent drives."""

from __future__ import annotations

import json
import logging
import os
import shlex
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.files import write_atomic
from filemgr.templating import ConfigSource, MirrorSource
from workers.host.client import ApiClient
from workers.host.outbox import deliver
from workers.host.paths import under
from workers.host.registry import HostSide, Job

from .cups import Cups, CupsError
from .pagelog import PageLog
from .queues import ACCOUNTING_SCHEME, PRINTER_TYPE, PrinterQueue, printer_queues

if TYPE_CHECKING:
    from workers.host.agent import Agent

log = logging.getLogger("labnet.printing")
QUEUES_TASK = "printing.queues"
RELEASE_TASK = "printing.release"  # a job its user released on the web page
SYNC_INTERVAL = 60.0
KEPT_COUNTS = 10_000  # counts waiting for the web server while it is away
PROJECT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class BackendSettings:
    """What the accounting backend needs to reach the web server as this host: kept in a
    file only root reads (the backend runs as root: it is installed mode 0700)."""

    host: str
    server: str
    token: str
    outbox: str

    def write(self, path: Path, ink_coverage: Sequence[str] = ()) -> None:
        """ink_coverage: the queues whose jobs the backend measures the ink of (their
        printer has cost_per_square_metre_ink)."""
        settings = {**self.__dict__, "ink_coverage": sorted(ink_coverage)}
        write_atomic(path, json.dumps(settings).encode())
        path.chmod(0o600)


def install_backend(server_bin: Path, settings_file: Path) -> Path:
    """<ServerBin>/backend/labnet: a script running printing.host.backend with this
    project's Python."""
    path = server_bin / "backend" / ACCOUNTING_SCHEME
    script = (
        "#!/bin/sh\n"
        "# Labnet's accounting backend, installed by the Labnet agent (printing.host).\n"
        f"PYTHONPATH={shlex.quote(str(PROJECT))} exec {shlex.quote(sys.executable)} "
        f'-m printing.host.backend {shlex.quote(str(settings_file))} "$@"\n'
    )
    if not path.exists() or path.read_text() != script:
        write_atomic(path, script.encode())
    path.chmod(0o700)  # CUPS runs a backend as root only when no one else may run it
    return path


class PrintServer:
    """The queues of one print server, one pass at a time. The names of the queues it made
    are kept in its state, so it removes only those, never a queue made by hand."""

    def __init__(
        self,
        host: str,
        source: ConfigSource,
        state_dir: Path,
        cups: Cups,
        server_bin: Path,
        backend: BackendSettings | None = None,
    ):
        self.host, self.source, self.cups, self.server_bin = host, source, cups, server_bin
        self.state_file = state_dir / "printing-queues.json"
        self.backend_file = state_dir / "printing-backend.json"
        self.backend = backend
        self.lock = threading.Lock()

    def sync(self) -> dict[str, Any]:
        """One pass: what was created, updated and removed, and an error per queue that
        failed (the others go on)."""
        with self.lock:
            queues, problems = printer_queues(self.source, self.host)
            errors = list(problems.values())
            kept = self._load_state()
            result: dict[str, Any] = {"created": [], "updated": [], "removed": [], "errors": errors}
            if not queues and not kept:
                return result
            if queues and self.backend is not None:
                self.backend.write(self.backend_file, self._ink_coverage(queues))
            if queues:
                install_backend(self.server_bin, self.backend_file)
            existing = self.cups.queues()
            # A printer whose entity is wrong for now keeps its queue as it was.
            wanted = {q.name for q in queues} | set(problems)
            for queue in queues:
                spec = queue.as_dict()
                if queue.name in existing and kept.get(queue.name) == spec:
                    continue
                try:
                    self.cups.define(queue)
                except CupsError as exc:
                    errors.append(f"printer {queue.name}: lpadmin: {exc}")
                    kept.pop(queue.name, None)
                    continue
                result["updated" if queue.name in existing else "created"].append(queue.name)
                kept[queue.name] = spec
            for name in sorted(set(kept) - wanted):
                try:
                    if name in existing:
                        self.cups.remove(name)
                except CupsError as exc:
                    errors.append(f"printer {name}: lpadmin -x: {exc}")
                    continue
                result["removed"].append(name)
                del kept[name]
            write_atomic(self.state_file, json.dumps(kept, sort_keys=True).encode())
            for error in errors:
                log.error("%s", error)
            return result

    def report_counts(self, page_log: PageLog, client: ApiClient, outbox: Path) -> int:
        """Send CUPS's count of each job of Labnet's queues that ended since the last pass
        (through the outbox: none is lost while the web server is away); how many."""
        with self.lock:
            totals = page_log.new_totals(set(self._load_state()))
        for total in totals:
            report = {"printer": total.printer, "job_id": total.job_id}
            report["impressions"] = total.impressions
            endpoint = f"printing/hosts/{self.host}/jobs/counted/"
            deliver(client, outbox, endpoint, report, KEPT_COUNTS)
        return len(totals)

    def release(self, printer: str, job_id: int) -> None:
        """Resume a job the backend held (over its printer's page_limit) once its user
        released it on the web page: only a job of a queue this pass made."""
        if printer not in self._load_state():
            raise CupsError(f"{printer} is not a Labnet queue of {self.host}")
        self.cups.release(printer, int(job_id))

    def _ink_coverage(self, queues: list[PrinterQueue]) -> list[str]:
        coverage = []
        for queue in queues:
            values = self.source.entity_values(PRINTER_TYPE, queue.name) or {}
            if (values.get("cost_per_square_metre_ink") or [""])[0].strip():
                coverage.append(queue.name)
        return coverage

    def _load_state(self) -> dict[str, Any]:
        try:
            return json.loads(self.state_file.read_text())
        except (FileNotFoundError, ValueError):
            return {}


def print_server(agent: Agent) -> PrintServer:
    settings = agent.settings
    server_bin = os.environ.get("LABNET_CUPS_SERVERBIN")
    backend = BackendSettings(
        settings.host, settings.server, settings.token, str(agent.paths.state / "printing-jobs")
    )
    return PrintServer(
        settings.host,
        MirrorSource(settings.etc),
        agent.paths.state,
        Cups(os.environ.get("LABNET_CUPS_SERVER") or None),
        Path(server_bin) if server_bin else under(settings.root, "/usr/lib/cups"),
        backend,
    )


def page_log(agent: Agent) -> PageLog:
    """The scheduler's page_log (LABNET_CUPS_PAGE_LOG, else /var/log/cups/page_log under
    LABNET_ROOT) and where the agent keeps its place in it."""
    path = os.environ.get("LABNET_CUPS_PAGE_LOG")
    log_file = Path(path) if path else under(agent.settings.root, "/var/log/cups/page_log")
    return PageLog(log_file, agent.paths.state / "printing-pagelog.json")


def scheduled(agent: Agent) -> float:
    if agent.mirror.last_seq() is not None:
        try:
            server = print_server(agent)
            server.sync()
            server.report_counts(
                page_log(agent), agent.client, agent.paths.state / "printing-counts"
            )
        except Exception:  # the schedule must outlive any one failed pass
            log.exception("printing queues pass failed")
    return SYNC_INTERVAL


def host_side(agent: Agent) -> HostSide:
    """Printing on a host: the queue pass on the agent's clock and on demand, and the
    release of a held job."""
    return HostSide(
        tasks={
            QUEUES_TASK: lambda: print_server(agent).sync(),
            RELEASE_TASK: lambda printer, job_id: print_server(agent).release(printer, job_id),
        },
        jobs=[Job("printing-queues", lambda: scheduled(agent))],
    )
