"""The agent's settings: command-line options over LABNET_* environment variables."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from pathlib import Path

from .paths import AgentPaths

DEFAULT_ETC = "/usr/local/etc/labnet"
POLL_INTERVAL = 60.0  # the guide's lnsysconfigd poll, kept as a safety net behind the push
SANITY_INTERVAL = 24 * 3600.0
# The apps' host sides the agent loads (workers.host.registry), by module name: the agent
# imports no app itself.
PLUG_INS = ("nms.host", "imaging.host", "printing.host", "backups.host", "wimp.host")


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
        plug_ins=plug_ins(),
    )


def plug_ins() -> tuple[str, ...]:
    """LABNET_PLUG_INS (module names, comma-separated) or PLUG_INS."""
    given = os.environ.get("LABNET_PLUG_INS")
    return tuple(m.strip() for m in given.split(",") if m.strip()) if given else PLUG_INS


@dataclass(frozen=True)
class LocalHost:
    """A host program's view of its host: the name, and the paths under LABNET_ROOT; no
    server or token (it reads the XML mirror only)."""

    host: str
    paths: AgentPaths


def add_host_arguments(parser: argparse.ArgumentParser) -> None:
    """HOST, --root and --etc: what every host program takes (DESIGN.md contract 5)."""
    parser.add_argument("host", nargs="?", help="this host's entity name (LABNET_HOST)")
    parser.add_argument("--root", help="prefix of every path written (LABNET_ROOT, /)")
    parser.add_argument("--etc", help=f"the XML mirror (LABNET_ETC, {DEFAULT_ETC})")


def add_agent_arguments(parser: argparse.ArgumentParser) -> None:
    """add_host_arguments, and what a program that talks to the web server needs."""
    add_host_arguments(parser)
    parser.add_argument("--server", help="web server URL (LABNET_SERVER)")
    parser.add_argument("--token", help="this host's API token (LABNET_TOKEN)")
    parser.add_argument("--broker", help="broker URL (LABNET_BROKER_URL)")


def settings_from(args: argparse.Namespace) -> AgentSettings:
    """The agent's settings from add_agent_arguments' options over the environment."""
    names = ("host", "server", "token", "broker", "root", "etc", "poll_interval")
    return from_environment(**{n: getattr(args, n, None) for n in names})


def local_from(args: argparse.Namespace) -> LocalHost:
    """A host program's host and paths from add_host_arguments' options over the
    environment."""
    env = os.environ
    host = args.host or env.get("LABNET_HOST")
    if not host:
        raise SystemExit("labnet: give HOST or set LABNET_HOST")
    root = Path(args.root or env.get("LABNET_ROOT", "/")).resolve()
    etc = Path(args.etc or env.get("LABNET_ETC", DEFAULT_ETC)).resolve()
    return LocalHost(host, AgentPaths(root, etc))
