"""How an app's host side plugs into the agent, so the agent imports no app.

The agent imports the packages its settings name (AgentSettings.plug_ins); each registers, on
import, where to find the function that builds its HostSide for one agent and the host programs
it adds to `python -m workers.host` (DESIGN.md contract 5), as "module:attribute" names. They
are imported only when used: a host program such as lnrsync starts without importing every
app's host side (its start is a large part of a short run). An app's host-side package imports
this agent core and nothing of another app's host side."""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .agent import Agent


@dataclass(frozen=True)
class Job:
    """Work on the agent's own clock: run does one pass and returns the seconds until the
    next. Jobs run from the agent's start, whether or not the broker answers."""

    name: str
    run: Callable[[], float]


@dataclass(frozen=True)
class HostSide:
    """What one app runs on a host: tasks consumed from the host's queue host.<name>, by
    task name (the app's central side sends them), and jobs on the agent's clock."""

    tasks: Mapping[str, Callable[[], object]] = field(default_factory=dict)
    jobs: Sequence[Job] = ()


@dataclass(frozen=True)
class Command:
    """A host program, `python -m workers.host NAME ...`: add_arguments declares its
    arguments on its own parser, run does the work and returns the exit status."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


HostSideFactory = Callable[["Agent"], HostSide]
_registered: dict[str, str] = {}
_programs: dict[str, dict[str, str]] = {}


def register(
    module: str, host_side: str | None = None, programs: Mapping[str, str] | None = None
) -> None:
    """Called by a plug-in package, with its own __name__, when it is imported. host_side
    names its HostSideFactory, programs each host program's Command (or a list of Commands
    holding it) by program name, all as "module:attribute"."""
    if host_side is not None:
        _registered[module] = host_side
    _programs[module] = dict(programs or {})


def _load(module: str) -> None:
    importlib.import_module(module)
    if module not in _programs:
        raise ImportError(f"{module} registers nothing with the agent")


def _attribute(target: str) -> object:
    module, _, attribute = target.partition(":")
    if not attribute:
        raise ImportError(f"{target!r} is not a 'module:attribute' name")
    return getattr(importlib.import_module(module), attribute)


def host_sides(modules: Iterable[str], agent: Agent) -> list[HostSide]:
    """Import each plug-in and build its host side for agent, in the order given."""
    sides = []
    for module in modules:
        _load(module)
        if module in _registered:
            factory: HostSideFactory = _attribute(_registered[module])  # type: ignore[assignment]
            sides.append(factory(agent))
    return sides


def programs(modules: Iterable[str]) -> dict[str, str]:
    """Where each host program of the plug-ins is, by name, with none of them imported; a
    name taken twice is refused."""
    found: dict[str, str] = {}
    for module in modules:
        _load(module)
        for name, target in _programs[module].items():
            if name in found:
                raise ImportError(f"{module} registers host program {name!r} a second time")
            found[name] = target
    return found


def command(name: str, target: str) -> Command:
    """Import the host program name from target (programs' value for it)."""
    found = _attribute(target)
    for candidate in found if isinstance(found, (list, tuple)) else [found]:
        if isinstance(candidate, Command) and candidate.name == name:
            return candidate
    raise ImportError(f"{target} holds no host program {name!r}")
