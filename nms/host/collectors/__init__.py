"""The host-side collectors, one module per NMS category (the module's name is the category,
the `nms` entity of that name holds its levels). They import nothing of Django: the agent runs
them with plain data from its XML mirror and the machine's /proc, /sys and commands.

A collector module defines `collect(host: HostConfig, system: System) -> list[Reading]`;
modules whose names start with "_" are shared helpers, not categories."""

from __future__ import annotations

import importlib
import logging
import os
import pkgutil
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger("labnet.nms")
ERROR = "error"


@dataclass(frozen=True)
class Reading:
    """One reading of a category: item names what was measured (a file system, an array, a
    daemon, a port; "" when the category has one reading), value is compared with the
    levels, detail is what a person reads beside it."""

    item: str
    value: str
    detail: str = ""

    def as_json(self) -> dict[str, str]:
        return {"item": self.item, "value": self.value, "detail": self.detail}


@dataclass(frozen=True)
class FstabRow:
    """A row of the host's fstab table in the configuration."""

    dev: str
    mntpt: str
    type: str = ""
    opts: str = ""
    passno: str = ""
    uuid: str = ""


@dataclass(frozen=True)
class ImageCopy:
    """A row of the host's Rsync table: a directory copied here from rs_host:rs_src by the
    nightly replication, and when it last was (rs_date, the web server's local time)."""

    dst: str
    source: str = ""
    sync: bool = True
    date: str = ""


@dataclass(frozen=True)
class HostConfig:
    """What the configuration says about the host that the collectors compare against."""

    name: str
    fstab: Sequence[FstabRow] = ()
    daemons: Sequence[str] = ()
    images: Sequence[ImageCopy] = ()


Runner = Callable[[Sequence[str]], str]


def run_command(argv: Sequence[str]) -> str:
    """stdout of a command (in the C locale, which the parsers read); a failure raises with
    the command's own message."""
    env = {**os.environ, "LC_ALL": "C"}
    done = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False, env=env)
    if done.returncode != 0:
        message = (done.stderr or done.stdout).strip().splitlines()
        raise OSError(message[0] if message else f"{argv[0]} exited {done.returncode}")
    return done.stdout


@dataclass
class System:
    """The machine as the collectors see it; tests point root at a folder of samples.

    state is kept between collections by the agent (network byte counters)."""

    root: Path = Path("/")
    run: Runner = run_command
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    cpu_count: int | None = None
    state: dict[str, Any] = field(default_factory=dict)

    def path(self, absolute: str) -> Path:
        return self.root / absolute.lstrip("/")

    def read(self, absolute: str) -> str:
        return self.path(absolute).read_text()


def categories() -> list[str]:
    """Every collector module in this package, sorted."""
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))


def collect_all(host: HostConfig, system: System) -> dict[str, list[dict[str, str]]]:
    """Every category's readings as the report carries them. A collector that fails reports
    one "error" reading, so the failure shows on the host's page instead of stale values."""
    report: dict[str, list[dict[str, str]]] = {}
    for category in categories():
        module = importlib.import_module(f"{__name__}.{category}")
        try:
            readings = module.collect(host, system)
        except Exception as exc:  # one broken collector must not cost the others' report
            log.exception("nms collector %s failed", category)
            readings = [Reading("", ERROR, f"{type(exc).__name__}: {exc}")]
        report[category] = [r.as_json() for r in readings]
    return report
