"""Host-based ssh among Labnet hosts through real sshd, ssh and the setuid ssh-keysign: a user
of one host logs in to the other as the same user with no key of their own, because the
shipped files the agent rendered for each host (ssh_known_hosts, shosts.equiv, the sshd and
ssh settings) say the calling host is a Labnet host.

sshd, ssh-keysign and the resolver read fixed paths (/etc/ssh, /etc/hosts, /etc/passwd), so
each host runs in a mount namespace of its own (unshare -m) where its LABNET_ROOT's /etc/ssh
and the test's hosts and passwd files are bind-mounted over the machine's: nothing outside
the temp dir is written. odie is 127.0.0.2, scout 127.0.0.3 (all of 127/8 is loopback)."""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from filemgr.templating import MirrorSource
from testing import sshd
from testing.live import free_port, wait_for
from workers.host.files import HostFiles
from workers.host.paths import AgentPaths
from workers.tests.mirrors import offline_content, write_entity, write_file

FILES = Path(settings.BASE_DIR) / "demo" / "files"
SHIPPED = {
    "ssh_known_hosts": ("/etc/ssh/ssh_known_hosts", True),
    "shosts.equiv": ("/etc/ssh/shosts.equiv", True),
    "sshd_labnet": ("/etc/ssh/sshd_config.d/labnet.conf", False),
    "ssh_labnet": ("/etc/ssh/ssh_config.d/labnet.conf", False),
}
HOSTS = {"odie": "127.0.0.2", "scout": "127.0.0.3"}
DOMAIN = "cs.example.edu"
USER, UID = "labnetuser", 4242  # shosts.equiv never lets root in
KEYSIGN = Path("/usr/lib/openssh/ssh-keysign")

pytestmark = [
    pytest.mark.skipif(not sshd.available(), reason="sshd (openssh-server) is absent"),
    pytest.mark.skipif(
        os.geteuid() != 0 or not KEYSIGN.exists(),
        reason="needs root (mount namespaces) and ssh-keysign (openssh-client)",
    ),
]


def in_host(etc_ssh: Path, system: Path, command: list[str]) -> list[str]:
    """command run in a mount namespace where etc_ssh is /etc/ssh and system holds the
    hosts, passwd and group files."""
    mounts = [(etc_ssh, "/etc/ssh")] + [
        (system / n, f"/etc/{n}") for n in ("hosts", "passwd", "group")
    ]
    script = " && ".join(f"mount --bind {shlex.quote(str(s))} {t}" for s, t in mounts)
    return ["unshare", "-m", "sh", "-c", f'{script} && exec "$@"', "in_host", *command]


def system_files(directory: Path, home: Path) -> Path:
    """hosts naming the Labnet hosts, and passwd/group with the test's user."""
    directory.mkdir()
    names = "".join(f"{a} {h}.{DOMAIN} {h}\n" for h, a in HOSTS.items())
    (directory / "hosts").write_text(Path("/etc/hosts").read_text() + names)
    passwd = f"{USER}:x:{UID}:{UID}:Labnet test user:{home}:/bin/sh\n"
    (directory / "passwd").write_text(Path("/etc/passwd").read_text() + passwd)
    (directory / "group").write_text(Path("/etc/group").read_text() + f"{USER}:x:{UID}:\n")
    return directory


def host_etc_ssh(root: Path, port: int, address: str) -> str:
    """The host's own key (published as ssh_key), the stand-ins for Debian's ssh_config and
    sshd_config that include the .d folders the shipped settings go to."""
    etc_ssh = root / "etc/ssh"
    etc_ssh.mkdir(parents=True)
    key = etc_ssh / "ssh_host_ed25519_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    (etc_ssh / "ssh_config").write_text("Include /etc/ssh/ssh_config.d/*.conf\n")
    (etc_ssh / "sshd_config").write_text(
        "Include /etc/ssh/sshd_config.d/*.conf\n"
        f"ListenAddress {address}\nPort {port}\n"
        "HostKey /etc/ssh/ssh_host_ed25519_key\n"
        f"PidFile {root / 'sshd.pid'}\n"
        "PubkeyAuthentication no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
        "UsePAM no\nStrictModes no\nLogLevel VERBOSE\n"
    )
    return Path(f"{key}.pub").read_text().strip()


def test_a_user_logs_in_between_labnet_hosts_by_host_based_trust(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    os.chown(home, UID, UID)
    system = system_files(tmp_path / "system", home)
    etc = tmp_path / "etc"
    roots = {h: tmp_path / h for h in HOSTS}
    ports = {h: free_port() for h in HOSTS}
    for host, address in HOSTS.items():
        ssh_key = host_etc_ssh(roots[host], ports[host], address)
        write_entity(etc, "server", host, domain=DOMAIN, ip=address, ssh_key=ssh_key)
    master = AgentPaths(tmp_path / "unused", etc).master
    for name, (path, template) in SHIPPED.items():
        content = (FILES / name / "default").read_text()
        write_file(etc, master, name, path, {"default": (content, template)})
    for host in HOSTS:
        run = HostFiles(
            AgentPaths(roots[host], etc), MirrorSource(etc), host, offline_content(master)
        ).apply()
        assert run.errors == []

    sshd.PRIVILEGE_SEPARATION_DIR.mkdir(mode=0o755, parents=True, exist_ok=True)
    servers: dict[str, subprocess.Popen] = {}
    try:
        for host in HOSTS:
            log = (roots[host] / "sshd.log").open("wb")
            servers[host] = subprocess.Popen(
                in_host(
                    roots[host] / "etc/ssh",
                    system,
                    [str(sshd.SSHD), "-D", "-e", "-f", "/etc/ssh/sshd_config"],
                ),
                stdout=log,
                stderr=subprocess.STDOUT,
            )

        def ssh(here: str, there: str) -> subprocess.CompletedProcess:
            """ssh as the test user on here to there, host-based authentication only."""
            command = [
                *("setpriv", f"--reuid={UID}", f"--regid={UID}", "--clear-groups"),
                *("env", f"HOME={home}", "ssh", "-b", HOSTS[here], "-p", str(ports[there])),
                *("-o", "PreferredAuthentications=hostbased", "-o", "BatchMode=yes"),
                *("-o", "UserKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=yes"),
                # Port is not 22: the known hosts name the host, not "[host]:port".
                *("-o", f"HostKeyAlias={there}.{DOMAIN}", "-o", "ConnectTimeout=5"),
                *(f"{there}.{DOMAIN}", "id -un; echo $SSH_CONNECTION"),
            ]
            return subprocess.run(
                in_host(roots[here] / "etc/ssh", system, command),
                capture_output=True,
                text=True,
                timeout=60,
            )

        def listening(host: str) -> bool:
            if servers[host].poll() is not None:
                raise AssertionError((roots[host] / "sshd.log").read_text())
            probe = subprocess.run(
                ["ssh-keyscan", "-t", "ed25519", "-p", str(ports[host]), HOSTS[host]],
                capture_output=True,
            )
            return probe.returncode == 0 and bool(probe.stdout)

        for host in HOSTS:
            wait_for(lambda host=host: listening(host), timeout=20, what=f"sshd of {host}")

        for here, there in (("odie", "scout"), ("scout", "odie")):
            done = ssh(here, there)
            log = (roots[there] / "sshd.log").read_text()
            assert done.returncode == 0, done.stderr + log
            user, connection = done.stdout.splitlines()
            client, _, server, port = connection.split()
            assert (user, client, server, port) == (
                USER,
                HOSTS[here],
                HOSTS[there],
                str(ports[there]),
            )
            assert f"Accepted hostbased for {USER}" in log

        # A host that is not in shosts.equiv (its ssh_key cleared) is refused.
        write_entity(etc, "server", "odie", domain=DOMAIN, ip=HOSTS["odie"])
        run = HostFiles(
            AgentPaths(roots["scout"], etc), MirrorSource(etc), "scout", offline_content(master)
        ).apply()
        assert run.errors == []
        refused = ssh("odie", "scout")
        assert refused.returncode == 255
        assert "Permission denied (hostbased)" in refused.stderr
    finally:
        for server in servers.values():
            server.terminate()
            server.wait(timeout=10)
