"""The only writers of acknowledgements, maintenance windows and silence (the reports'
writer is nms.ingest)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from entities.services import username

from .choices import Heartbeat
from .events import HOST_CATEGORY, Event
from .levels import MonitoringSettings, monitoring_settings
from .models import Acknowledgement, Host, MaintenanceWindow
from .notifications import notify_pending


def do_acknowledge(
    host: Host,
    *,
    comment: str,
    expires: datetime,
    user: object,
    category: str = "",
    item: str = "",
) -> Acknowledgement:
    ack = Acknowledgement(
        host=host,
        category=category,
        item=item,
        comment=comment,
        user=username(user),
        created=timezone.now(),
        expires=expires,
    )
    ack.full_clean()
    ack.save()
    return ack


def do_end_acknowledgement(ack: Acknowledgement) -> None:
    """It expires now, and stays in the record."""
    ack.expires = timezone.now()
    ack.save(update_fields=["expires"])


def do_schedule_maintenance(
    *,
    start: datetime,
    end: datetime,
    comment: str,
    user: object,
    host: str = "",
    domain: str = "",
) -> MaintenanceWindow:
    window = MaintenanceWindow(
        host=host, domain=domain, start=start, end=end, comment=comment, user=username(user)
    )
    window.full_clean()
    window.save()
    return window


def do_end_maintenance(window: MaintenanceWindow) -> None:
    """A window under way ends now and stays in the record; one not yet begun is cancelled."""
    now = timezone.now()
    if window.start >= now:
        window.delete()
    elif window.end > now:
        window.end = now
        window.save(update_fields=["end"])


def do_notice_silence(
    now: datetime | None = None, settings: MonitoringSettings | None = None
) -> list[Event]:
    """Mark the hosts silent longer than the silence limit (the next report clears it), then
    tell people whatever they have not been told and nothing mutes any more: these
    silences, and changes made during a maintenance window or an acknowledgement that ended."""
    now = now or timezone.now()
    settings = settings or monitoring_settings()
    cutoff = now - timezone.timedelta(seconds=settings.silence_seconds)
    with transaction.atomic():
        names = list(
            Host.objects.select_for_update()
            .filter(silent=False, last_report__lt=cutoff)
            .values_list("name", flat=True)
        )
        Host.objects.filter(name__in=names).update(silent=True)
    notify_pending(now=now)
    return [Event(name, HOST_CATEGORY, "", Heartbeat.REPORTING, Heartbeat.SILENT) for name in names]
