"""Images and boot services on a host: each module adds its host programs here. Plain data in,
the API out: nothing here imports Django or the ORM.

The agent loads this package as a plug-in (workers.host.settings.PLUG_INS)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from workers.host.registry import HostSide, register

from . import blockimage, bootcommands, bootdaemons, lnrsync, syncnow
from .iscsi import syncimage, upkeep

if TYPE_CHECKING:
    from workers.host.registry import Agent  # the agent, as the registry names it


def host_side(agent: Agent) -> HostSide:
    """Every imaging module's tasks and jobs, as the agent takes one HostSide per plug-in."""
    sides = [syncnow.host_side(agent), bootdaemons.host_side(agent), upkeep.host_side(agent)]
    return HostSide(
        tasks={name: task for side in sides for name, task in side.tasks.items()},
        jobs=[job for side in sides for job in side.jobs],
    )


register(
    __name__,
    host_side,
    commands=[*bootcommands.COMMANDS, *blockimage.COMMANDS, lnrsync.COMMAND, syncimage.COMMAND],
)
