"""Two Labnet hosts log in to each other through real sshd, each trusting the other's host key
only because the shipped ssh_known_hosts, rendered for it by the agent from the published
ssh_key values, names it; a host whose key is not the published one is refused."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from filemgr.templating import MirrorSource
from testing import sshd
from workers.host.files import HostFiles
from workers.host.paths import AgentPaths
from workers.tests.mirrors import offline_content, write_entity, write_file

pytestmark = pytest.mark.skipif(not sshd.available(), reason="sshd (openssh-server) is absent")

FILES = Path(settings.BASE_DIR) / "demo" / "files"
SHIPPED = {
    "ssh_known_hosts": ("/etc/ssh/ssh_known_hosts", True),
    "shosts.equiv": ("/etc/ssh/shosts.equiv", True),
    "sshd_labnet": ("/etc/ssh/sshd_config.d/labnet.conf", False),
}
HOSTS = {"odie": "192.0.2.12", "scout": "192.0.2.40"}


def keygen(path: Path) -> str:
    """A new ed25519 key at path; its public half as ssh_key holds it."""
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", path.name, "-f", str(path)],
        check=True,
    )
    return Path(f"{path}.pub").read_text().strip()


def ssh(host_root: Path, server: sshd.Sshd, name: str, user_key: Path):
    """ssh from the host installed in host_root to server, known as name: the only known
    hosts are the ones its rendered ssh_known_hosts holds. Both sshds share 127.0.0.1, so
    HostKeyAlias stands for the name DNS would resolve."""
    return subprocess.run(
        [
            *("ssh", "-F", "/dev/null", "-p", str(server.port), "-l", server.user),
            *("-i", str(user_key), "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes"),
            *("-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=/dev/null"),
            *("-o", f"GlobalKnownHostsFile={host_root / 'etc/ssh/ssh_known_hosts'}"),
            *("-o", f"HostKeyAlias={name}", "-o", "ConnectTimeout=10"),
            *("127.0.0.1", "echo $SSH_CONNECTION"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_two_hosts_log_in_to_each_other_trusting_the_shipped_known_hosts(tmp_path):
    etc, user_key = tmp_path / "etc", tmp_path / "user_key"
    keygen(user_key)
    servers: dict[str, sshd.Sshd] = {}
    roots: dict[str, Path] = {}
    try:
        for host, address in HOSTS.items():
            directory = tmp_path / f"{host}-sshd"
            directory.mkdir()
            # The host's own key, published as its ssh_key: the one its sshd presents.
            ssh_key = keygen(directory / "host_key")
            for suffix in ("", ".pub"):
                shutil.copy(f"{user_key}{suffix}", directory / f"client_key{suffix}")
            write_entity(etc, "server", host, domain="cs.example.edu", ip=address, ssh_key=ssh_key)
            servers[host] = sshd.start_sshd(directory)
        paths = AgentPaths(tmp_path / "unused", etc)
        for name, (path, template) in SHIPPED.items():
            content = (FILES / name / "default").read_text()
            write_file(etc, paths.master, name, path, {"default": (content, template)})
        for host in HOSTS:
            roots[host] = tmp_path / host
            host_paths = AgentPaths(roots[host], etc)
            run = HostFiles(
                host_paths, MirrorSource(etc), host, offline_content(paths.master)
            ).apply()
            assert run.errors == []

        for here, there in (("odie", "scout"), ("scout", "odie")):
            done = ssh(roots[here], servers[there], f"{there}.cs.example.edu", user_key)
            assert done.returncode == 0, done.stderr
            assert done.stdout.split()[-1] == str(servers[there].port)

        # scout's sshd is not what odie's known hosts say odie.cs.example.edu presents.
        refused = ssh(roots["scout"], servers["scout"], "odie.cs.example.edu", user_key)
        assert refused.returncode == 255
        assert "Host key verification failed" in refused.stderr
        # A host with no published key is known to no one.
        unknown = ssh(roots["odie"], servers["scout"], "keeper.cs.example.edu", user_key)
        assert unknown.returncode == 255
        assert "No ED25519 host key is known for keeper.cs.example.edu" in unknown.stderr

        # The shipped sshd settings for host-based trust are ones this sshd accepts.
        config = servers["odie"].directory / "sshd_config"
        checked = config.with_name("sshd_config_labnet")
        labnet_conf = roots["odie"] / "etc/ssh/sshd_config.d/labnet.conf"
        checked.write_text(f"Include {labnet_conf}\n{config.read_text()}")
        test = subprocess.run([str(sshd.SSHD), "-t", "-f", str(checked)], capture_output=True)
        assert test.returncode == 0, test.stderr
    finally:
        for server in servers.values():
            server.stop()
