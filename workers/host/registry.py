"""How an app's host side plugs into the agent, so the agent imports no app.

The agent imports the modules its settings name (AgentSettings.plug_ins); each registers, on
import, a function that builds its HostSide for one agent, and the host programs it adds to
`python -m workers.host` (DESIGN.md contract 5). An app's host-side package imports this
agent core and nothing of another app's host side."""

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
_registered: dict[str, HostSideFactory] = {}
_commands: dict[str, dict[str, Command]] = {}


def register(
    module: str, host_side: HostSideFactory | None = None, commands: Sequence[Command] = ()
) -> None:
    """Called by a plug-in module, with its own __name__, when it is imported."""
    if host_side is not None:
        _registered[module] = host_side
    _commands[module] = {c.name: c for c in commands}


def _load(module: str) -> None:
    importlib.import_module(module)
    if module not in _commands:
        raise ImportError(f"{module} registers nothing with the agent")


def host_sides(modules: Iterable[str], agent: Agent) -> list[HostSide]:
    """Import each plug-in module and build its host side for agent, in the order given."""
    sides = []
    for module in modules:
        _load(module)
        if module in _registered:
            sides.append(_registered[module](agent))
    return sides


def commands(modules: Iterable[str]) -> dict[str, Command]:
    """The host programs of the plug-in modules, by name; a name taken twice is refused."""
    found: dict[str, Command] = {}
    for module in modules:
        _load(module)
        for name, command in _commands[module].items():
            if name in found:
                raise ImportError(f"{module} registers host program {name!r} a second time")
            found[name] = command
    return found
