"""The only writers of the agent records: host tokens, registration, reports, reads."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from .models import AgentHost, AgentReport, HostRead

REPORTS_KEPT = 100


def do_make_host_token(name: str) -> str:
    """The API token of host name's agent, making its account on first use."""
    with transaction.atomic():
        host = AgentHost.objects.select_related("user").filter(name=name).first()
        if host is None:
            user, _ = User.objects.get_or_create(username=f"{name}@agent")
            user.set_unusable_password()
            # No permission of its own: what a host's token reads of secrets is scoped to
            # the host (entities.secret_access), never granted by a role.
            user.save()
            host = AgentHost.objects.create(name=name, user=user)
        token, _ = Token.objects.get_or_create(user=host.user)
    return token.key


def do_register(host: AgentHost) -> None:
    host.registered = timezone.now()
    host.save(update_fields=["registered"])


def do_record_report(host: AgentHost, report: Mapping[str, Any]) -> AgentReport:
    """Store an agent's report (once per id), move its last applied sequence number, and
    replace what it reads when that changed (a report without reads: unchanged)."""
    with transaction.atomic():
        existing = host.reports.filter(report_id=report["id"]).first()
        if existing is not None:
            return existing
        stored = AgentReport.objects.create(
            host=host,
            report_id=report["id"],
            kind=report["kind"],
            seq=report["seq"],
            duration=report.get("duration", 0),
            files_read=report.get("files_read", 0),
            files_written=report.get("files_written", 0),
            files_changed=report.get("files_changed", []),
            scripts=report.get("scripts", []),
            errors=report.get("errors", []),
        )
        host.last_report = stored.received
        host.last_seq = max(host.last_seq, stored.seq)
        if "reads" in report:
            _replace_reads(host, report["reads"])
        host.save(update_fields=["last_report", "last_seq", "reads_digest"])
        stale = host.reports.values_list("pk", flat=True)[REPORTS_KEPT:]
        AgentReport.objects.filter(pk__in=list(stale)).delete()
    return stored


def _replace_reads(host: AgentHost, reads: Sequence[Sequence[str]]) -> None:
    """Only the rows that differ are deleted and added: a host's reads name thousands of
    entities (a hosts file lists every host) and change by a few at a time."""
    keys = sorted({(t, "" if n == "*" else n) for t, n in reads})
    digest = hashlib.sha256(repr(keys).encode()).hexdigest()
    if digest == host.reads_digest:
        return
    stored = {
        (t, n): pk
        for pk, t, n in HostRead.objects.filter(host=host).values_list(
            "pk", "entity_type", "entity"
        )
    }
    wanted = set(keys)
    gone = [pk for key, pk in stored.items() if key not in wanted]
    for start in range(0, len(gone), 2000):
        HostRead.objects.filter(pk__in=gone[start : start + 2000]).delete()
    HostRead.objects.bulk_create(
        [HostRead(host=host, entity_type=t, entity=n) for t, n in keys if (t, n) not in stored],
        batch_size=2000,
    )
    host.reads_digest = digest
