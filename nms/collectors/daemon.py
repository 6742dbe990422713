"""Whether each daemon the host's configuration says it runs is running: the services of
its server functions, or of a client's run level (the `daemon` variable of each service)."""

from __future__ import annotations

from pathlib import Path

from . import HostConfig, Reading, System

RUNNING, STOPPED = "running", "stopped"


def process_names(proc: Path) -> set[str]:
    """Each process's command name and the file name of its program (a daemon run by an
    interpreter shows as python3 in comm but by name in argv[0] or argv[1])."""
    names = set()
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            names.add((entry / "comm").read_text().strip())
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:  # the process ended while we looked
            continue
        for arg in argv[:2]:
            if arg:
                names.add(Path(arg.decode(errors="replace").split()[0]).name)
    return names


def compare(host: HostConfig, running: set[str]) -> list[Reading]:
    return [
        Reading(daemon, RUNNING if daemon in running else STOPPED)
        for daemon in sorted(set(host.daemons))
    ]


def collect(host: HostConfig, system: System) -> list[Reading]:
    if not host.daemons:
        return []
    return compare(host, process_names(system.path("/proc")))
