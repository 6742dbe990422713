"""The agent keeps an appserver's boot services running: lntftpd and menuserver are its
children (`python -m workers.host tftpd|menuserver`), started when the host's `functions`
include appserver, restarted when they die (waiting 1 s, 2 s, ... up to a minute between
starts while they keep dying), restarted when their listen address changes in the
configuration and stopped when the host is no appserver any more. The agent reports them, and
the requests they saw lately per client, to the web tool's boot pages through the host's
token (POST imaging/boot/<host>/). docs/boot-services.md lists the variables. No Django."""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.files import write_atomic
from core.hosts import SERVER
from filemgr.templating import ConfigSource, MirrorSource
from workers.host.client import ApiClient, ApiError, ApiUnavailable
from workers.host.registry import HostSide, Job

from .bootrequests import read_requests

if TYPE_CHECKING:
    from workers.host.agent import Agent

log = logging.getLogger("labnet.boot")
APPSERVER = "appserver"
# daemon (the service's `daemon`, the process's name) -> (host program, lnappconf entity
# whose `port` it listens on, the port without one)
DAEMONS = {"lntftpd": ("tftpd", "lntftpd", 69), "menuserver": ("menuserver", "menuserver", 8080)}
CHECK_SECONDS = 2.0
REPORT_SECONDS = 60.0
FIRST_WAIT, LONGEST_WAIT = 1.0, 60.0
STEADY_SECONDS = 60.0  # a child that ran this long waits FIRST_WAIT again when it dies
STOP_SECONDS = 5.0
MAX_LOG = 1 << 20
MAX_PROBLEM = 200
MAX_REQUESTS = 2000  # per report; the web server keeps the newest few per client anyway
RUNNING, STOPPED = "running", "stopped"
PR_SET_PDEATHSIG = 1


@dataclass
class Child:
    """One boot daemon as the agent runs it."""

    daemon: str
    argv: list[str] = field(default_factory=list)
    listen: str = ""
    process: subprocess.Popen | None = None
    started: float | None = None  # wall clock
    started_at: float = 0.0  # monotonic
    restarts: int = 0
    exit_status: int | None = None
    problem: str = ""
    next_start: float = 0.0
    wait: float = FIRST_WAIT

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def as_json(self) -> dict[str, Any]:
        running = self.running()
        return {
            "daemon": self.daemon,
            "state": RUNNING if running else STOPPED,
            "pid": self.process.pid if running else None,
            "listen": self.listen,
            "since": _iso(self.started) if running else None,
            "restarts": self.restarts,
            "exit_status": self.exit_status,
            "problem": self.problem,
        }


def _iso(seconds: float | None) -> str | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC).isoformat()


def _first(values: dict[str, list[str]], name: str) -> str:
    return ((values.get(name) or [""])[0]).strip()


def listen_addresses(source: ConfigSource, host: str) -> dict[str, str]:
    """ADDR:PORT of each boot daemon host runs: its `ip` (what DHCP gives clients as
    next-server), at lnappconf/<daemon> `port`; {} when host is no appserver."""
    own = source.entity_values(SERVER, host) or {}
    if APPSERVER not in {f.strip() for f in own.get("functions", [])}:
        return {}
    address = _first(own, "ip") or "0.0.0.0"
    if ":" in address:
        address = f"[{address}]"
    found = {}
    for daemon, (_, conf, default) in DAEMONS.items():
        port = _first(source.entity_values("lnappconf", conf) or {}, "port")
        found[daemon] = f"{address}:{port if port.isdigit() else default}"
    return found


def _die_with_parent() -> None:
    # In the child before exec: the agent's end (however it ends) ends its daemons.
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


class BootDaemons:
    """One appserver's boot daemons; run() is the agent's job."""

    def __init__(self, host: str, etc: Path, root: Path, state: Path, client: ApiClient):
        self.host, self.etc, self.root, self.client = host, etc, root, client
        self.dir = state / "boot"
        self.children: dict[str, Child] = {}
        self.last_report = "[]"  # a host that runs no boot daemon reports nothing
        self.reported_at = 0.0

    def requests_file(self, daemon: str) -> Path:
        return self.dir / f"{daemon}-requests.json"

    def log_file(self, daemon: str) -> Path:
        return self.dir / f"{daemon}.log"

    def run(self) -> float:
        """Check the children, start or stop what the configuration asks, report; the
        seconds until the next check."""
        try:
            wanted = listen_addresses(MirrorSource(self.etc), self.host)
        except Exception:  # a half-written mirror must not stop the running daemons
            log.exception("boot daemons: the mirror could not be read")
            wanted = {d: c.listen for d, c in self.children.items()}
        self.check(wanted)
        self.report()
        return CHECK_SECONDS

    def check(self, wanted: dict[str, str]) -> None:
        for daemon in [d for d in self.children if d not in wanted]:
            self._stop(self.children.pop(daemon))
            log.info("%s stopped: %s is no appserver", daemon, self.host)
        for daemon, listen in wanted.items():
            child = self.children.setdefault(daemon, Child(daemon))
            if child.listen != listen and child.running():
                log.info("%s restarts to listen on %s", daemon, listen)
                self._stop(child)
                child.next_start = 0.0
            child.listen, child.argv = listen, self._argv(daemon, listen)
            if child.process is not None and child.process.poll() is not None:
                self._ended(child)
            if child.process is None and time.monotonic() >= child.next_start:
                self._start(child)

    def _argv(self, daemon: str, listen: str) -> list[str]:
        program = DAEMONS[daemon][0]
        return [
            sys.executable,
            "-m",
            "workers.host",
            program,
            self.host,
            "--listen",
            listen,
            "--etc",
            str(self.etc),
            "--root",
            str(self.root),
            "--requests",
            str(self.requests_file(daemon)),
        ]

    def _start(self, child: Child) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_file(child.daemon)
        if log_path.exists() and log_path.stat().st_size > MAX_LOG:
            log_path.replace(log_path.with_suffix(".log.1"))
        env = dict(os.environ)
        project = str(Path(__file__).resolve().parents[2])  # workers.host from any folder
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [project, env.get("PYTHONPATH")]))
        with open(log_path, "ab") as output:
            try:
                child.process = subprocess.Popen(
                    child.argv,
                    stdin=subprocess.DEVNULL,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                    env=env,
                    cwd=self.dir,
                    preexec_fn=_die_with_parent,  # noqa: PLW1509 (prctl only, no lock taken)
                )
            except OSError as exc:
                child.problem = f"not started: {exc.strerror}"[:MAX_PROBLEM]
                child.next_start = time.monotonic() + child.wait
                child.wait = min(child.wait * 2, LONGEST_WAIT)
                log.error("%s not started: %s", child.daemon, exc)
                return
        child.started, child.started_at = time.time(), time.monotonic()
        log.info("%s started on %s (pid %d)", child.daemon, child.listen, child.process.pid)

    def _ended(self, child: Child) -> None:
        """Record a child that exited, and when it may start again."""
        assert child.process is not None
        child.exit_status = child.process.returncode
        child.problem = self._last_line(child.daemon)
        child.process = None
        child.restarts += 1
        if time.monotonic() - child.started_at > STEADY_SECONDS:
            child.wait = FIRST_WAIT
        child.next_start = time.monotonic() + child.wait
        child.wait = min(child.wait * 2, LONGEST_WAIT)
        log.error(
            "%s exited with status %s: %s; restarting",
            child.daemon,
            child.exit_status,
            child.problem,
        )

    def _last_line(self, daemon: str) -> str:
        try:
            with open(self.log_file(daemon), "rb") as output:
                output.seek(max(output.seek(0, os.SEEK_END) - 4096, 0))
                lines = output.read().decode(errors="replace").splitlines()
        except OSError:
            return ""
        return next((line.strip() for line in reversed(lines) if line.strip()), "")[:MAX_PROBLEM]

    def _stop(self, child: Child) -> None:
        if child.process is None:
            return
        child.process.terminate()
        try:
            child.process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            child.process.kill()
            child.process.wait()
        child.process = None

    def stop(self) -> None:
        """Stop every child (the agent's end does so too, by the kernel's parent-death
        signal)."""
        for child in self.children.values():
            self._stop(child)

    def status(self) -> list[dict[str, Any]]:
        return [self.children[d].as_json() for d in sorted(self.children)]

    def report(self, force: bool = False) -> bool:
        """Post the daemons and the requests not yet sent when either changed, or every
        REPORT_SECONDS; False when the web server did not take it (sent again next time)."""
        daemons = self.status()
        sent = self._sent()
        new = [
            (row["time"], daemon, row)
            for daemon in DAEMONS
            for row in read_requests(self.requests_file(daemon))
            if isinstance(row.get("time"), float) and row["time"] > sent.get(daemon, 0)
        ]
        requests = sorted(new, key=lambda found: found[0])[-MAX_REQUESTS:]
        state = json.dumps(daemons, sort_keys=True)
        due = time.monotonic() - self.reported_at > REPORT_SECONDS
        if not (force or requests or state != self.last_report or (daemons and due)):
            return True
        body = {
            "daemons": daemons,
            "requests": [
                {**{k: v for k, v in row.items() if k != "time"}, "seen": _iso(seen)}
                for seen, _, row in requests
            ],
        }
        try:
            self.client.post(f"imaging/boot/{self.host}/", body)
        except (ApiError, ApiUnavailable) as exc:
            log.warning("boot daemons not reported: %s", exc)
            return False
        self.last_report, self.reported_at = state, time.monotonic()
        for seen, daemon, _ in requests:
            sent[daemon] = max(sent.get(daemon, 0), seen)
        self.dir.mkdir(parents=True, exist_ok=True)
        write_atomic(self.dir / "sent.json", json.dumps(sent).encode(), sync=False)
        return True

    def _sent(self) -> dict[str, float]:
        """Per daemon, the time of the newest request already reported."""
        try:
            return json.loads((self.dir / "sent.json").read_text())
        except (FileNotFoundError, ValueError):
            return {}


def host_side(agent: Agent) -> HostSide:
    """The boot daemons' job, on every host: a host becomes an appserver by its configuration."""
    settings = agent.settings
    daemons = BootDaemons(
        settings.host, settings.etc, settings.root, agent.paths.state, agent.client
    )
    return HostSide(jobs=[Job("boot-daemons", daemons.run)])
