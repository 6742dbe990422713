"""What keeps quiet about a problem: acknowledgements not yet expired and maintenance windows
of the host or of its domain. The overview and the notifications ask the same questions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import datetime

from django.db.models import Q

from core.hosts import HOST_TYPES
from entities.models import Value, VariableDefinition

from .models import Acknowledgement, MaintenanceWindow


def host_values(variable: str, names: Collection[str] | None = None) -> dict[str, str]:
    """Each server's and client's first value of variable (all of them when names is None)."""
    # Through the variable's definitions: a join from the entity type walks every value of
    # every host, ten times slower on MariaDB with 10,000 hosts.
    definitions = VariableDefinition.objects.filter(entity_type__name__in=HOST_TYPES, name=variable)
    rows = Value.objects.filter(variable__in=definitions, indx=1).order_by()
    if names is not None:
        rows = rows.filter(entity__name__in=list(names))
    return dict(rows.values_list("entity__name", "value"))


def in_maintenance(
    names: Collection[str], now: datetime, domains: dict[str, str] | None = None
) -> set[str]:
    """The hosts among names that a window covers now; domains (host -> domain) saves the
    lookup when the caller has it."""
    windows = list(
        MaintenanceWindow.objects.filter(start__lte=now, end__gt=now).values_list("host", "domain")
    )
    if not windows:
        return set()
    if domains is None:
        domains = host_values("domain", names)
    hosts = {h for h, _ in windows if h}
    muted_domains = {d for _, d in windows if d}
    return {n for n in names if n in hosts or domains.get(n) in muted_domains}


def active_acknowledgements(
    now: datetime, names: Collection[str] | None = None
) -> dict[str, list[Acknowledgement]]:
    query = Q(expires__gt=now)
    if names is not None:
        query &= Q(host__name__in=list(names))
    found: dict[str, list[Acknowledgement]] = defaultdict(list)
    for ack in Acknowledgement.objects.filter(query).select_related("host"):
        found[ack.host.name].append(ack)
    return found


def acknowledged(acks: list[Acknowledgement], category: str, item: str) -> bool:
    return any(ack.covers(category, item) for ack in acks)
