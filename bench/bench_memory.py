"""Peak memory (VmHWM, the resident set's high-water mark) of Labnet's long-running processes
on gendata's campus (17,000 entities, the demo's managed files), printed, not asserted,
each beside a bare interpreter that imports the same code, measured in the same run:

- the web worker after serving both agents' first download of the whole mirror (in pages),
  their change feeds and reports: one gunicorn worker process of 4 threads, as deployed
  (docs/deployment.md), or with --web runserver `manage.py runserver` (a new thread, and
  so a new database connection, per request);
- the central worker (celery, queue central) after fanning out one change to 10,000 hosts
  (synthetic agent records reading one room entity) and the pushes below;
- the agent of the demo server odie (an appserver of 14 clients) and of one client, after
  their first pass (mirror download, every file installed) and 10 pushed changes of their
  own entity each, every template given up to --template-seconds (600) to render, so that
  none stops early on a loaded machine. The target: an agent on a client stays under 60 MB;
- then a second web worker, fresh, sent one kind of request at a time as the agents sent
  them (the whole mirror in pages, the change feed's largest page, each agent's report of
  its reads): its peak after each says which request makes the web worker's peak.

Needs Redis on 127.0.0.1:6379 (database 11 is flushed). Everything else (SQLite database,
processes, LABNET_ROOT) lives in a temporary folder that is removed at the end.

    .venv/bin/python bench/bench_memory.py [--changes 10] [--web gunicorn|runserver]
        [--template-seconds 600]
"""

from __future__ import annotations

import argparse
import io
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
BROKER = "redis://127.0.0.1:6379/11"
CLIENT_TARGET_MB = 60
FIRST_PASS = 900.0
FANOUT_HOSTS = 10_000
# What each process imports before it does anything: its bare interpreter's peak.
BARE = {
    "web": "import django; django.setup(); import labnet_site.urls",
    "central": "import django; django.setup(); import labnet_site.celery, workers.tasks",
    "agent": "import workers.host.worker, workers.host.agent, workers.host.consumer,"
    " kombu.transport.redis, nms.host, imaging.host, printing.host, backups.host, wimp.host",
}


def peak_mb(pid: int, key: str = "VmHWM") -> float:
    """VmHWM (or another /proc status figure) of pid and its children (the largest), in MB."""
    pids = [pid]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            pids.append(int(stat.parent.name))
    return max(_status_kb(p, key) for p in pids) / 1024


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def bare_mb(kind: str, env: dict) -> float:
    """The peak of a fresh interpreter that only imports what the process imports."""
    return _child_peak_mb(BARE[kind], env)


def download_mb(tmp: Path, env: dict) -> tuple[float, int, float, float]:
    """The whole mirror download's size as JSON, its number of pages, its largest page's
    size, and the peak of a bare interpreter that parses that page (what an agent holds)."""
    from workers.host.mirror import MIRROR_PAGE
    from workers.mirror_export import mirror_page

    path, total, pages, after, largest = tmp / "page.json", 0, 0, None, b""
    while pages == 0 or after is not None:
        answer = mirror_page(after, MIRROR_PAGE)
        page = b"".join(answer.chunks())
        total, pages, after = total + len(page), pages + 1, answer.next
        largest = max(largest, page, key=len)
    path.write_bytes(largest)
    parse = "import json, sys; json.load(open(sys.argv[1]))"
    return total / 1e6, pages, len(largest) / 1e6, _child_peak_mb(parse, env, str(path))


def _child_peak_mb(code: str, env: dict, *args: str) -> float:
    """VmHWM of `python -c code args`. Not ru_maxrss: Linux keeps that across exec, so it
    would be this big process's."""
    code += "\nimport os; print(open(f'/proc/{os.getpid()}/status').read())"
    done = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=BASE, env=env, capture_output=True, check=True
    )
    line = next(x for x in done.stdout.decode().splitlines() if x.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=10)
    parser.add_argument("--web", choices=["gunicorn", "runserver"], default="gunicorn")
    parser.add_argument(
        "--template-seconds",
        type=float,
        default=600.0,
        help="the agents' limit on one template's rendering (Labnet's is 10 s): a template"
        " stopped by it on a loaded machine would leave its memory out of the peak",
    )
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="labnet-bench-memory-"))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DJANGO_SETTINGS_MODULE": "labnet_site.settings",
        "LABNET_DATABASE_URL": f"sqlite:///{tmp / 'labnet.sqlite3'}",
        "LABNET_BROKER_URL": BROKER,
        "LABNET_VAR_DIR": str(tmp / "var"),
        "LABNET_MASTER_STORE": str(tmp / "master"),
        "LABNET_LOG_LEVEL": "WARNING",
        "LABNET_DEBUG": "0",
    }
    os.environ.update(env)
    sys.path.insert(0, str(BASE))
    import django

    django.setup()
    import redis
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    redis.Redis.from_url(BROKER).flushdb()
    try:
        run(args, tmp, env)
    finally:
        redis.Redis.from_url(BROKER).flushdb()
        subprocess.run(["rm", "-rf", str(tmp)], check=False)


def run(args, tmp: Path, env: dict) -> None:
    from django.core.management import call_command

    from entities import services
    from entities.models import Change, Entity
    from testing import live
    from workers.services import do_make_host_token

    started = time.monotonic()
    call_command("gendata", stdout=io.StringIO())
    print(
        f"campus: gendata in {time.monotonic() - started:.0f} s,"
        f" {Entity.objects.count():,} entities"
    )
    odie = Entity.objects.get(entity_type__name="server", name="odie")
    client = Entity.objects.filter(entity_type__name="client").order_by("name").first()
    port = live.free_port()
    server = f"http://127.0.0.1:{port}"
    processes: dict[str, subprocess.Popen] = {}
    try:
        processes["web"] = web_server(args.web, port, env)
        live.wait_for(lambda: _answers(port), 60, "the web server")
        with live.central_worker(BROKER, tmp / "central.log") as central:
            processes["central"] = central
            for name, entity in (("agent, server odie", odie), ("agent, client", client)):
                processes[name] = _agent(tmp, env, server, entity.name, args.template_seconds)
            for name in ("agent, server odie", "agent, client"):
                live.wait_for(lambda name=name: _last_seq(tmp, name) is not None, FIRST_PASS, name)
            print(f"both agents' first pass done in {time.monotonic() - started:.0f} s")
            _first_pass_errors((odie.name, client.name))
            for i in range(args.changes):
                for entity in (odie, client):
                    services.do_set_values(entity, {"room": [f"M{i}"]}, user="bench")
            last = Change.objects.latest("seq").seq
            for name in ("agent, server odie", "agent, client"):
                live.wait_for(lambda name=name: (_last_seq(tmp, name) or 0) >= last, 300, name)
            _fanout(services)
            peaks = {name: peak_mb(p.pid) for name, p in processes.items()}
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            try:
                process.wait(60)  # an agent finishes the pass it is in first
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    tokens = {host: do_make_host_token(host) for host in (odie.name, client.name)}
    mirror = sum(
        f.stat().st_size for f in (tmp / "agent, client" / "etc").rglob("*") if f.is_file()
    )
    print(
        f"\nPeak RSS (VmHWM), the client's mirror is {mirror / 1e6:.0f} MB on disk;"
        f" web: {args.web}, the agents' template time limit {args.template_seconds:g} s"
    )
    print(f"   {'process':24s} {'peak':>8s} {'bare interpreter':>18s}")
    for name, peak in peaks.items():
        kind = "agent" if name.startswith("agent") else name
        note = (
            f"   target < {CLIENT_TARGET_MB} MB: {'met' if peak < CLIENT_TARGET_MB else 'NOT met'}"
            if name == "agent, client"
            else ""
        )
        print(f"   {name:24s} {peak:6.0f} MB {bare_mb(kind, env):15.0f} MB{note}")
    size, pages, largest, parsed = download_mb(tmp, env)
    print(
        f"   the whole mirror download: {size:.0f} MB of JSON in {pages} pages; the largest"
        f" page, {largest:.1f} MB, parsed alone (json.load) peaks at {parsed:.0f} MB"
    )
    print("\nA fresh web worker, one kind of request at a time: peak (VmHWM) and resident after")
    print(f"   {'request':58s} {'peak':>8s} {'resident':>9s}")
    for what, peak, resident in web_breakdown(tmp, env, tokens, args.web):
        print(f"   {what:58s} {peak:6.0f} MB {resident:6.0f} MB")


def web_server(kind: str, port: int, env: dict) -> subprocess.Popen:
    """A gunicorn of one worker process (4 threads, as deployed) or a runserver."""
    if kind == "gunicorn":
        command = [
            *(sys.executable, "-m", "gunicorn", "labnet_site.wsgi:application"),
            *("--workers", "1", "--threads", "4", "--bind", f"127.0.0.1:{port}"),
            *("--timeout", "300"),
        ]
    else:
        command = [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"]
    return subprocess.Popen(
        command, cwd=BASE, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def web_breakdown(
    tmp: Path, env: dict, tokens: dict[str, str], kind: str
) -> list[tuple[str, float, float]]:
    """A fresh web server of the same kind sent, in turn, what the agents sent the first one:
    registration, the whole mirror in pages (as an agent, one page at a time), the change
    feed's largest page (FEED_PAGE changes from the start) and each agent's sanity report with
    its reads,
    stored for the first time (its earlier rows cleared by a report reading nothing). After
    each: the process's peak and resident set, in MB."""
    import uuid

    from testing import live
    from workers.host.client import ApiClient
    from workers.host.deps import DepsFile, entity_reads
    from workers.host.mirror import FEED_PAGE, MIRROR_PAGE, LocalMirror, download_whole

    port = live.free_port()
    web = web_server(kind, port, env)
    steps = []

    def note(what: str) -> None:
        steps.append((what, peak_mb(web.pid), peak_mb(web.pid, "VmRSS")))

    try:
        live.wait_for(lambda: _answers(port), 60, "the second web server")
        clients = {h: ApiClient(f"http://127.0.0.1:{port}", t) for h, t in tokens.items()}
        for host, client in clients.items():
            client.post(f"agents/{host}/register/", {})
        note("started, both agents registered")
        replay = tmp / "replay"
        mirror = LocalMirror(replay / "etc", replay / "last_seq")
        download_whole(next(iter(clients.values())), mirror)
        note(f"the whole mirror in pages of {MIRROR_PAGE} entities, one agent")
        feed = next(iter(clients.values())).get("changes/", {"since": 0, "limit": FEED_PAGE})
        note(f"the change feed from the start ({len(feed['changes']):,} changes, one page)")
        for host, client in clients.items():
            folder = "agent, server odie" if host == "odie" else "agent, client"
            reads, _ = entity_reads(DepsFile(tmp / folder / "etc" / ".agent" / "deps.json").load())
            for listed in ([], reads):
                report = {"id": str(uuid.uuid4()), "kind": "sanity", "seq": 0, "reads": listed}
                client.post(f"agents/{host}/reports/", report)
            note(f"{host}'s report with its reads ({len(reads):,} entities)")
    finally:
        web.terminate()
        web.wait(60)
    return steps


def _first_pass_errors(hosts: tuple[str, ...]) -> None:
    """The files each agent's first pass could not install (a template over its time limit
    on a loaded machine holds less in memory than one that finishes)."""
    from workers.models import AgentReport

    for host in hosts:
        report = AgentReport.objects.filter(host__name=host).order_by("pk").first()
        if report is None:
            print(f"   {host}'s first pass: no report")
            continue
        by_file: dict[str, list[str]] = {}
        for error in report.errors:
            by_file.setdefault(error.get("file", ""), []).append(error.get("message", ""))
        print(f"   {host}'s first pass: {sum(map(len, by_file.values()))} errors")
        # One message a file says what kind: the campus's appservers have no boot files (kernels,
        # pxelinux.0) in the bench's agent root, so their `appserver` check names each client.
        for file, messages in sorted(by_file.items()):
            print(f"      {file or '(the pass)'}: {len(messages)}, e.g. {messages[0][:120]}")


def _agent(tmp: Path, env: dict, server: str, host: str, seconds: float) -> subprocess.Popen:
    """`python -m workers.host run host`, with the template time limit set to seconds."""
    from workers.services import do_make_host_token

    folder = tmp / ("agent, server odie" if host == "odie" else "agent, client")
    start = (
        "import sys; import filemgr.templating.context as limits;"
        f" limits.MAX_SECONDS = {seconds!r};"
        " from workers.host.__main__ import main; sys.exit(main(sys.argv[1:]))"
    )
    command = [
        *(sys.executable, "-c", start, "run", host, "--server", server),
        *("--token", do_make_host_token(host), "--broker", BROKER, "--poll-interval", "3600"),
        *("--root", str(folder / "root"), "--etc", str(folder / "etc")),
    ]
    return subprocess.Popen(
        command, cwd=BASE, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def _last_seq(tmp: Path, name: str) -> int | None:
    try:
        return int((tmp / name / "etc" / ".agent" / "last_seq").read_text())
    except (FileNotFoundError, ValueError):
        return None


def _fanout(services) -> None:
    """A change of a room that 10,000 synthetic agents read, fanned out by the central
    worker; waits until the last host's queue holds its message."""
    import redis
    from django.contrib.auth.models import User

    from testing import factories, live
    from workers.models import AgentHost, HostRead

    room = factories.entity(factories.entity_type("room", building={}), "EN1018", building="e")
    users = User.objects.bulk_create(
        [User(username=f"lab{i:05d}@agent") for i in range(FANOUT_HOSTS)]
    )
    agents = AgentHost.objects.bulk_create(
        [AgentHost(name=f"lab{i:05d}", user=u) for i, u in enumerate(users)]
    )
    HostRead.objects.bulk_create(
        [HostRead(host=a, entity_type="room", entity="EN1018") for a in agents]
    )
    services.do_set_values(room, {"building": ["w"]}, user="bench")
    queues = redis.Redis.from_url(BROKER)
    last = f"host.lab{FANOUT_HOSTS - 1:05d}"
    live.wait_for(lambda: queues.exists(last), 120, "the fan-out to 10,000 hosts")


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


if __name__ == "__main__":
    main()
