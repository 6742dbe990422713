"""The agent's settings: command-line options over LABNET_* environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .paths import AgentPaths

DEFAULT_ETC = "/usr/local/etc/labnet"
POLL_INTERVAL = 60.0  # the guide's lnsysconfigd poll, kept as a safety net behind the push
SANITY_INTERVAL = 24 * 3600.0
# The apps' host sides the agent loads (workers.host.registry), by module name: the agent
# imports no app itself.
PLUG_INS = ("nms.host",)


@dataclass(frozen=True)
class AgentSettings:
    host: str
    server: str
    token: str
    broker: str
    root: Path
    etc: Path
    poll_interval: float = POLL_INTERVAL
    sanity_interval: float = SANITY_INTERVAL
    plug_ins: tuple[str, ...] = PLUG_INS

    @property
    def paths(self) -> AgentPaths:
        return AgentPaths(self.root, self.etc)

    @property
    def queue(self) -> str:
        return f"host.{self.host}"


def from_environment(**given: object) -> AgentSettings:
    """Options given (not None) win over LABNET_HOST, LABNET_SERVER, LABNET_TOKEN,
    LABNET_BROKER_URL, LABNET_ROOT, LABNET_ETC and LABNET_POLL_INTERVAL."""
    env = os.environ

    def pick(name: str, variable: str, default: str | None = None) -> str:
        value = given.get(name)
        if value is None:
            value = env.get(variable, default)
        if value is None:
            raise SystemExit(f"labnet agent: give --{name} or set {variable}")
        return str(value)

    return AgentSettings(
        host=pick("host", "LABNET_HOST"),
        server=pick("server", "LABNET_SERVER"),
        token=pick("token", "LABNET_TOKEN"),
        broker=pick("broker", "LABNET_BROKER_URL", "redis://127.0.0.1:6379/0"),
        root=Path(pick("root", "LABNET_ROOT", "/")).resolve(),
        etc=Path(pick("etc", "LABNET_ETC", DEFAULT_ETC)).resolve(),
        poll_interval=float(pick("poll_interval", "LABNET_POLL_INTERVAL", str(POLL_INTERVAL))),
    )
