"""Percentage of each network port's bandwidth used transmitting."""

from __future__ import annotations

from . import HostConfig, Reading, System
from ._network import usage


def collect(host: HostConfig, system: System) -> list[Reading]:
    return usage(system, "tx")
