"""The central side of a report: evaluate each reading against its category's levels, keep
the current status, store a sample only when its level changed or its value moved by more
than the category's deadband, hold a new level for the configured number of reports before
the state follows it, and hand the state changes to the notifications once the report is
committed. The heartbeat is the host's last report time by the server's clock, not a
sample.

Reports are applied many hosts at a time: the API queues each report it accepts
(queue_report, a PendingReport row committed before it answers) and drains the queue
(ingest_pending), applying up to BATCH hosts' reports in one transaction that also deletes
them from the queue: the hosts locked and their statuses read in one query each, the
samples, new statuses, changed statuses and hosts written in one statement each, one
commit. docs/nms.md says why."""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import OperationalError, connection, transaction
from django.db.models import Max, Model, Q
from django.utils import timezone

from .choices import Heartbeat, Level
from .events import HOST_CATEGORY, Event
from .host.collectors import ERROR
from .levels import MonitoringSettings, as_number, monitoring_settings
from .models import Acknowledgement, Host, PendingReport, Sample, Status
from .notifications import notify_pending

log = logging.getLogger("labnet.nms")
Readings = Sequence[Mapping[str, str]]
STATUS_COLUMNS = [
    "id", "host_id", "category", "item", "value", "number", "detail", "level", "state",
    "streak", "notified_state", "since", "changed", "stored",
]  # fmt: skip
# What an update of a status writes besides since and changed, which it writes first.
STATUS_UPDATED = ["value", "number", "detail", "level", "state", "streak", "stored"]
SAMPLE_COLUMNS = ["host_id", "category", "item", "time", "value", "number", "detail", "level"]
HOST_FIELDS = ["name", "first_report", "last_report", "collected", "silent", "notified_state"]
GONE = "no longer reported"
# Hosts' reports applied in one transaction: enough to pay the round trips and the commit
# once for many hosts, few enough that a transaction holds its host rows briefly.
BATCH = 200
# MariaDB's error when it rolled a transaction back to end a deadlock, and how many times
# ingest_pending tries a batch.
DEADLOCK, DEADLOCK_TRIES = 1213, 3
# A new host's row before its first report is applied: older than any report.
NEVER = datetime(1970, 1, 1, tzinfo=UTC)
# What the report API lets through (nms.api.serializers), checked again on a queued report.
CATEGORY = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
ITEM_LENGTH = VALUE_LENGTH = 255
DETAIL_LENGTH = 500


@dataclass(frozen=True)
class Report:
    """One host's report: {category: [{"item", "value", "detail"}, ...]}, received (the
    heartbeat, by the server's clock) and taken (when it was collected, never after
    received)."""

    host: str
    reports: Mapping[str, Readings]
    received: datetime
    taken: datetime


def ingest_report(
    host: str,
    reports: Mapping[str, Readings],
    *,
    now: datetime | None = None,
    taken: datetime | None = None,
    settings: MonitoringSettings | None = None,
) -> list[Event]:
    """Apply one host's report, received now (the host's heartbeat, by the server's clock)
    and taken when it was collected (a report the agent kept while the web server was away
    arrives late; a time ahead of now counts as now). Taken places the readings in the
    history and nothing else, so a host with a slow clock is never taken for silent. A
    category present in the report is complete: its items not reported any more lose their
    status (their samples stay), once people who were told of a problem with one are told it
    is over; but a category whose collector failed (an error reading) keeps its items as they
    were. A report taken no later than the host's last one only fills in the history: the
    statuses already show something newer. The state changes it made."""
    received = now or timezone.now()
    report = Report(host, reports, received, min(taken, received) if taken else received)
    with transaction.atomic():
        return ingest_reports([report], settings)[host]


def queue_report(
    host: str, reports: Mapping[str, Readings], *, received: datetime, taken: datetime | None
) -> int:
    """Keep a report the API accepted until ingest_pending applies it; its queue id. Once
    this has returned, the report is committed: a crash cannot lose it."""
    taken = min(taken, received) if taken else received
    return PendingReport.objects.create(
        host=host, reports=reports, received=received, taken=taken
    ).pk


@dataclass
class Drained:
    """What ingest_pending did: the state changes of each queued report it applied (by queue
    id) and the reports it refused, each with the reason, naming the host."""

    applied: dict[int, list[Event]]
    refused: dict[int, str]


def ingest_pending(batch: int = BATCH, upto: int | None = None) -> Drained:
    """Apply the queued reports, oldest first, `batch` hosts' reports a transaction, until
    none is left (up to queue id `upto`: a request drains no further than its own report,
    so its time stays bounded while the requests behind it drain theirs) that another
    process is not applying already (those are skipped, not waited for). A host's second
    report waits for the next transaction, so its reports apply in order. A report that is
    malformed (the API refuses those; this guards the queue) is logged, refused naming its
    host and deleted; the others apply. A transaction the database chose as a deadlock's
    victim is tried again, DEADLOCK_TRIES times in all."""
    drained = Drained({}, {})
    settings = monitoring_settings()
    tries = 0
    while True:
        try:
            with transaction.atomic():
                done = _drain_batch(batch, upto, settings)
        except OperationalError as exc:
            tries += 1
            if exc.args[:1] != (DEADLOCK,) or tries == DEADLOCK_TRIES:
                raise
            continue
        if done is None:
            return drained
        tries = 0
        drained.applied.update(done.applied)
        drained.refused.update(done.refused)


def _drain_batch(batch: int, upto: int | None, settings: MonitoringSettings) -> Drained | None:
    """One transaction of ingest_pending; None when nothing is left to take."""
    queue = PendingReport.objects.filter(id__lte=upto) if upto else PendingReport.objects
    rows = list(
        queue.select_for_update(skip_locked=True)
        .order_by("id")
        .values_list("id", "host", "reports", "received", "taken")[:batch]
    )
    if not rows:
        return None
    done = Drained({}, {})
    taken: dict[str, int] = {}
    reports: list[Report] = []
    for pk, host, body, received, collected in rows:
        if host in taken:
            continue  # the host's later report: next transaction
        taken[host] = pk
        problem = malformed(host, body)
        if problem:
            log.warning("nms: queued report refused: %s", problem)
            done.refused[pk] = problem
        else:
            reports.append(Report(host, body, received, collected))
    events = ingest_reports(reports, settings)
    PendingReport.objects.filter(pk__in=list(taken.values())).delete()
    done.applied = {taken[r.host]: events[r.host] for r in reports}
    return done


def malformed(host: str, reports: object) -> str | None:
    """What is wrong with a queued report's shape, naming the host; None when it is sound."""
    if not isinstance(reports, dict) or not reports:
        return f"{host}: the report has no categories"
    for category, readings in reports.items():
        if not CATEGORY.match(category):
            return f"{host}: {category!r} is not a category name"
        if not isinstance(readings, list):
            return f"{host}: {category}'s readings are not a list"
        for reading in readings:
            if not isinstance(reading, dict) or not isinstance(reading.get("value"), str):
                return f"{host}: a reading of {category} has no value"
            item, detail = reading.get("item", ""), reading.get("detail", "")
            if not isinstance(item, str) or not isinstance(detail, str):
                return f"{host}: a reading of {category} has an item or detail that is no text"
            if (
                len(item) > ITEM_LENGTH
                or len(reading["value"]) > VALUE_LENGTH
                or len(detail) > DETAIL_LENGTH
            ):
                return f"{host}: a reading of {category} is longer than what is stored"
    return None


def ingest_reports(
    batch: Sequence[Report], settings: MonitoringSettings | None = None
) -> dict[str, list[Event]]:
    """Apply several hosts' reports (one each) in the caller's transaction, as ingest_report
    applies one: each host's state changes. The notifications go once it commits."""
    settings = settings or monitoring_settings()
    rows = _locked_hosts(batch)
    history_only = [r for r in batch if r.taken <= rows[r.host].collected]
    for report in history_only:
        _fill_history(rows[report.host], report.reports, report.taken, settings)
    current = [r for r in batch if r.taken > rows[r.host].collected]
    existing = _statuses([rows[r.host].pk for r in current])
    evaluate = _evaluator(settings)
    events: dict[str, list[Event]] = {r.host: [] for r in batch}
    samples: list[tuple] = []
    changed: list[Metric] = []
    told_over: list[int] = []
    cleared: list[tuple[int, str, str]] = []
    for report in current:
        row = rows[report.host]
        found = existing[row.pk]
        statuses = {key: s for key, s in found.items() if key[0] in report.reports}
        host_events = events[report.host]
        _apply(row, report, statuses, settings, evaluate, host_events, samples, changed, told_over)
        if row.silent:
            host_events.append(
                Event(report.host, HOST_CATEGORY, "", Heartbeat.SILENT, Heartbeat.REPORTING)
            )
        row.last_report, row.collected, row.silent = report.received, report.taken, False
        cleared += [(row.pk, e.category, e.item) for e in host_events if e.new == Level.OK]
    if told_over:
        Status.objects.filter(pk__in=told_over).delete()
    _insert_samples(samples)
    _write_statuses(changed)
    _upsert(Host, HOST_FIELDS, [rows[r.host] for r in current])
    if cleared:
        _end_acknowledgements(cleared, max(r.received for r in current))
    told = [host for host, changes in events.items() if changes]
    if told:
        transaction.on_commit(lambda: notify_pending(told))
    return events


class Metric:
    """A status row as ingest reads and writes it (id None until it is stored), without what
    follows from the rest: its number (the value's), when its state began and when its value
    last changed (the time of the reading that changed them, `at`, written by
    _write_statuses). 5,000 of them a batch, read by a plain query: Status instances, or
    the two dates converted, cost more than the database's answer."""

    __slots__ = (
        "id", "host_id", "category", "item", "value", "detail", "level", "state", "streak",
        "notified_state", "stored", "at",
    )  # fmt: skip

    def __init__(
        self, pk: int | None, host_id: int, category: str, item: str, value: str, detail: str,
        level: str, state: str, streak: int, notified_state: str, stored: float | None,
        at: datetime | None = None,
    ) -> None:  # fmt: skip
        self.id, self.host_id, self.category, self.item = pk, host_id, category, item
        self.value, self.detail, self.level, self.state = value, detail, level, state
        self.streak, self.notified_state, self.stored, self.at = streak, notified_state, stored, at


# What _statuses reads, in Metric's order.
READ = "id, host_id, category, item, value, detail, level, state, streak, notified_state, stored"


def _statuses(hosts: list[int]) -> dict[int, dict[tuple[str, str], Metric]]:
    """The hosts' statuses by host id, then category and item."""
    existing: dict[int, dict[tuple[str, str], Metric]] = defaultdict(dict)
    if not hosts:
        return existing
    table = connection.ops.quote_name(Status._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {READ} FROM {table} WHERE host_id IN ({', '.join(['%s'] * len(hosts))})",
            hosts,
        )
        for values in cursor.fetchall():
            status = Metric(*values)
            existing[status.host_id][status.category, status.item] = status
    return existing


def _locked_hosts(batch: Sequence[Report]) -> dict[str, Host]:
    """The hosts' rows, locked so one host's reports apply one at a time; a host reporting
    for the first time gets its row, dated never, so its report applies like any other."""
    names = [r.host for r in batch]
    rows = {h.name: h for h in Host.objects.select_for_update().filter(name__in=names)}
    new = [r for r in batch if r.host not in rows]
    if new:
        Host.objects.bulk_create(
            [
                Host(name=r.host, first_report=r.received, last_report=r.received, collected=NEVER)
                for r in new
            ],
            ignore_conflicts=True,  # made meanwhile by another process: its row is used
        )
        locked = Host.objects.select_for_update().filter(name__in=[r.host for r in new])
        rows.update((h.name, h) for h in locked)
    return rows


def _evaluator(settings: MonitoringSettings) -> Callable[[str, str], tuple[float | None, str]]:
    """A reading's number and level, by category and value: a batch's 5,000 readings are
    mostly the same words and numbers (ok, mounted, running, 12), each evaluated once."""
    known: dict[tuple[str, str], tuple[float | None, str]] = {}

    def evaluate(category: str, value: str) -> tuple[float | None, str]:
        found = known.get((category, value))
        if found is None:
            found = as_number(value), settings.levels_of(category).evaluate(value)
            known[category, value] = found
        return found

    return evaluate


def _apply(
    row: Host,
    report: Report,
    existing: dict[tuple[str, str], Metric],
    settings: MonitoringSettings,
    evaluate: Callable[[str, str], tuple[float | None, str]],
    events: list[Event],
    samples: list[tuple],
    changed: list[Metric],
    told_over: list[int],
) -> None:
    """One host's report against its statuses (of the categories reported), adding what to
    write to the batch's lists."""
    host, reports, now = report.host, report.reports, report.taken
    time = connection.ops.adapt_datetimefield_value(now)
    for category, readings in reports.items():
        levels = settings.levels_of(category)
        band = levels.band()
        for reading in readings:
            item = reading.get("item", "")
            value, detail = reading["value"], reading.get("detail", "")
            number, level = evaluate(category, value)
            status = existing.pop((category, item), None)
            if status is None:
                # A new metric starts OK and its level is held like any change.
                status = Metric(
                    None, row.pk, category, item, value, detail, level, Level.OK, 0, Level.OK,
                    number, now,
                )  # fmt: skip
                _update(status, value, detail, level, settings.hold_reports)
                changed.append(status)
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
                if _update(status, value, detail, level, settings.hold_reports) or store:
                    status.at = now
                    changed.append(status)
                if status.state != old_state:
                    events.append(_event(host, status, old_state))
            if store:
                samples.append((row.pk, category, item, time, value, number, detail, level))
    erred = {c for c, readings in reports.items() if any(r["value"] == ERROR for r in readings)}
    gone = [s for s in existing.values() if s.category not in erred]
    for status in gone:
        if status.notified_state != Level.OK and status.state != Level.OK:
            events.append(_event(host, status, status.state))
            _end(status)
            status.at = now
            changed.append(status)
    told_over += [s.id for s in gone if s.notified_state == Level.OK]


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


def _insert_samples(samples: list[tuple]) -> None:
    """The samples in one multi-row insert (an executemany mysqlclient sends as one)."""
    if samples:
        table, columns = _quoted(Sample, SAMPLE_COLUMNS)
        placeholders = ", ".join(["%s"] * len(SAMPLE_COLUMNS))
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", samples)


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


def _update(status: Metric, value: str, detail: str, level: str, hold: int) -> bool:
    """Move status to the new reading; True when anything changed. The state follows the
    level only once `hold` readings in a row have had that level (no flapping). When the
    value or the state changes, so does its date: _write_statuses sees to it."""
    before = (status.value, status.detail, status.level, status.state, status.streak)
    if level == status.state:
        status.streak = 0
    else:
        status.streak = status.streak + 1 if level == status.level else 1
        if status.streak >= hold:
            status.state, status.streak = level, 0
    status.value, status.detail, status.level = value, detail, level
    return before != (status.value, status.detail, status.level, status.state, status.streak)


def _end(status: Metric) -> None:
    """A metric no longer reported (an unmounted disk) whose problem people were told of: it
    turns OK, so they are told it is over, and goes at the next report after that."""
    status.level = status.state = Level.OK
    status.streak, status.detail = 0, GONE


def _write_statuses(statuses: Sequence[Metric]) -> None:
    """Insert the new statuses and update the changed ones in one statement (an
    executemany of INSERT ... ON DUPLICATE KEY UPDATE that mysqlclient sends as one
    multi-row insert). An update leaves notified_state to the notifications, which may have
    marked it since it was read, and moves since (changed) to the reading's time only when
    it changes the state (the value): the database compares them before it assigns them,
    MariaDB's assignments going left to right."""
    if not statuses:
        return
    table, columns = _quoted(Status, STATUS_COLUMNS)
    q = connection.ops.quote_name
    if connection.vendor == "mysql":
        tail = "ON DUPLICATE KEY UPDATE"
        new = "VALUES({})".format
        same = "CAST({0} AS BINARY) = CAST(VALUES({0}) AS BINARY)".format
    else:
        tail = f"ON CONFLICT ({q('id')}) DO UPDATE SET"
        new = "excluded.{}".format
        same = "{0} = excluded.{0}".format
    value, state, since, changed = map(q, ("value", "state", "since", "changed"))
    update = ", ".join(
        [
            f"{since} = CASE WHEN {same(state)} THEN {since} ELSE {new(since)} END",
            f"{changed} = CASE WHEN {same(value)} THEN {changed} ELSE {new(changed)} END",
            *(f"{q(f)} = {new(q(f))}" for f in STATUS_UPDATED),
        ]
    )
    adapt = connection.ops.adapt_datetimefield_value
    rows = [
        (
            s.id, s.host_id, s.category, s.item, s.value, as_number(s.value), s.detail, s.level,
            s.state, s.streak, s.notified_state, adapt(s.at), adapt(s.at), s.stored,
        )
        for s in statuses
    ]  # fmt: skip
    placeholders = ", ".join(["%s"] * len(STATUS_COLUMNS))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) {tail} {update}", rows
        )


def _quoted(model: type[Model], columns: list[str]) -> tuple[str, str]:
    """The model's table and the columns, quoted for the database."""
    quote = connection.ops.quote_name
    return quote(model._meta.db_table), ", ".join(map(quote, columns))


def _upsert(model: type[Model], fields: list[str], rows: Sequence[object]) -> None:
    """Write rows by primary key in one statement, inserting those whose id is None (an
    executemany of INSERT ... ON DUPLICATE KEY UPDATE that mysqlclient sends as one
    multi-row insert; an UPDATE a row would be a statement each). Every column is given,
    as an insert needs."""
    if not rows:
        return
    quote = connection.ops.quote_name
    columns = ["id", *fields]
    if connection.vendor == "mysql":
        update = ", ".join(f"{quote(f)} = VALUES({quote(f)})" for f in fields)
        tail = f"ON DUPLICATE KEY UPDATE {update}"
    else:
        update = ", ".join(f"{quote(f)} = excluded.{quote(f)}" for f in fields)
        tail = f"ON CONFLICT ({quote('id')}) DO UPDATE SET {update}"
    adapt = connection.ops.adapt_datetimefield_value
    values = [
        [adapt(v) if isinstance(v, datetime) else v for v in (getattr(r, c) for c in columns)]
        for r in rows
    ]
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(map(quote, columns))}) "
        f"VALUES ({', '.join(['%s'] * len(columns))}) {tail}"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, values)


def _event(host: str, status: Metric, old: str) -> Event:
    return Event(host, status.category, status.item, old, status.state, status.value, status.detail)


def _end_acknowledgements(metrics: list[tuple[int, str, str]], now: datetime) -> None:
    """An acknowledgement of a metric ends when the metric is OK again: the problem it was
    about is over, and its return is a new one to tell people about."""
    match = Q()
    for host, category, item in metrics:
        match |= Q(host_id=host, category=category, item=item)
    Acknowledgement.objects.filter(match, expires__gt=now).exclude(category="").update(expires=now)
