"""Host agent figures (issue 5), printed, not asserted, on gendata's campus (17,000 entities,
the demo's managed files in the master store) with the demo server odie as the host:

1. propagation latency, committed change -> file on disk, p50/p95 over 100 changes through
   the real path (the commit's message to a central Celery worker, its fan-out to host.odie,
   one real agent), beside the guide's poll-only design measured in the same run with a
   shorter poll (scaled to the guide's 60 s and said so);
2. fan-out of a change read by 1,000 and 10,000 hosts (synthetic agent records): what the
   committing request pays now (one message to the central worker), and the central task's
   time to find the hosts and publish one message each (what the request paid when the
   fan-out ran in it);
3. a full sanity pass of one host with 200 more managed files: time, files read and written.

Needs Redis on 127.0.0.1:6379 (database 15 is flushed). Everything else (SQLite database,
web server, central worker, agents, LABNET_ROOT) lives in a temporary folder that is removed
at the end.

    .venv/bin/python bench/bench_agent.py [--changes 100] [--poll 2]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _setup import percentiles

BASE = Path(__file__).resolve().parent.parent
BROKER = "redis://127.0.0.1:6379/15"
MOTD = "<Template>\nwelcome to <varVal>room</varVal>.\n</Template>"
GUIDE_POLL = 60.0
FIRST_INSTALL = 600.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.002)
    raise SystemExit(f"timed out waiting for {what}")


def read(path: Path) -> str | None:
    try:
        return path.read_text()
    except FileNotFoundError:
        return None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--changes", type=int, default=100)
    parser.add_argument("--poll", type=float, default=2.0, help="poll-only interval, seconds")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="labnet-bench-agent-"))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "LABNET_DATABASE_URL": f"sqlite:///{tmp / 'labnet.sqlite3'}",
        "LABNET_BROKER_URL": BROKER,
        "LABNET_VAR_DIR": str(tmp / "var"),
        "LABNET_MASTER_STORE": str(tmp / "master"),
        "LABNET_LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "labnet_site.settings"
    sys.path.insert(0, str(BASE))
    import django

    django.setup()
    import redis
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    redis.Redis.from_url(BROKER).flushdb()
    processes: list[subprocess.Popen] = []
    try:
        run(args, tmp, env, processes)
    finally:
        for process in processes:
            process.terminate()
            process.wait(10)
        redis.Redis.from_url(BROKER).flushdb()
        subprocess.run(["rm", "-rf", str(tmp)], check=False)


def run(args, tmp: Path, env: dict, processes: list) -> None:
    from django.core.management import call_command

    from entities import services
    from entities.models import Entity
    from testing import hosts, live
    from workers.services import do_make_host_token

    started = time.monotonic()
    call_command("gendata", stdout=io.StringIO())
    print(f"campus: gendata in {time.monotonic() - started:.0f} s")
    odie = Entity.objects.get(entity_type__name="server", name="odie")
    services.do_set_values(odie, {"room": ["EN0"]}, user="bench")
    hosts.managed_file("motd", "/etc/motd", {"default_server": (MOTD, True)})
    port = free_port()
    server = f"http://127.0.0.1:{port}"
    processes.append(
        subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=BASE,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    )
    wait_for(lambda: _answers(port), 30, "the web server")
    token = do_make_host_token("odie")

    def agent(mode: str, name: str, *extra: str) -> tuple[subprocess.Popen, Path]:
        root = tmp / name / "root"
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "workers.host",
                mode,
                "odie",
                "--server",
                server,
                "--token",
                token,
                "--broker",
                BROKER,
                "--root",
                str(root),
                "--etc",
                str(tmp / name / "etc"),
                *extra,
            ],
            cwd=BASE,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        processes.append(process)
        return process, root / "etc" / "motd"

    def latencies(motd: Path, count: int, spread: float) -> list[float]:
        samples = []
        for i in range(1, count + 1):
            if spread:  # changes land at a random phase of the poll
                time.sleep((i * 0.618) % 1 * spread)
            started = time.monotonic()
            services.do_set_values(odie, {"room": [f"EN{i}"]}, user="bench")
            wait_for(lambda i=i: read(motd) == f"welcome to EN{i}.\n", 120, f"change {i}")
            samples.append(time.monotonic() - started)
        return samples

    print(f"Labnet host agent benchmark ({args.changes} changes, one agent)\n")
    with live.central_worker(BROKER, tmp / "central.log"):
        started = time.monotonic()
        push, motd = agent("run", "push", "--poll-interval", "3600")
        # The first pass fetches the whole campus's mirror and installs all of odie's files.
        wait_for(lambda: read(motd) == "welcome to EN0.\n", FIRST_INSTALL, "the first install")
        first = time.monotonic() - started
        print(f"first install (agent start, mirror, every file): {first:.1f} s\n")
        pushed = latencies(motd, args.changes, 0)
        push.terminate()
        push.wait(10)
    services.do_set_values(odie, {"room": ["EN0"]}, user="bench")
    poll_count = max(10, args.changes // 5)
    poller, motd = agent("poll", "poll", "--poll-interval", str(args.poll))
    wait_for(lambda: read(motd) == "welcome to EN0.\n", FIRST_INSTALL, "the first install (poll)")
    polled = latencies(motd, poll_count, args.poll)
    poller.terminate()
    poller.wait(10)
    scale = GUIDE_POLL / args.poll
    print("1. Propagation, commit -> file on disk")
    rows = [
        ("push (central worker, agent)", pushed, f"n={len(pushed)}"),
        (f"poll every {args.poll:g} s (measured)", polled, f"n={len(polled)}"),
        (
            f"poll every 60 s (x{scale:g} scaled)",
            [s * scale for s in polled],
            "(the guide's lnsysconfigd design)",
        ),
    ]
    for label, samples, note in rows:
        print(f"   {label:30s}{percentiles(samples)}   {note}")
    print(
        f"   push p50 is {statistics.median(polled) * scale / statistics.median(pushed):,.0f}x"
        " faster than the guide's poll\n"
    )

    fanout(services, Entity)
    sanity(tmp, server, token, env, hosts)


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def fanout(services, Entity) -> None:
    from django.contrib.auth.models import User

    from entities.services import changes_committed
    from testing import factories
    from workers import fanout as fan
    from workers import tasks
    from workers.models import AgentHost, HostRead

    room_type = factories.entity_type("room", building={})
    room = factories.entity(room_type, "EN1018", building="engineering")
    print("2. Fan-out of a change to a room entity that every host reads (Redis)")
    print("              committing request            central worker's task")
    print("    hosts       in all  its one message         in all  finding hosts  published")
    made = 0
    captured: list = []
    changes_committed.connect(lambda changes, **_: captured.extend(changes), weak=False)
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
        captured.clear()
        started = time.monotonic()
        services.do_set_values(room, {"building": [f"b{target}"]}, user="bench")
        request = time.monotonic() - started
        first, last = captured[0].seq, captured[-1].seq
        started = time.monotonic()
        fan.on_changes_committed(None, captured)
        message = time.monotonic() - started
        started = time.monotonic()
        fan.affected_hosts(captured)
        finding = time.monotonic() - started
        started = time.monotonic()
        sent = tasks.fan_out(first, last)
        central = time.monotonic() - started
        print(
            f"   {target:>6,}  {request * 1000:8.1f} ms  {message * 1000:12.1f} ms"
            f"  {central * 1000:10.1f} ms  {finding * 1000:10.1f} ms  {sent:>9,}"
        )
    print(
        "   The central task's time is what the committing request paid while the fan-out ran"
        " in it.\n   (Synthetic agent records reading one room entity.)\n"
    )


def sanity(tmp: Path, server: str, token: str, env: dict, hosts) -> None:
    template = "<Template>\n# file {n}\nroom <varVal>room</varVal> of <self/>.\n</Template>"
    for n in range(200):
        hosts.managed_file(
            f"bench{n:03d}.conf",
            f"/etc/bench/{n:03d}.conf",
            {"default_server": (template.replace("{n}", str(n)), True)},
        )
    print(
        "3. Sanity pass, one host, the campus's files and 200 more (python -m workers.host sanity)"
    )
    command = [
        sys.executable,
        "-m",
        "workers.host",
        "sanity",
        "odie",
        "--server",
        server,
        "--token",
        token,
        "--root",
        str(tmp / "sanity" / "root"),
        "--etc",
        str(tmp / "sanity" / "etc"),
    ]
    for label in ("first (mirror and every file new)", "again (nothing changed)"):
        started = time.monotonic()
        done = subprocess.run(command, cwd=BASE, env=env, capture_output=True)
        wall = time.monotonic() - started
        try:
            report = json.loads(done.stdout)
        except ValueError:  # no report: the command failed before its pass
            print(f"   {label}: exit status {done.returncode}\n{done.stderr.decode()[-2000:]}")
            return
        print(
            f"   {label:36s} {report['duration'] * 1000:7.0f} ms in the pass"
            f" ({wall:.2f} s with interpreter start), {report['files_read']} files read,"
            f" {report['files_written']} written, exit status {done.returncode}"
        )
        # The sanity command exits 1 when its report has errors: say which.
        for error in report["errors"]:
            print(f"      error: {json.dumps(error)}")


if __name__ == "__main__":
    main()
