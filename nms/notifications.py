"""E-mail on a state change, unless an acknowledgement or a maintenance window mutes it.

A host's mail goes to the users of the Django group named by its nms_contactgroup (or its
domain's), with an e-mail address; without one, to the ADMINS setting."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mass_mail
from django.urls import reverse
from django.utils import timezone

from entities.models import Value

from .ingest import HOST_CATEGORY, Event
from .muting import acknowledged, active_acknowledgements, host_values, in_maintenance

log = logging.getLogger("labnet.nms")
CONTACT_VARIABLE = "nms_contactgroup"


def notify(events: Sequence[Event], now: datetime | None = None) -> int:
    """Send one message per host with its events that nothing mutes; the number sent."""
    now = now or timezone.now()
    by_host: dict[str, list[Event]] = defaultdict(list)
    for event in events:
        by_host[event.host].append(event)
    muted = in_maintenance(list(by_host), now)
    acks = active_acknowledgements(now, list(by_host))
    messages = []
    for host, host_events in sorted(by_host.items()):
        if host in muted:
            continue
        told = [
            e
            for e in host_events
            if e.category == HOST_CATEGORY or not acknowledged(acks[host], e.category, e.item)
        ]
        recipients = recipients_of(host)
        if told and not recipients:
            log.warning("nms: no one to tell about %s (no contact group users, no ADMINS)", host)
        elif told:
            messages.append((subject(host, told), body(host, told), None, recipients))
    return send_mass_mail(messages, fail_silently=False) if messages else 0


def recipients_of(host: str) -> list[str]:
    group = host_values(CONTACT_VARIABLE, [host]).get(host)
    if not group:
        domain = host_values("domain", [host]).get(host)
        group = (
            Value.objects.filter(
                entity__entity_type__name="domain",
                entity__name=domain,
                variable__name=CONTACT_VARIABLE,
            )
            .values_list("value", flat=True)
            .first()
        )
    addresses = (
        sorted(
            User.objects.filter(groups__name=group, is_active=True)
            .exclude(email="")
            .values_list("email", flat=True)
        )
        if group
        else []
    )
    return addresses or [address for _, address in settings.ADMINS]


def _line(event: Event) -> str:
    if event.category == HOST_CATEGORY:
        return "reports again" if event.new != "silent" else "stopped reporting"
    what = f"{event.category} {event.item}".strip()
    return f"{what}: {event.old} -> {event.new} ({event.value}) {event.detail}".rstrip()


def subject(host: str, events: Sequence[Event]) -> str:
    worst = events[0] if len(events) == 1 else None
    summary = _line(worst).split(" (")[0] if worst else f"{len(events)} changes"
    return f"[Labnet NMS] {host}: {summary}"


def body(host: str, events: Sequence[Event]) -> str:
    lines = [f"NMS state changes on {host}:", ""]
    lines += [f"  {_line(e)}" for e in events]
    lines += ["", f"Host page: {reverse('nms:host', args=[host])}"]
    return "\n".join(lines) + "\n"
