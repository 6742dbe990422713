"""The writer of what an appserver's agent reports about its boot services: the state of
lntftpd and menuserver, and the requests they saw lately per client (the boot pages show
both). Only the newest KEPT_PER_CLIENT requests of a client are kept."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from .models import BootDaemon, BootRequest

log = logging.getLogger("labnet.imaging")
KEPT_PER_CLIENT = 20


def do_record_boot_report(
    host: str, daemons: Iterable[Mapping[str, Any]], requests: Iterable[Mapping[str, Any]]
) -> int:
    """Store host's boot daemons (replacing what it reported before) and its new requests
    (fields checked by the API's serializer); the number of requests stored."""
    now = timezone.now()
    rows = [BootRequest(appserver=host, **r) for r in requests]
    with transaction.atomic():
        BootDaemon.objects.filter(host=host).delete()
        BootDaemon.objects.bulk_create(BootDaemon(host=host, reported=now, **d) for d in daemons)
        BootRequest.objects.bulk_create(rows, batch_size=500)
        _trim({r.client for r in rows})
    stopped = [d["daemon"] for d in daemons if not d["running"]]
    if stopped:
        log.warning("%s: boot daemons not running: %s", host, ", ".join(stopped))
    return len(rows)


def _trim(clients: set[str]) -> None:
    """Drop each client's requests beyond its newest KEPT_PER_CLIENT."""
    if not clients:
        return
    kept: dict[str, int] = defaultdict(int)
    old = []
    for pk, client in (
        BootRequest.objects.filter(client__in=clients)
        .order_by("client", "-seen", "-pk")
        .values_list("pk", "client")
    ):
        kept[client] += 1
        if kept[client] > KEPT_PER_CLIENT:
            old.append(pk)
    for start in range(0, len(old), 500):
        BootRequest.objects.filter(pk__in=old[start : start + 500]).delete()
