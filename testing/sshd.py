"""A real OpenSSH sshd on a free 127.0.0.1 port, for tests and benchmarks that copy over ssh.

    with running_sshd(tmp_path / "sshd") as server:
        subprocess.run(["ssh", *server.ssh_options, "anyname", "true"], check=True)
        subprocess.run(["rsync", "-a", "-e", server.rsh, "src/", "anyname:/dst/"], check=True)

The server has its own host key and accepts one client key; the client side is an ssh_config
file (`server.ssh_config`) that sends every host name to this server with that key and checks
the host key against `server.known_hosts` (StrictHostKeyChecking yes, never "no"), so several
Labnet "servers" can be names for the same sshd. paramiko users take `port`, `user`,
`client_key` and `known_hosts`.
"""

from __future__ import annotations

import getpass
import os
import shlex
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from testing.live import exited, on_a_free_port, wait_for

SSHD = Path("/usr/sbin/sshd")
PRIVILEGE_SEPARATION_DIR = Path("/run/sshd")  # sshd refuses to start without it


def available() -> bool:
    """Whether this machine has sshd (scripts/setup installs openssh-server)."""
    return SSHD.exists()


@dataclass
class Sshd:
    """A running sshd and the client files that reach it."""

    directory: Path
    port: int
    user: str
    host_key: Path  # the server's private host key; its public half is host_key + ".pub"
    client_key: Path  # the client's private key, accepted by the server
    known_hosts: Path  # the client's known_hosts, holding the server's host key
    ssh_config: Path  # the client's ssh_config: every host name goes to this server
    process: subprocess.Popen[bytes]
    log: Path  # sshd's own log (-e)

    host: str = "127.0.0.1"

    @property
    def ssh_options(self) -> list[str]:
        """Options for the ssh command line: `ssh *options NAME COMMAND`."""
        return ["-F", str(self.ssh_config)]

    @property
    def rsh(self) -> str:
        """rsync's `-e` value."""
        return shlex.join(["ssh", *self.ssh_options])

    def replace_known_host_key(self) -> None:
        """Write another key for the server into known_hosts, as a client sees it after the
        server's host key changed: ssh then refuses to connect."""
        other = self.directory / "other_host_key"
        other.unlink(missing_ok=True)
        Path(f"{other}.pub").unlink(missing_ok=True)
        _keygen(other)
        _write_known_hosts(self.known_hosts, self.port, Path(f"{other}.pub"))

    def trust_host_key(self) -> None:
        """known_hosts holds the server's real host key again."""
        _write_known_hosts(self.known_hosts, self.port, Path(f"{self.host_key}.pub"))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _keygen(path: Path) -> None:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", path.name, "-f", str(path)],
        check=True,
    )


def _write_known_hosts(known_hosts: Path, port: int, public_key: Path) -> None:
    kind, key = public_key.read_text().split()[:2]
    known_hosts.write_text(f"[127.0.0.1]:{port} {kind} {key}\n")


def start_sshd(directory: Path) -> Sshd:
    """Start sshd from directory (created; it holds keys, config and log) and wait until it
    accepts a login, on another free port when the one picked is taken before sshd binds
    it. Stop it with .stop()."""
    directory.mkdir(parents=True, exist_ok=True)
    PRIVILEGE_SEPARATION_DIR.mkdir(mode=0o755, parents=True, exist_ok=True)
    host_key, client_key = directory / "host_key", directory / "client_key"
    for key in (host_key, client_key):
        if not key.exists():
            _keygen(key)
    authorized_keys = directory / "authorized_keys"
    authorized_keys.write_text(Path(f"{client_key}.pub").read_text())
    return on_a_free_port(
        lambda port: _start(directory, port, host_key, client_key, authorized_keys), "sshd"
    )


def _start(
    directory: Path, port: int, host_key: Path, client_key: Path, authorized_keys: Path
) -> Sshd:
    user = getpass.getuser()
    known_hosts = directory / "known_hosts"
    _write_known_hosts(known_hosts, port, Path(f"{host_key}.pub"))
    config = directory / "sshd_config"
    config.write_text(
        f"Port {port}\n"
        "ListenAddress 127.0.0.1\n"
        f"HostKey {host_key}\n"
        f"PidFile {directory / 'sshd.pid'}\n"
        f"AuthorizedKeysFile {authorized_keys}\n"
        "PasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\n"
        "PermitRootLogin prohibit-password\n"
        "UsePAM no\n"
        "StrictModes no\n"
        "MaxStartups 100:30:200\n"  # a benchmark opens many sessions at once
        "Subsystem sftp internal-sftp\n"
        "LogLevel ERROR\n"
    )
    ssh_config = directory / "ssh_config"
    ssh_config.write_text(
        "Host *\n"
        "  HostName 127.0.0.1\n"
        f"  Port {port}\n"
        f"  User {user}\n"
        f"  IdentityFile {client_key}\n"
        "  IdentitiesOnly yes\n"
        f"  UserKnownHostsFile {known_hosts}\n"
        "  GlobalKnownHostsFile /dev/null\n"
        "  StrictHostKeyChecking yes\n"
        "  BatchMode yes\n"
        "  ConnectTimeout 10\n"
        "  LogLevel ERROR\n"
    )
    log = directory / "sshd.log"
    with log.open("ab") as out:
        logged_before = out.tell()
        process = subprocess.Popen(
            [str(SSHD), "-D", "-e", "-f", str(config)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        )
    server = Sshd(
        directory, port, user, host_key, client_key, known_hosts, ssh_config, process, log
    )

    def logs_in() -> bool:
        if process.poll() is not None:
            exited("sshd", process, log, logged_before)
        probe = ["ssh", *server.ssh_options, "-o", "ConnectTimeout=2", "probe", "true"]
        return subprocess.run(probe, capture_output=True).returncode == 0

    try:
        wait_for(logs_in, timeout=20, what=f"sshd on 127.0.0.1:{port}")
    except BaseException:
        server.stop()
        raise
    return server


@contextmanager
def running_sshd(directory: Path) -> Iterator[Sshd]:
    """start_sshd for the block's length."""
    server = start_sshd(directory)
    try:
        yield server
    finally:
        server.stop()
