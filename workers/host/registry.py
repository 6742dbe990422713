"""How an app's host side plugs into the agent, so the agent imports no app.

The agent imports the modules its settings name (AgentSettings.plug_ins); each registers, on
import, a function that builds its HostSide for one agent. An app's host-side package imports
this agent core and nothing of another app's host side."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

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


HostSideFactory = Callable[[Agent], HostSide]
_registered: dict[str, HostSideFactory] = {}


def register(module: str, host_side: HostSideFactory) -> None:
    """Called by a plug-in module, with its own __name__, when it is imported."""
    _registered[module] = host_side


def host_sides(modules: Iterable[str], agent: Agent) -> list[HostSide]:
    """Import each plug-in module and build its host side for agent, in the order given."""
    sides = []
    for module in modules:
        importlib.import_module(module)
        if module not in _registered:
            raise ImportError(f"{module} registers no host side with the agent")
        sides.append(_registered[module](agent))
    return sides
