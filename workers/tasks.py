"""Central tasks of the host agents, run by the central worker (queue "central")."""

from __future__ import annotations

from celery import shared_task

from . import fanout


@shared_task(name=fanout.FANOUT_TASK)
def fan_out(first: int, last: int) -> int:
    return fanout.fan_out(first, last)
