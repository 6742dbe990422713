"""The central side of a report: evaluate each reading against its category's levels, keep
the current status, store a sample only when its level changed or its value moved by more
than the category's deadband, hold a new level for the configured number of reports before
the state follows it, and hand the state changes to the notifications once the report is
committed. The heartbeat is the host's last report time by the server's clock, not a
sample."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Max, Q
from django.utils import timezone

from .choices import Heartbeat, Level
from .events import HOST_CATEGORY, Event
from .host.collectors import ERROR
from .levels import MonitoringSettings, as_number, monitoring_settings
from .models import Acknowledgement, Host, Sample, Status
from .notifications import notify_pending

Readings = Sequence[Mapping[str, str]]
STATUS_FIELDS = [
    "value", "number", "detail", "level", "state", "streak", "since", "changed", "stored",
]  # fmt: skip
GONE = "no longer reported"


def ingest_report(
    host: str,
    reports: Mapping[str, Readings],
    *,
    now: datetime | None = None,
    taken: datetime | None = None,
    settings: MonitoringSettings | None = None,
) -> list[Event]:
    """Apply one host's report: {category: [{"item", "value", "detail"}, ...]}, received now
    (the host's heartbeat, by the server's clock) and taken when it was collected (a report
    the agent kept while the web server was away arrives late; a time ahead of now counts as
    now). Taken places the readings in the history and nothing else, so a host with a slow
    clock is never taken for silent. A category present in the report is complete: its items
    not reported any more lose their status (their samples stay), once people who were told
    of a problem with one are told it is over; but a category whose collector failed (an
    error reading) keeps its items as they were. A report taken no later
    than the host's last one only fills in the history: the statuses already show something
    newer."""
    settings = settings or monitoring_settings()
    received = now or timezone.now()
    now = min(taken, received) if taken else received
    with transaction.atomic():
        row, new = _locked_host(host, received, now)
        if not new and now <= row.collected:
            _fill_history(row, reports, now, settings)
            return []
        came_back = row.silent
        if not new:
            Host.objects.filter(pk=row.pk).update(last_report=received, collected=now, silent=False)
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
            band = levels.band()
            for reading in readings:
                item = reading.get("item", "")
                value, detail = reading["value"], reading.get("detail", "")
                number, level = as_number(value), levels.evaluate(value)
                status = existing.pop((category, item), None)
                if status is None:
                    # A new metric starts OK and its level is held like any change.
                    status = Status(
                        host=row, category=category, item=item, value=value, number=number,
                        detail=detail, level=level, state=Level.OK, since=now, changed=now,
                        stored=number,
                    )  # fmt: skip
                    _update(status, value, detail, level, now, settings.hold_reports)
                    created.append(status)
                    if status.state != Level.OK:
                        events.append(_event(host, status, Level.OK))
                    store = True
                else:
                    store = level != status.level or _moved(
                        status.stored, status.value, value, number, band
                    )
                    old_state = status.state
                    if store:
                        status.stored = number
                    if _update(status, value, detail, level, now, settings.hold_reports) or store:
                        updated.append(status)
                    if status.state != old_state:
                        events.append(_event(host, status, old_state))
                if store:
                    samples.append(_sample(row, category, item, now, value, number, detail, level))
        erred = {c for c, readings in reports.items() if any(r["value"] == ERROR for r in readings)}
        gone = [s for s in existing.values() if s.category not in erred]
        for status in gone:
            if status.notified_state != Level.OK and status.state != Level.OK:
                events.append(_event(host, status, status.state))
                _end(status, now)
                updated.append(status)
        told_over = [s.pk for s in gone if s.notified_state == Level.OK]
        if told_over:
            Status.objects.filter(pk__in=told_over).delete()
        Sample.objects.bulk_create(samples)
        Status.objects.bulk_create(created)
        if updated:
            _save(updated)
        if came_back:
            events.append(Event(host, HOST_CATEGORY, "", Heartbeat.SILENT, Heartbeat.REPORTING))
        cleared = [(e.category, e.item) for e in events if e.new == Level.OK]
        if cleared:
            _end_acknowledgements(row, cleared, received)
        if events:
            transaction.on_commit(lambda: _notify(host))
    return events


def _locked_host(host: str, received: datetime, taken: datetime) -> tuple[Host, bool]:
    """The host's row, locked so one host's reports apply one at a time, and whether this
    report made it (its first)."""
    row = Host.objects.select_for_update().filter(name=host).first()
    if row is not None:
        return row, False
    return Host.objects.get_or_create(
        name=host,
        defaults={"first_report": received, "last_report": received, "collected": taken},
    )


def _moved(
    stored: float | None, stored_value: str, value: str, number: float | None, band: float
) -> bool:
    """Whether a reading differs enough from the one last stored to be stored: a word when it
    changes, a number when it moves by more than the deadband."""
    if number is None or stored is None:
        return value != stored_value
    return abs(number - stored) > band


def _sample(
    row: Host, category: str, item: str, time: datetime, value: str, number: float | None,
    detail: str, level: str,
) -> Sample:  # fmt: skip
    return Sample(
        host=row, category=category, item=item, time=time, value=value, number=number,
        detail=detail, level=level,
    )  # fmt: skip


def _fill_history(
    row: Host, reports: Mapping[str, Readings], time: datetime, settings: MonitoringSettings
) -> None:
    """Store an older report's readings where they differ from the sample before them, so the
    history stays in order and a report delivered twice is stored once."""
    before = _samples_before(row, list(reports), time)
    samples = []
    for category, readings in reports.items():
        levels = settings.levels_of(category)
        for reading in readings:
            item, value = reading.get("item", ""), reading["value"]
            number, level = as_number(value), levels.evaluate(value)
            prior = before.get((category, item))
            if (
                prior is None
                or level != prior.level
                or _moved(prior.number, prior.value, value, number, levels.band())
            ):
                detail = reading.get("detail", "")
                samples.append(_sample(row, category, item, time, value, number, detail, level))
    Sample.objects.bulk_create(samples)


def _samples_before(
    row: Host, categories: list[str], time: datetime
) -> dict[tuple[str, str], Sample]:
    """Each metric's last sample at or before time."""
    latest = (
        Sample.objects.filter(host=row, category__in=categories, time__lte=time)
        .values("category", "item")
        .annotate(last=Max("time"))
    )
    match = Q()
    for key in latest:
        match |= Q(category=key["category"], item=key["item"], time=key["last"])
    if not match:
        return {}
    return {(s.category, s.item): s for s in Sample.objects.filter(match, host=row)}


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


def _end(status: Status, now: datetime) -> None:
    """A metric no longer reported (an unmounted disk) whose problem people were told of: it
    turns OK, so they are told it is over, and goes at the next report after that."""
    status.level = status.state = Level.OK
    status.streak, status.since, status.detail = 0, now, GONE


def _save(statuses: list[Status]) -> None:
    """One executemany UPDATE by primary key: bulk_update's CASE expressions cost more in
    Python than the database spends on the rows."""
    quote = connection.ops.quote_name
    columns = ", ".join(f"{quote(f)} = %s" for f in STATUS_FIELDS)
    adapt = connection.ops.adapt_datetimefield_value
    rows = [
        (
            s.value, s.number, s.detail, s.level, s.state, s.streak,
            adapt(s.since), adapt(s.changed), s.stored, s.pk,
        )
        for s in statuses
    ]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {quote(Status._meta.db_table)} SET {columns} WHERE {quote('id')} = %s", rows
        )


def _event(host: str, status: Status, old: str) -> Event:
    return Event(host, status.category, status.item, old, status.state, status.value, status.detail)


def _end_acknowledgements(row: Host, metrics: list[tuple[str, str]], now: datetime) -> None:
    """An acknowledgement of a metric ends when the metric is OK again: the problem it was
    about is over, and its return is a new one to tell people about."""
    match = Q()
    for category, item in metrics:
        match |= Q(category=category, item=item)
    Acknowledgement.objects.filter(match, host=row, expires__gt=now).exclude(category="").update(
        expires=now
    )


def _notify(host: str) -> None:
    notify_pending([host])
