"""The host's runlevels (guide 3.6): the shipped runlevels template renders one line
"<runlevel> <service>" per service the host's functions need; this makes
/etc/runlevels/<runlevel>/<service> the links to /etc/init.d/<service> that it lists, and
removes the links it no longer lists."""

from __future__ import annotations

import os
from pathlib import Path

from .install import install_symlink
from .paths import AgentPaths, under

RUNLEVELS_DIR = "/etc/runlevels"
INIT_DIR = "/etc/init.d"


def parse_manifest(text: str) -> dict[str, set[str]]:
    wanted: dict[str, set[str]] = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        fields = line.split()
        if len(fields) != 2 or any("/" in f or f.startswith(".") for f in fields):
            raise ValueError(f"runlevels line {number}: expected '<runlevel> <service>'")
        wanted.setdefault(fields[0], set()).add(fields[1])
    return wanted


def apply_runlevels(paths: AgentPaths, manifest: Path) -> str:
    """Returns what was added and removed, one line each."""
    wanted = parse_manifest(manifest.read_text())
    base = under(paths.root, RUNLEVELS_DIR)
    levels = set(wanted) | (
        {p.name for p in base.iterdir() if p.is_dir()} if base.is_dir() else set()
    )
    done = []
    for level in sorted(levels):
        directory = base / level
        directory.mkdir(parents=True, exist_ok=True)
        for service in sorted(wanted.get(level, ())):
            if install_symlink(directory / service, f"{INIT_DIR}/{service}"):
                done.append(f"added {level}/{service}")
        for link in sorted(directory.iterdir()):
            # Only links into the init directory are ours to remove.
            if (
                link.is_symlink()
                and link.name not in wanted.get(level, ())
                and os.readlink(link).startswith(INIT_DIR + "/")
            ):
                link.unlink()
                done.append(f"removed {level}/{link.name}")
    return "\n".join(done)
