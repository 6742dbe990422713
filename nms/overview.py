"""The overview's data: every configured server and client with its worst state, in a fixed
number of queries whatever the number of hosts."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from core.hosts import HOST_TYPES
from core.problems import host_problems
from entities.models import Entity

from .choices import NO_DATA, SEVERITY, Level, worst
from .levels import MonitoringSettings, monitoring_settings
from .models import Host, Status
from .muting import acknowledged, active_acknowledgements, host_values, in_maintenance

SILENCE = "silence"


@dataclass(frozen=True)
class Problem:
    category: str
    item: str
    state: str
    acknowledged: bool

    def __str__(self) -> str:
        return f"{self.category} {self.item}".strip() + f": {self.state}"


@dataclass(slots=True)
class Tile:
    name: str
    kind: str
    domain: str
    last_report: datetime | None = None
    silent: bool = False
    maintenance: bool = False
    problems: list[Problem] = field(default_factory=list)

    @property
    def state(self) -> str:
        if self.last_report is None:
            return NO_DATA
        if self.silent:
            return Level.CRITICAL
        return worst(p.state for p in self.problems)

    @property
    def acknowledged(self) -> bool:
        """Every problem is acknowledged (silence cannot be)."""
        return (
            bool(self.problems) and not self.silent and all(p.acknowledged for p in self.problems)
        )

    @property
    def summary(self) -> str:
        if self.last_report is None:
            return "no report yet"
        lines = (
            [f"no report since {timezone.localtime(self.last_report):%Y-%m-%d %H:%M}"]
            if self.silent
            else []
        )
        lines += [str(p) + (" (acknowledged)" if p.acknowledged else "") for p in self.problems]
        return "; ".join(lines) or "all OK"


@dataclass
class Overview:
    tiles: list[Tile]
    domains: list[str]
    states: Counter
    problems: int
    acknowledged: int
    maintenance: int

    @property
    def worst(self) -> str:
        return max(self.states, key=SEVERITY.__getitem__, default=Level.OK)


def overview(
    kind: str = "",
    domain: str = "",
    now: datetime | None = None,
    settings: MonitoringSettings | None = None,
) -> Overview:
    """kind is "server", "client" or "" (both); domain "" is every domain."""
    now = now or timezone.now()
    settings = settings or monitoring_settings()
    domains = host_values("domain")
    hosts = Entity.objects.filter(entity_type__name__in=[kind] if kind else HOST_TYPES)
    tiles = {
        name: Tile(name, entity_type, domains.get(name, ""))
        for name, entity_type in hosts.values_list("name", "entity_type__name")
        if not domain or domains.get(name) == domain
    }
    cutoff = now - timezone.timedelta(seconds=settings.silence_seconds)
    for name, last_report in Host.objects.values_list("name", "last_report"):
        if name in tiles:
            tiles[name].last_report = last_report
            tiles[name].silent = last_report < cutoff
    acks = active_acknowledgements(now)
    for host, category, item, state in Status.objects.exclude(state=Level.OK).values_list(
        "host__name", "category", "item", "state"
    ):
        if host in tiles:
            muted = acknowledged(acks.get(host, []), category, item)
            tiles[host].problems.append(Problem(category, item, state, muted))
    for host, category, item, state in host_problems():  # other apps' (core.problems)
        if host in tiles:
            muted = acknowledged(acks.get(host, []), category, item)
            tiles[host].problems.append(Problem(category, item, state, muted))
    for name in in_maintenance(list(tiles), now, domains):
        tiles[name].maintenance = True
    shown = sorted(tiles.values(), key=lambda t: t.name)
    all_problems = [p for t in shown for p in t.problems]
    return Overview(
        tiles=shown,
        domains=sorted(set(domains.values())),
        states=Counter(t.state for t in shown),
        problems=sum(not p.acknowledged for p in all_problems) + sum(t.silent for t in shown),
        acknowledged=sum(p.acknowledged for p in all_problems),
        maintenance=sum(t.maintenance for t in shown),
    )
