"""Network monitoring figures on MariaDB, each beside a baseline from the same run.

    .venv/bin/python bench/bench_nms.py [--hosts 10000] [--rounds 2] [--own-mariadb 2G]
    (LABNET_BENCH_NMS_DATABASE_URL, default mysql://root@127.0.0.1:3306/labnet_nmsbench;
    --own-mariadb SIZE: on a MariaDB server of its own instead, started as testing.nodes
    starts the layout's, with an InnoDB buffer pool of SIZE and a flush at every commit)

- sustained ingest, one process, reports of the ten categories (25 readings) per host,
  every host once per round of five minutes of simulated time, rounds alternating between
  the batch ingest the API uses (every host's report queued by nms.ingest.queue_report, as
  the API does, then nms.ingest.ingest_pending applying the queue, 200 hosts a transaction;
  the figure is the applying, the queueing beside it) and the baseline of one report a
  transaction (nms.ingest.ingest_report, what the API did before), vs a bulk insert
  (executemany) of the same readings as rows; a campus of 10,000 hosts reporting every 5
  minutes is 333 category reports a second; target 5,000 on one core;
- history rows per host report with the deadband and the heartbeat on the host row, vs the
  first rule (every change of value, and the load average every report) on the same reports:
  with load and traffic drawn afresh every report (the worst case for change-only storage),
  then on a steadier campus (load drifting, links idle but for bursts);
- the overview page's server time with every host (in process, through the view), beside
  the data it shows (nms.overview.overview alone).
The database is dropped and made again; gendata's campus gives the servers and clients."""

from __future__ import annotations

import argparse
import gzip
import logging
import os
import random
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from _mariadb import create_database, drop_database
from _setup import manage, use_database

URL = os.environ.get("LABNET_BENCH_NMS_DATABASE_URL", "mysql://root@127.0.0.1:3306/labnet_nmsbench")
DATABASE = "labnet_nmsbench"
CATEGORIES = 10
REPORTS_A_DAY = 24 * 12
TARGET = 5000
DAEMONS = ("sshd", "ntpd", "syslog-ng", "cron", "lnsysconfig")


def host_report(rnd: random.Random, host: str, round_no: int, troubled: bool) -> dict:
    """Ten categories, 25 readings: load and the network move every report, a disk now and
    then, the rest holds."""
    disks = ["/", "/var", "/home"]
    used = 40 + (hash(host) % 30) + round_no * (0.1 if rnd.random() < 0.1 else 0)
    return {
        "loadaverage": [{"item": "", "value": f"{rnd.random() * (4 if troubled else 1):.2f}"}],
        "diskspace": [{"item": d, "value": f"{used + i:.1f}"} for i, d in enumerate(disks)],
        "diskinodes": [{"item": d, "value": "12"} for d in disks],
        "fsck": [{"item": d, "value": "ok", "detail": "mounted 3 of 30 times"} for d in disks],
        "mdstat": [
            {"item": "/dev/md0", "value": "degraded" if troubled else "active"},
            {"item": "/dev/md1", "value": "active"},
        ],
        "mounts": [{"item": d, "value": "mounted"} for d in disks],
        "uuids": [{"item": d, "value": "match"} for d in disks],
        "daemon": [{"item": d, "value": "running"} for d in DAEMONS],
        "netrx": [{"item": "eth0", "value": f"{rnd.random() * 5:.1f}"}],
        "nettx": [{"item": "eth0", "value": f"{rnd.random() * 5:.1f}"}],
    }  # fmt: skip


def steady(rnd: random.Random, report: dict, state: dict[str, float]) -> dict:
    """The same report with load and traffic as a lab host's usually are: a 5-minute load
    average drifting a little from report to report, links idle but for a burst now and
    then."""
    state["load"] = max(0.0, state.get("load", 0.3) + rnd.gauss(0, 0.03))
    report["loadaverage"][0]["value"] = f"{state['load']:.2f}"
    for category in ("netrx", "nettx"):
        burst = rnd.random() < 0.05
        report[category][0]["value"] = f"{rnd.uniform(20, 60) if burst else rnd.random() * 0.3:.1f}"
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--own-mariadb",
        metavar="SIZE",
        help="run on a MariaDB server of its own with this InnoDB buffer pool (e.g. 2G)",
    )
    args = parser.parse_args()
    if not args.own_mariadb:
        on_database(URL, args.hosts, args.rounds)
        return
    use_database(URL)  # testing.nodes imports Django's settings, read once set up
    from testing.nodes import mariadb_server

    with (
        tempfile.TemporaryDirectory(prefix="labnet-bench-nms-") as directory,
        mariadb_server(
            Path(directory),
            f"--innodb-buffer-pool-size={args.own_mariadb}",
            "--innodb-flush-log-at-trx-commit=1",  # durable, as the shared server and production
        ) as server,
    ):
        print(f"MariaDB of its own: buffer pool {args.own_mariadb}, flush at every commit")
        on_database(server.url(DATABASE), args.hosts, args.rounds)


def on_database(url: str, hosts: int, rounds: int) -> None:
    use_database(url)
    create_database(url, fresh=True)
    try:
        run(hosts, rounds)
    finally:
        drop_database(url)


def run(hosts: int, rounds: int) -> None:
    manage("migrate", "-v0")
    started = time.perf_counter()
    # Servers and clients are about 60% of gendata's clones; the demo's own hosts are extra.
    manage("gendata", "--entities", str(int(hosts / 0.6) + 50))
    print(f"campus: gendata in {time.perf_counter() - started:.0f} s")

    import django

    django.setup()
    logging.getLogger("labnet.nms").setLevel(logging.ERROR)  # nobody to mail in the campus
    from django.db import connection, transaction
    from django.test import Client
    from django.utils import timezone

    from entities.models import Entity
    from nms.ingest import BATCH, ingest_pending, ingest_report, queue_report
    from nms.levels import monitoring_settings
    from nms.models import Sample
    from nms.overview import overview
    from testing import factories as base
    from testing import nms as factories

    factories.demo_levels()
    factories.monitoring_settings(hold_reports="2", report_interval="300")
    names = sorted(
        Entity.objects.filter(entity_type__name__in=["server", "client"]).values_list(
            "name", flat=True
        )
    )[:hosts]
    print(f"hosts: {len(names)} servers and clients, {CATEGORIES} categories, 25 readings each")
    rnd = random.Random(7)
    troubled = set(rnd.sample(names, len(names) // 50))
    now = timezone.now() - timedelta(minutes=5 * (4 * rounds + 3))
    previous: dict[tuple[str, str, str], str] = {}

    def first_rule_rows(name: str, report: dict) -> int:
        """The rows the first rule stored: every change of value, the load every report."""
        rows = 0
        for category, readings in report.items():
            for r in readings:
                key = (name, category, r["item"])
                rows += category == "loadaverage" or previous.get(key) != r["value"]
                previous[key] = r["value"]
        return rows

    hosts_state: dict[str, dict[str, float]] = {name: {} for name in names}

    def one_round(
        round_no: int, steadier: bool = False, batched: bool = True
    ) -> tuple[float, float, float, int, int]:
        """(wall and CPU seconds applying the round, wall seconds queueing it, samples
        stored, rows the first rule stores)."""
        samples_before = Sample.objects.count()
        first_rule = 0
        reports = []
        for name in names:
            report = host_report(rnd, name, round_no, name in troubled)
            if steadier:
                report = steady(rnd, report, hosts_state[name])
            first_rule += first_rule_rows(name, report)
            reports.append((name, report))
        queueing = 0.0
        if batched:
            queueing = time.perf_counter()
            for name, report in reports:
                queue_report(name, report, received=now, taken=now)
            queueing = time.perf_counter() - queueing
        wall, cpu = time.perf_counter(), time.process_time()
        if batched:
            drained = ingest_pending()
            assert len(drained.applied) == len(names) and not drained.refused
        else:
            for name, report in reports:
                ingest_report(name, report, now=now)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        stored = Sample.objects.count() - samples_before
        return wall, cpu, queueing, stored, first_rule

    wall, _, _, stored, _ = one_round(0)
    rate = len(names) * CATEGORIES / wall
    print(
        f"first report of every host (statuses made), batched: {rate:,.0f} reports/s "
        f"({stored:,} samples)"
    )
    totals = {mode: [0.0, 0.0, 0.0] for mode in (True, False)}
    total_stored = total_first_rule = 0
    for round_no in range(1, 2 * rounds + 1):
        now += timedelta(minutes=5)
        batched = round_no % 2 == 1
        wall, cpu, queueing, stored, first_rule = one_round(round_no, batched=batched)
        for n, figure in enumerate((wall, cpu, queueing)):
            totals[batched][n] += figure
        total_stored, total_first_rule = total_stored + stored, total_first_rule + first_rule
    reports = len(names) * CATEGORIES * rounds
    host_reports = 2 * reports / CATEGORIES
    ingest_rate = reports / totals[True][0]
    one_rate = reports / totals[False][0]
    print(
        f"sustained ingest, {rounds} rounds each, alternating, load average "
        f"{os.getloadavg()[0]:.1f}:\n"
        f"  batched ({BATCH} hosts a transaction): {ingest_rate:,.0f} reports/s "
        f"({ingest_rate / CATEGORIES:,.0f} hosts/s; {totals[True][1] / totals[True][0]:.0%} of "
        f"the wall time in this process) — target {TARGET:,} on one core, campus load 333\n"
        f"  baseline, one report a transaction (before): {one_rate:,.0f} reports/s "
        f"({totals[False][1] / totals[False][0]:.0%} in this process); batched is "
        f"{ingest_rate / one_rate:.1f}x\n"
        f"  queueing each host's report (the API's insert and commit, one a host): "
        f"{reports / totals[True][2]:,.0f} reports/s"
    )
    print_rows("load and traffic drawn afresh", total_stored, total_first_rule, host_reports)
    total_stored = total_first_rule = 0
    now += timedelta(minutes=5)
    one_round(2 * rounds + 1, steadier=True)  # from the drawn values to the drifting ones
    for round_no in range(2 * rounds + 2, 4 * rounds + 2):
        now += timedelta(minutes=5)
        _, _, _, stored, first_rule = one_round(round_no, steadier=True)
        total_stored, total_first_rule = total_stored + stored, total_first_rule + first_rule
    print_rows("a steadier campus", total_stored, total_first_rule, host_reports)

    # Baseline: every reading of the same reports inserted as rows, no evaluation.
    rows = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, id FROM nms_host")
        host_ids = dict(cursor.fetchall())
    at = now + timedelta(minutes=5)
    for round_no in range(1, rounds + 1):
        for name in names:
            for category, readings in host_report(rnd, name, round_no, name in troubled).items():
                for r in readings:
                    rows.append(
                        (
                            host_ids[name],
                            category,
                            r["item"],
                            at,
                            r["value"],
                            r.get("detail", ""),
                            "ok",
                        )
                    )
    wall = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(rows), 2000):
            cursor.executemany(
                "INSERT INTO nms_sample (host_id, category, item, time, value, detail, level) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s)",
                rows[start : start + 2000],
            )
    wall = time.perf_counter() - wall
    bulk_rate = reports / wall
    print(
        f"bulk insert of the same readings as {len(rows):,} rows (executemany): "
        f"{bulk_rate:,.0f} reports/s; ingest runs at {ingest_rate / bulk_rate:.2f}x of it"
    )

    # The overview with every host.
    user = base.user("viewer", "bench-viewer")
    client = Client()
    client.force_login(user)
    settings = monitoring_settings()
    data_times, page_times = [], []
    for _ in range(5):
        t = time.perf_counter()
        data = overview(settings=settings)
        data_times.append(time.perf_counter() - t)
        t = time.perf_counter()
        response = client.get("/nms/", HTTP_ACCEPT_ENCODING="gzip")
        page_times.append(time.perf_counter() - t)
    assert response.status_code == 200 and response["Content-Encoding"] == "gzip"
    size = len(gzip.decompress(response.content))
    print(
        f"overview of {len(data.tiles):,} hosts ({data.problems} problems): page p50 "
        f"{statistics.median(page_times) * 1000:.0f} ms ({size / 1e6:.2f} MB of HTML, "
        f"{len(response.content) / 1e3:.0f} kB sent gzipped), its data alone p50 "
        f"{statistics.median(data_times) * 1000:.0f} ms"
    )


def print_rows(campus: str, stored: float, first_rule: float, host_reports: float) -> None:
    per_report, first_per_report = stored / host_reports, first_rule / host_reports
    a_day = 10_000 * REPORTS_A_DAY / 1e6
    print(
        f"history rows per host report (of 25 readings), {campus}: {per_report:.2f} with the "
        f"deadband (heartbeat on the host row) vs {first_per_report:.2f} by the first rule "
        f"(every value change, load every report) — {per_report * a_day:.1f} M vs "
        f"{first_per_report * a_day:.1f} M rows a day at 10,000 hosts"
    )


if __name__ == "__main__":
    main()
