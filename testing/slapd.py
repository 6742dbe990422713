"""A real OpenLDAP slapd on a free 127.0.0.1 port, from a temp dir, for tests and benchmarks.

    with running_slapd(tmp_path / "ldap") as server:           # the Labnet master
        conn = ldap.initialize(server.url); conn.simple_bind_s(server.root_dn, server.root_pw)
    with running_slapd(tmp_path / "campus", kind="campus") as campus: ...
    with running_slapd(tmp_path / "replica", kind="replica", provider=server) as replica: ...

A "master" loads Labnet's schemas and the modules the production template loads (back_mdb,
ppolicy, syncprov, unique, argon2) with ppolicy's default policy at cn=default,ou=policies; a
"replica" copies a master with syncrepl (refreshAndPersist); a "campus" is a plain directory
under o=campus standing for the university's. The config is checked with `slaptest -u` first,
then slapd runs in the foreground (`-d none`) until stop()."""

from __future__ import annotations

import shutil
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import ldap

from accounts.layout import SCHEMAS
from testing.live import exited, on_a_free_port, wait_for

SLAPD = Path("/usr/sbin/slapd")
SLAPTEST = Path("/usr/sbin/slaptest")
SLAPADD = Path("/usr/sbin/slapadd")
MODULE_DIR = Path("/usr/lib/ldap")

LABNET_BASE = "dc=labnet,dc=example"
CAMPUS_BASE = "o=campus"
ROOT_PW = "root-secret-for-tests"
WEBTOOL_PW = "webtool-secret-for-tests"


def available() -> bool:
    """Whether this machine has slapd (scripts/setup installs slapd)."""
    return SLAPD.exists() and SLAPTEST.exists()


@dataclass
class Slapd:
    """A running slapd."""

    directory: Path
    port: int
    kind: str
    base: str
    process: subprocess.Popen[bytes]
    log: Path
    root_pw: str = ROOT_PW

    @property
    def url(self) -> str:
        return f"ldap://127.0.0.1:{self.port}/"

    @property
    def root_dn(self) -> str:
        return f"cn=admin,{self.base}"

    def connect(self) -> ldap.ldapobject.LDAPObject:
        """A connection bound as the directory's root."""
        conn = ldap.initialize(self.url)
        conn.protocol_version = 3
        conn.simple_bind_s(self.root_dn, self.root_pw)
        return conn

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _config(directory: Path, kind: str, base: str, provider: Slapd | None) -> str:
    modules = ["back_mdb"]
    if kind != "campus":
        modules += ["ppolicy", "syncprov", "unique", "argon2"]
    schemas = SCHEMAS if kind != "campus" else SCHEMAS[:4]
    lines = [*(f"include {schema}" for schema in schemas)]
    lines += [
        f"modulepath {MODULE_DIR}",
        *(f"moduleload {module}" for module in modules),
        f"pidfile {directory / 'slapd.pid'}",
        f"argsfile {directory / 'slapd.args'}",
        "sizelimit 50000",
    ]
    if kind != "campus":
        lines.append("password-hash {ARGON2}")
    lines += [
        "database mdb",
        f'suffix "{base}"',
        f'rootdn "cn=admin,{base}"',
        f"rootpw {ROOT_PW}",
        f"directory {directory / 'data'}",
        "maxsize 1073741824",
        "dbnosync",  # a throw-away directory: no fsync per write
        "index objectClass,uid,uidNumber,memberUid,cn eq",
    ]
    if kind != "campus":
        webtool = f"cn=webtool,ou=system,{base}"
        lines += [
            "index labnetLinked,labnetCampusId eq",
            # syncrepl finds each entry by entryUUID: unindexed, a refresh is quadratic.
            "index entryCSN,entryUUID eq",
            # The webtool's identity manages the tree; a person changes their own password.
            # write, not manage, on the password: manage would skip ppolicy's quality check.
            "access to attrs=userPassword,sambaNTPassword,sambaLMPassword",
            f'  by dn.exact="{webtool}" =wx',
            "  by self =wx",
            "  by anonymous auth",
            "  by * none",
            "access to *",
            f'  by dn.exact="{webtool}" manage',
            "  by users read",
            "  by * none",
        ]
    if kind == "replica":
        assert provider is not None
        lines += [
            f"syncrepl rid=001 provider={provider.url} bindmethod=simple"
            f' binddn="{provider.root_dn}" credentials={provider.root_pw}'
            f' searchbase="{base}" type=refreshAndPersist retry="1 +"',
            f"updateref {provider.url}",
        ]
    if kind != "campus":
        lines += [
            "overlay ppolicy",
            f'ppolicy_default "cn=default,ou=policies,{base}"',
            "ppolicy_use_lockout",
            "ppolicy_hash_cleartext",
        ]
    if kind == "master":
        lines += [
            "overlay unique",
            f"unique_uri ldap:///ou=people,{base}?uidNumber,uid?sub",
            "overlay syncprov",
            "syncprov-checkpoint 100 10",
        ]
    return "\n".join(lines) + "\n"


def start_slapd(
    directory: Path, kind: str = "master", provider: Slapd | None = None, ldif: Path | None = None
) -> Slapd:
    """Start slapd from directory (created; it holds config, data and log) and wait until it
    answers, on another free port when the one picked is taken before slapd binds it. Stop it
    with .stop(). ldif, whole tree included, is loaded first with slapadd
    (tens of thousands of entries in seconds, for benchmarks)."""
    if kind not in ("master", "replica", "campus"):
        raise ValueError(f"unknown slapd kind {kind!r}")
    base = CAMPUS_BASE if kind == "campus" else LABNET_BASE
    if directory.exists():
        shutil.rmtree(directory)
    (directory / "data").mkdir(parents=True)
    config = directory / "slapd.conf"
    config.write_text(_config(directory, kind, base, provider))
    check = subprocess.run([str(SLAPTEST), "-f", str(config), "-u"], capture_output=True, text=True)
    if check.returncode != 0:
        raise RuntimeError(f"slaptest refused {config}: {check.stderr[-2000:]}")
    if ldif is not None:
        load = subprocess.run(
            [str(SLAPADD), "-q", "-f", str(config), "-l", str(ldif)], capture_output=True, text=True
        )
        if load.returncode != 0:
            raise RuntimeError(f"slapadd refused {ldif}: {load.stderr[-2000:]}")
    server = on_a_free_port(lambda port: _serve(directory, kind, base, config, port), "slapd")
    try:
        if kind == "campus" and ldif is None:
            _add_campus_tree(server)
    except BaseException:
        server.stop()
        raise
    return server


def _serve(directory: Path, kind: str, base: str, config: Path, port: int) -> Slapd:
    """slapd on port, once it answers. At debug level none it logs only what always matters,
    such as a bind that failed."""
    log = directory / "slapd.log"
    logged_before = log.stat().st_size if log.exists() else 0
    with log.open("ab") as out:
        process = subprocess.Popen(
            [str(SLAPD), "-d", "none", "-h", f"ldap://127.0.0.1:{port}/", "-f", str(config)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Slapd(directory, port, kind, base, process, log)

    def answers() -> bool:
        if process.poll() is not None:
            exited("slapd", process, log, logged_before)
        try:
            server.connect().unbind_s()
        except ldap.LDAPError:
            return False
        return True

    try:
        wait_for(answers, timeout=20, what=f"slapd on 127.0.0.1:{port}")
    except BaseException:
        server.stop()
        raise
    return server


def _add_campus_tree(server: Slapd) -> None:
    conn = server.connect()
    conn.add_s(server.base, [("objectClass", [b"organization"]), ("o", [b"campus"])])
    conn.add_s(
        f"ou=people,{server.base}",
        [("objectClass", [b"organizationalUnit"]), ("ou", [b"people"])],
    )
    conn.unbind_s()


@contextmanager
def running_slapd(
    directory: Path, kind: str = "master", provider: Slapd | None = None, ldif: Path | None = None
) -> Iterator[Slapd]:
    """start_slapd for the block's length."""
    server = start_slapd(directory, kind, provider, ldif)
    try:
        yield server
    finally:
        server.stop()
