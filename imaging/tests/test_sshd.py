"""testing.sshd: a real sshd on loopback that a client reaches only with its known host key."""

import subprocess

import pytest

from testing.sshd import available, running_sshd

pytestmark = pytest.mark.skipif(not available(), reason="needs /usr/sbin/sshd (openssh-server)")


def test_a_client_logs_in_under_any_host_name_and_refuses_a_changed_host_key(tmp_path):
    with running_sshd(tmp_path / "sshd") as server:
        ran = subprocess.run(
            ["ssh", *server.ssh_options, "ratchet", "echo", "hello"], capture_output=True
        )
        assert ran.stdout == b"hello\n"

        server.replace_known_host_key()
        refused = subprocess.run(
            ["ssh", *server.ssh_options, "ratchet", "true"], capture_output=True, text=True
        )
        assert refused.returncode == 255
        assert "REMOTE HOST IDENTIFICATION HAS CHANGED" in refused.stderr

        server.trust_host_key()
        assert subprocess.run(["ssh", *server.ssh_options, "ratchet", "true"]).returncode == 0
    assert server.process.poll() is not None
