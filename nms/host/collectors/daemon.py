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
            comm = (entry / "comm").read_bytes()
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:  # the process ended while we looked
            continue
        # Process names are bytes: any of them may be invalid UTF-8 or blank.
        names.add(comm.decode(errors="replace").strip())
        for arg in argv[:2]:
            words = arg.decode(errors="replace").split()
            if words:
                names.add(Path(words[0]).name)
    names.discard("")
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
