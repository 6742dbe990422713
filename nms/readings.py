"""Current readings for other apps' pages, through core.readings (registered in apps.py)."""

from __future__ import annotations

from core.readings import HostReading

from .models import Status


def current_readings(category: str, hosts: list[str]) -> list[HostReading]:
    """Each current status of category of hosts, in one query."""
    statuses = Status.objects.filter(category=category, host__name__in=hosts).values_list(
        "host__name", "item", "value", "number", "detail", "state", "host__last_report"
    )
    return [
        HostReading(host, category, item, value, number, detail, state, reported)
        for host, item, value, number, detail, state, reported in statuses
    ]
