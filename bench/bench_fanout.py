"""The central worker's fan-out of one change to 1,000 and 10,000 hosts on gendata's campus
(17,000 entities, the demo's managed files; synthetic agent records, each reading one room
entity), printed, not asserted, beside baselines from the same run:

- workers.tasks.fan_out as the central worker runs it: load the changes, find the hosts,
  publish one sync per host (on Redis one command per 1,000 hosts);
- baseline, one Producer.publish per host (how the fan-out published before: a Redis round
  trip per host), after the same finding of the hosts;
- finding the hosts alone (part of both);
- bare pipeline: LPUSH of the same number of ready-made messages through one redis-py
  pipeline, without Labnet or kombu (the floor of the fan-out's previous publishing, a
  pipelined LPUSH per host).

Target: under 0.5 s of central-worker time for 10,000 hosts. Each figure is the median of
--repeat runs, interleaved. Needs Redis on 127.0.0.1:6379 (database 12 is flushed); the
SQLite database lives in a temporary folder that is removed at the end.

    .venv/bin/python bench/bench_fanout.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
BROKER = "redis://127.0.0.1:6379/12"
TARGET_SECONDS = 0.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="labnet-bench-fanout-"))
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "labnet_site.settings",
            "LABNET_DATABASE_URL": f"sqlite:///{tmp / 'labnet.sqlite3'}",
            "LABNET_BROKER_URL": BROKER,
            "LABNET_VAR_DIR": str(tmp / "var"),
            "LABNET_MASTER_STORE": str(tmp / "master"),
            "LABNET_LOG_LEVEL": "WARNING",
        }
    )
    sys.path.insert(0, str(BASE))
    import django

    django.setup()
    import redis
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    queues = redis.Redis.from_url(BROKER)
    queues.flushdb()
    try:
        run(args.repeat, queues)
    finally:
        queues.flushdb()
        subprocess.run(["rm", "-rf", str(tmp)], check=False)


def run(repeat: int, queues) -> None:
    from django.contrib.auth.models import User
    from django.core.management import call_command

    from entities import services
    from entities.models import Change, Entity
    from testing import factories
    from workers import fanout, tasks
    from workers.models import AgentHost, HostRead

    started = time.monotonic()
    call_command("gendata", stdout=io.StringIO())
    print(
        f"campus: gendata in {time.monotonic() - started:.0f} s,"
        f" {Entity.objects.count():,} entities; load average {os.getloadavg()[0]:.1f}\n"
    )
    room = factories.entity(factories.entity_type("room", building={}), "EN1018", building="e")
    print("Fan-out of one change of a room entity every host reads (Redis), median of", repeat)
    print(
        f"   {'hosts':>6s}  {'fan_out (central task)':>22s}  {'baseline: publish per host':>26s}"
        f"  {'ratio':>5s}  {'bare pipeline':>20s}  {'finding the hosts':>17s}"
    )
    made = 0
    for target in (1_000, 10_000):
        users = User.objects.bulk_create(
            [User(username=f"lab{i:05d}@agent") for i in range(made, target)]
        )
        agents = AgentHost.objects.bulk_create(
            [
                AgentHost(name=f"lab{i:05d}", user=u)
                for i, u in zip(range(made, target), users, strict=True)
            ]
        )
        HostRead.objects.bulk_create(
            [HostRead(host=a, entity_type="room", entity="EN1018") for a in agents]
        )
        made = target
        pipelined, finding, per_host, floor = [], [], [], []
        for n in range(repeat):
            services.do_set_values(room, {"building": [f"b{target}-{n}"]}, user="bench")
            seq = Change.objects.latest("seq").seq
            queues.flushdb()
            t = time.perf_counter()
            sent = tasks.fan_out(seq, seq)
            pipelined.append(time.perf_counter() - t)
            assert sent == target and queues.llen(f"host.lab{target - 1:05d}") == 1
            queues.flushdb()
            t = time.perf_counter()
            hosts = fanout.affected_hosts(Change.objects.filter(seq=seq))
            finding.append(time.perf_counter() - t)
            publish_each(hosts, seq)
            per_host.append(time.perf_counter() - t)
            queues.flushdb()
            t = time.perf_counter()
            bare_pipeline(queues, hosts)
            floor.append(time.perf_counter() - t)
            queues.flushdb()
        new, old = statistics.median(pipelined), statistics.median(per_host)
        print(
            f"   {target:>6,}  {new * 1000:19.1f} ms  {old * 1000:23.1f} ms"
            f"  {old / new:4.1f}x  {statistics.median(floor) * 1000:17.1f} ms"
            f"  {statistics.median(finding) * 1000:14.1f} ms"
        )
    met = "met" if new < TARGET_SECONDS else "NOT met"
    print(f"   target: 10,000 hosts under {TARGET_SECONDS * 1000:.0f} ms: {met}")
    print(f"   load average at the end: {os.getloadavg()[0]:.1f}")


def publish_each(hosts, seq: int) -> None:
    """The fan-out's publishing before the pipeline: one Producer.publish per host."""
    from labnet_site.celery import app
    from workers.fanout import SYNC_TASK

    with app.producer_or_acquire() as producer:
        for host in sorted(hosts):
            message = app.amqp.as_task_v2(uuid.uuid4().hex, SYNC_TASK, args=[1])
            producer.publish(
                message.body,
                exchange="",
                routing_key=f"host.{host}",
                headers=message.headers,
                serializer="json",
                retry=False,
                **message.properties,
            )


def bare_pipeline(queues, hosts) -> None:
    """The same number of LPUSHes of a ready-made 800-byte message, one pipeline."""
    pipe = queues.pipeline(transaction=False)
    message = b"x" * 800
    for host in sorted(hosts):
        pipe.lpush(f"host.{host}", message)
    pipe.execute()


if __name__ == "__main__":
    main()
