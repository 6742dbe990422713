"""The central side of a report: evaluate each reading against its category's levels, keep
the current status, store a sample only when something changed (every report for the
heartbeat), hold a new level for the configured number of reports before the state follows
it, and hand the state changes to the notifications once the report is committed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from .choices import Level
from .levels import MonitoringSettings, as_number, monitoring_settings
from .models import Host, Sample, Status

Readings = Sequence[Mapping[str, str]]
STATUS_FIELDS = ["value", "number", "detail", "level", "state", "streak", "since", "changed"]
# A host's state change that is not a metric's.
HOST_CATEGORY = "host"
SILENT, REPORTING = "silent", "reporting"


@dataclass(frozen=True)
class Event:
    """A state change to tell people about: a metric's held state moved, or a host fell
    silent or came back."""

    host: str
    category: str
    item: str
    old: str
    new: str
    value: str = ""
    detail: str = ""


def ingest_report(
    host: str,
    reports: Mapping[str, Readings],
    *,
    now: datetime | None = None,
    settings: MonitoringSettings | None = None,
) -> list[Event]:
    """Apply one host's report: {category: [{"item", "value", "detail"}, ...]}. A category
    present in the report is complete: its items not reported any more lose their status
    (their samples stay)."""
    settings = settings or monitoring_settings()
    now = now or timezone.now()
    with transaction.atomic():
        row, came_back = _heartbeat(host, now)
        existing = {
            (s.category, s.item): s
            for s in Status.objects.filter(host=row, category__in=list(reports))
        }
        events: list[Event] = []
        samples: list[Sample] = []
        created: list[Status] = []
        updated: list[Status] = []
        for category, readings in reports.items():
            levels = settings.levels_of(category)
            heartbeat = category in settings.heartbeats
            for reading in readings:
                item = reading.get("item", "")
                value, detail = reading["value"], reading.get("detail", "")
                level = levels.evaluate(value)
                status = existing.pop((category, item), None)
                if status is None:
                    status = Status(
                        host=row, category=category, item=item, value=value,
                        number=as_number(value), detail=detail, level=level, state=level,
                        since=now, changed=now,
                    )  # fmt: skip
                    created.append(status)
                    if level != Level.OK:
                        events.append(_event(host, status, Level.OK))
                    store = True
                else:
                    store = heartbeat or value != status.value or level != status.level
                    old_state = status.state
                    if _update(status, value, detail, level, now, settings.hold_reports):
                        updated.append(status)
                    if status.state != old_state:
                        events.append(_event(host, status, old_state))
                if store:
                    samples.append(
                        Sample(
                            host=row,
                            category=category,
                            item=item,
                            time=now,
                            value=value,
                            number=status.number,
                            detail=detail,
                            level=level,
                        )  # fmt: skip
                    )
        if existing:
            Status.objects.filter(pk__in=[s.pk for s in existing.values()]).delete()
        Sample.objects.bulk_create(samples)
        Status.objects.bulk_create(created)
        if updated:
            _save(updated)
        if came_back:
            events.append(Event(host, HOST_CATEGORY, "", SILENT, REPORTING))
        if events:
            transaction.on_commit(lambda: _notify(events))
    return events


def _heartbeat(host: str, now: datetime) -> tuple[Host, bool]:
    """The host's row, locked so one host's reports apply one at a time; its last report
    moves to now. Also says whether it had been noticed silent."""
    row = Host.objects.select_for_update().filter(name=host).first()
    if row is None:
        row, _ = Host.objects.get_or_create(
            name=host, defaults={"first_report": now, "last_report": now}
        )
        return row, False
    Host.objects.filter(pk=row.pk).update(last_report=now, silent=False)
    return row, row.silent


def _update(status: Status, value: str, detail: str, level: str, now: datetime, hold: int) -> bool:
    """Move status to the new reading; True when anything changed. The state follows the
    level only once `hold` readings in a row have had that level (no flapping)."""
    before = (status.value, status.detail, status.level, status.state, status.streak)
    if value != status.value:
        status.value, status.number, status.changed = value, as_number(value), now
    if level == status.state:
        status.streak = 0
    else:
        status.streak = status.streak + 1 if level == status.level else 1
        if status.streak >= hold:
            status.state, status.since, status.streak = level, now, 0
    status.detail, status.level = detail, level
    return before != (status.value, status.detail, status.level, status.state, status.streak)


def _save(statuses: list[Status]) -> None:
    """One executemany UPDATE by primary key: bulk_update's CASE expressions cost more in
    Python than the database spends on the rows."""
    quote = connection.ops.quote_name
    columns = ", ".join(f"{quote(f)} = %s" for f in STATUS_FIELDS)
    adapt = connection.ops.adapt_datetimefield_value
    rows = [
        (
            s.value, s.number, s.detail, s.level, s.state, s.streak,
            adapt(s.since), adapt(s.changed), s.pk,
        )
        for s in statuses
    ]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {quote(Status._meta.db_table)} SET {columns} WHERE {quote('id')} = %s", rows
        )


def _event(host: str, status: Status, old: str) -> Event:
    return Event(host, status.category, status.item, old, status.state, status.value, status.detail)


def _notify(events: list[Event]) -> None:
    from .notifications import notify

    notify(events)
