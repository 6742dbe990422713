import pytest

from testing.sshd import available, running_sshd


@pytest.fixture(scope="session")
def sshd(tmp_path_factory):
    """One real sshd on loopback for every backups test that copies over ssh."""
    if not available():
        pytest.skip("needs /usr/sbin/sshd (openssh-server, installed by scripts/setup)")
    with running_sshd(tmp_path_factory.mktemp("sshd")) as server:
        yield server
