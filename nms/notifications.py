"""E-mail on a state change, unless an acknowledgement or a maintenance window mutes it; a
change made while muted is told when the muting ends, if it still holds.

A host's mail goes to the users of the Django group named by its nms_contactgroup (or its
domain's), with an e-mail address; without one, to the ADMINS setting."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mass_mail
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from entities.models import Value

from .choices import Heartbeat
from .events import HOST_CATEGORY, Event
from .models import Host, Status
from .muting import acknowledged, active_acknowledgements, host_values, in_maintenance

log = logging.getLogger("labnet.nms")
CONTACT_VARIABLE = "nms_contactgroup"


@dataclass(frozen=True)
class Pending:
    """A change people have not been told about: its event, and the row whose notified
    state records the telling."""

    event: Event
    model: type[Host | Status]
    pk: int

    def mark(self, told: str, telling: str) -> bool:
        """Move the row's notified state from told to telling; False when someone else
        (another report, the periodic check) got there first."""
        rows = self.model.objects.filter(pk=self.pk, notified_state=told)
        return rows.update(notified_state=telling) == 1


def notify_pending(hosts: Collection[str] | None = None, now: datetime | None = None) -> int:
    """Tell people, one message per host, of every state that differs from what they were
    last told (a metric's state, a host's silence) and that nothing mutes now; of hosts, or
    of every host when None. A change made while muted is told once the muting ends, if it
    still holds. Mail that cannot be sent is logged and stays pending: the minute check
    (nms.check_silence) tries again, and the report that caused it is not failed for it.
    The number of messages sent."""
    now = now or timezone.now()
    by_host: dict[str, list[Pending]] = defaultdict(list)
    for pending in _pending(hosts):
        by_host[pending.event.host].append(pending)
    muted = in_maintenance(list(by_host), now)
    acks = active_acknowledgements(now, list(by_host))
    messages, marked = [], []
    for host, changes in sorted(by_host.items()):
        if host in muted:
            continue
        told = [
            p
            for p in changes
            if (
                p.event.category == HOST_CATEGORY
                or not acknowledged(acks[host], p.event.category, p.event.item)
            )
            and p.mark(p.event.old, p.event.new)
        ]
        recipients = recipients_of(host)
        if told and not recipients:
            log.warning("nms: no one to tell about %s (no contact group users, no ADMINS)", host)
        elif told:
            events = [p.event for p in told]
            messages.append((subject(host, events), body(host, events), None, recipients))
            marked += told
    if not messages:
        return 0
    try:
        return send_mass_mail(messages, fail_silently=False)
    except Exception:  # SMTP, DNS, the backend's own: whatever it is, the next check retries
        log.exception("nms: notifications not sent, kept for the next check")
        for p in marked:
            p.mark(p.event.new, p.event.old)
        return 0


def _pending(hosts: Collection[str] | None) -> list[Pending]:
    statuses = Status.objects.exclude(state=F("notified_state"))
    silences = Host.objects.filter(
        Q(silent=True) & ~Q(notified_state=Heartbeat.SILENT)
        | Q(silent=False) & ~Q(notified_state=Heartbeat.REPORTING)
    )
    if hosts is not None:
        statuses = statuses.filter(host__name__in=list(hosts))
        silences = silences.filter(name__in=list(hosts))
    found = [
        Pending(Event(host, category, item, told, state, value, detail), Status, pk)
        for pk, host, category, item, told, state, value, detail in statuses.values_list(
            "pk", "host__name", "category", "item", "notified_state", "state", "value", "detail"
        )
    ]
    for pk, host, told, silent in silences.values_list("pk", "name", "notified_state", "silent"):
        now_state = Heartbeat.SILENT if silent else Heartbeat.REPORTING
        found.append(Pending(Event(host, HOST_CATEGORY, "", told, now_state), Host, pk))
    return found


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
        return "reports again" if event.new != Heartbeat.SILENT else "stopped reporting"
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
