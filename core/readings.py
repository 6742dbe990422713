"""Monitoring readings another app shows beside its own (the backup status shows a server's
partitions), so no app imports nms: nms registers its reader in its AppConfig.ready(), and a
page asks for one category's current readings of some hosts (one query per reader)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class HostReading:
    """A metric's current reading, as monitoring holds it."""

    host: str
    category: str
    item: str  # a file system, an array, a port...
    value: str
    number: float | None
    detail: str
    state: str  # an nms level: ok, warning or critical
    reported: datetime  # the host's last report


ReadingSource = Callable[[str, list[str]], Iterable[HostReading]]
_sources: list[ReadingSource] = []


def register_reading_source(source: ReadingSource) -> None:
    if source not in _sources:
        _sources.append(source)


def host_readings(category: str, hosts: Iterable[str]) -> list[HostReading]:
    """The current readings of category for hosts, by host then item; none without a
    monitoring app."""
    hosts = list(hosts)
    found = [reading for source in _sources for reading in source(category, hosts)]
    return sorted(found, key=lambda r: (r.host, r.item))
