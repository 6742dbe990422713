"""Machine accounts (masterldap) on gendata's campus, beside a baseline from the same run (a
real slapd on loopback):

- the master's first pass, which creates an account per host (docs/identity.md), in
  requests of at most MAX_WRITES entries as the API writes them;
- the comparison the master's every pass asks for once the directory is in step (nothing
  to write), and after one host's address changed (one entry rewritten);
- baseline: `ldapsearch` of the machines branch as the webtool identity, the least any
  comparison must read, and the configuration's side alone (the hosts' names and addresses
  read from the database).

    .venv/bin/python bench/bench_machines.py [--entities 17000]

The database is a temporary SQLite file; the campus is made with `manage.py gendata`."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from _setup import manage, use_database

WORK = Path(tempfile.mkdtemp(prefix="labnet-bench-machines-"))
use_database(f"sqlite:///{WORK / 'bench.sqlite3'}")


def timed(call):  # noqa: ANN001, ANN201
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entities", type=int, default=17_000)
    args = parser.parse_args()
    manage("migrate", "-v0")
    manage("gendata", "--entities", str(args.entities))

    import django

    django.setup()
    from django.conf import settings

    from accounts.api.views import MAX_WRITES
    from accounts.directory import initialise
    from accounts.machines import configured_machines
    from accounts.services import do_sync_machines
    from entities.models import Entity
    from entities.services import do_set_values
    from testing import slapd

    server = slapd.start_slapd(WORK / "slapd")
    try:
        initialise(server.url, server.root_dn, server.root_pw, server.base, slapd.WEBTOOL_PW)
        settings.LABNET_LDAP_URL, settings.LABNET_LDAP_BASE = server.url, server.base
        settings.LABNET_LDAP_BIND_PASSWORD = slapd.WEBTOOL_PW

        hosts = Entity.objects.filter(entity_type__name__in=("client", "server")).count()
        print(f"campus: {Entity.objects.count():,} entities, {hosts:,} hosts")
        started, rounds, created = time.perf_counter(), 0, 0
        while True:  # as the master's first pass asks: MAX_WRITES entries a request
            done = do_sync_machines("bench", most=MAX_WRITES)
            rounds, created = rounds + 1, created + len(done.created)
            if not done.remaining:
                break
        seconds = time.perf_counter() - started
        print(
            f"first pass: {created:,} accounts created in {rounds} requests of "
            f"{MAX_WRITES:,} writes, {len(done.problems):,} problems   {seconds:7.2f} s"
        )
        seconds, done = timed(lambda: do_sync_machines("bench"))
        assert not (done.created or done.updated or done.removed)
        print(f"comparison in step (each pass of the master)      {seconds:7.2f} s")
        host = Entity.objects.filter(entity_type__name="server", active=True).first()
        do_set_values(host, {"ip": ["10.254.254.254"]}, user="bench")
        seconds, done = timed(lambda: do_sync_machines("bench"))
        changed = len(done.updated)
        print(f"comparison after one host's address changed ({changed})   {seconds:7.2f} s")

        seconds, _ = timed(configured_machines)
        print(f"baseline: the hosts' names and addresses from the database  {seconds:7.2f} s")
        search = [
            "ldapsearch", "-x", "-LLL", "-E", "pr=1000/noprompt", "-H", server.url,
            "-D", f"cn=webtool,ou=system,{server.base}", "-w", slapd.WEBTOOL_PW,
            "-b", f"ou=machines,{server.base}", "(objectClass=posixAccount)",
        ]  # fmt: skip
        seconds, _ = timed(lambda: subprocess.run(search, check=True, stdout=subprocess.DEVNULL))
        print(f"baseline: ldapsearch of the machines branch       {seconds:7.2f} s")
    finally:
        server.stop()
        shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
