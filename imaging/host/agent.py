"""The imaging plug-in's host side on the agent: each imaging module's tasks and jobs, as the
agent takes one HostSide per plug-in (imaging/host/__init__.py names this)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from workers.host.registry import HostSide

from . import bootdaemons, syncnow
from .iscsi import upkeep

if TYPE_CHECKING:
    from workers.host.registry import Agent  # the agent, as the registry names it


def host_side(agent: Agent) -> HostSide:
    sides = [syncnow.host_side(agent), bootdaemons.host_side(agent), upkeep.host_side(agent)]
    return HostSide(
        tasks={name: task for side in sides for name, task in side.tasks.items()},
        jobs=[job for side in sides for job in side.jobs],
    )
