"""Directory figures, each beside a baseline from the same run (real slapds on loopback).

    .venv/bin/python bench/bench_accounts.py [--accounts 15000] [--logins 100] [--rounds 5]

- sign-on load on a syncrepl replica: LOGINS clients at once each open a connection, bind as
  their own account ({ARGON2} hash, as the master stores it) and read their entry; p50/p95
  of one login, beside the same login made one at a time;
- ldapsync of ACCOUNTS linked accounts of which 1% changed on campus (the whole run: reading
  both directories in pages, comparing, writing the changes and their history), beside a
  plain `ldapsearch` dump of both directories, the least any full comparison must read.
Both directories are loaded with slapadd; the history goes to a temporary SQLite database."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from _setup import manage, percentiles, use_database

WORK = Path(tempfile.mkdtemp(prefix="labnet-bench-accounts-"))
use_database(f"sqlite:///{WORK / 'bench.sqlite3'}")

PASSWORD = "bench passphrase 1"


def argon2_hash(password: str) -> str:
    out = subprocess.run(
        ["slappasswd", "-o", "module-path=/usr/lib/ldap", "-o", "module-load=argon2",
         "-h", "{ARGON2}", "-s", password],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return out.stdout.strip()


def labnet_ldif(base: str, accounts: int, password_hash: str) -> str:
    head = f"""dn: {base}
objectClass: dcObject
objectClass: organization
dc: labnet
o: Labnet

dn: ou=people,{base}
objectClass: organizationalUnit
ou: people

dn: ou=groups,{base}
objectClass: organizationalUnit
ou: groups

dn: ou=policies,{base}
objectClass: organizationalUnit
ou: policies

dn: cn=default,ou=policies,{base}
objectClass: organizationalRole
objectClass: pwdPolicy
cn: default
pwdAttribute: userPassword

"""
    people = (
        f"dn: uid=u{n:05d},ou=people,{base}\nobjectClass: inetOrgPerson\n"
        f"objectClass: posixAccount\nobjectClass: shadowAccount\nobjectClass: labnetAccount\n"
        f"uid: u{n:05d}\ncn: Given{n} Family{n}\nsn: Family{n}\ngivenName: Given{n}\n"
        f"mail: u{n:05d}@campus.example\n"
        f"employeeType: student\nuidNumber: {10000 + n}\ngidNumber: 10000\n"
        f"homeDirectory: /home/u{n:05d}\nlabnetLinked: TRUE\nlabnetCampusId: u{n:05d}\n"
        f"userPassword: {password_hash}\n\n"
        for n in range(accounts)
    )
    return head + "".join(people)


def campus_ldif(base: str, accounts: int) -> str:
    head = f"dn: {base}\nobjectClass: organization\no: campus\n\n"
    head += f"dn: ou=people,{base}\nobjectClass: organizationalUnit\nou: people\n\n"
    people = (
        f"dn: uid=u{n:05d},ou=people,{base}\nobjectClass: inetOrgPerson\nuid: u{n:05d}\n"
        f"cn: Given{n} Family{n}\nsn: {'Married' if n % 100 == 0 else 'Family'}{n}\n"
        f"givenName: Given{n}\nmail: u{n:05d}@campus.example\nemployeeType: student\n\n"
        for n in range(accounts)
    )
    return head + "".join(people)


def login(url: str, dn: str) -> float:
    import ldap

    started = time.perf_counter()
    conn = ldap.initialize(url)
    conn.simple_bind_s(dn, PASSWORD)
    conn.search_s(dn, ldap.SCOPE_BASE, attrlist=["uid", "uidNumber", "homeDirectory"])
    conn.unbind_s()
    return time.perf_counter() - started


def bench_logins(replica, base: str, logins: int, rounds: int) -> None:
    dns = [f"uid=u{n:05d},ou=people,{base}" for n in range(logins)]
    alone = [login(replica.url, dn) for dn in dns]
    together: list[float] = []
    lock = threading.Lock()

    def client(dn: str, start: threading.Barrier) -> None:
        start.wait()
        took = login(replica.url, dn)
        with lock:
            together.append(took)

    for _ in range(rounds):
        start = threading.Barrier(logins)
        threads = [threading.Thread(target=client, args=(dn, start)) for dn in dns]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    print(f"login on the replica, {logins} at once ({len(together)}): {percentiles(together)}")
    print(f"  baseline, one at a time ({len(alone)}):        {percentiles(alone)}")


def dump_seconds(server) -> float:
    secret = WORK / f"pw-{server.port}"
    secret.write_text(server.root_pw)
    secret.chmod(0o600)
    started = time.perf_counter()
    subprocess.run(
        ["ldapsearch", "-x", "-LLL", "-H", server.url, "-D", server.root_dn, "-y", str(secret),
         "-b", server.base, "-E", "pr=1000/noprompt", "(objectClass=*)"],
        stdout=subprocess.DEVNULL, check=True,
    )  # fmt: skip
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=15000)
    parser.add_argument("--logins", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    manage("migrate", "-v", "0")
    import django

    django.setup()
    from django.conf import settings

    from accounts.sync import ldapsync
    from testing import slapd
    from testing.live import wait_for

    base = slapd.LABNET_BASE
    ours, theirs = WORK / "labnet.ldif", WORK / "campus.ldif"
    ours.write_text(labnet_ldif(base, args.accounts, argon2_hash(PASSWORD)))
    theirs.write_text(campus_ldif(slapd.CAMPUS_BASE, args.accounts))
    with (
        slapd.running_slapd(WORK / "master", ldif=ours) as master,
        slapd.running_slapd(WORK / "campus", kind="campus", ldif=theirs) as campus,
        slapd.running_slapd(WORK / "replica", kind="replica", provider=master) as replica,
    ):
        last = f"uid=u{args.accounts - 1:05d},ou=people,{base}"

        def replicated() -> bool:
            try:
                return bool(replica.connect().search_s(last, 0))
            except Exception:
                return False

        started = time.perf_counter()
        wait_for(replicated, timeout=600, what="the replica's first refresh")
        print(f"replica refresh of {args.accounts} accounts: {time.perf_counter() - started:.1f} s")
        bench_logins(replica, base, args.logins, args.rounds)

        settings.LABNET_LDAP_URL, settings.LABNET_LDAP_BASE = master.url, base
        settings.LABNET_LDAP_BIND_DN, settings.LABNET_LDAP_BIND_PASSWORD = (
            master.root_dn,
            master.root_pw,
        )
        settings.LABNET_CAMPUS_LDAP_URL = campus.url
        settings.LABNET_CAMPUS_LDAP_BASE = f"ou=people,{campus.base}"
        settings.LABNET_CAMPUS_LDAP_BIND_DN = campus.root_dn
        settings.LABNET_CAMPUS_LDAP_BIND_PASSWORD = campus.root_pw
        started = time.perf_counter()
        dry = ldapsync(dry_run=True)
        dry_seconds = time.perf_counter() - started
        started = time.perf_counter()
        report = ldapsync()
        sync_seconds = time.perf_counter() - started
        dump = dump_seconds(master) + dump_seconds(campus)
        assert len(dry.changed) == len(report.changed) == -(-args.accounts // 100)
        assert ldapsync(dry_run=True).changed == {}
        print(
            f"ldapsync of {report.linked} linked accounts, {len(report.changed)} changed: "
            f"{sync_seconds:.2f} s (dry run {dry_seconds:.2f} s)"
        )
        print(f"  baseline, ldapsearch dump of both directories: {dump:.2f} s")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    try:
        main()
    finally:
        subprocess.run(["rm", "-rf", str(WORK)], check=False)
        os.environ.pop("LABNET_DATABASE_URL", None)
