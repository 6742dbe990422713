"""The agent publishes its host's public ssh key when the mirror holds another."""

from pathlib import Path

from workers.host.sshkey import public_key, publish_ssh_key

ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOdie root@odie"
RSA = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQodie root@odie"


class Client:
    def __init__(self):
        self.posts = []

    def post(self, path, body):
        self.posts.append((path, body))


def host_key(root: Path, kind: str, key: str) -> None:
    path = root / "etc" / "ssh" / f"ssh_host_{kind}_key.pub"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(key + "\n")


def test_ed25519_first_then_rsa_then_nothing(tmp_path):
    assert public_key(tmp_path) is None
    host_key(tmp_path, "rsa", RSA)
    assert public_key(tmp_path) == RSA
    host_key(tmp_path, "ed25519", ED25519)
    assert public_key(tmp_path) == ED25519


def test_a_key_differing_from_the_mirror_is_sent(tmp_path):
    host_key(tmp_path, "ed25519", ED25519)
    client = Client()
    assert publish_ssh_key(client, "odie", tmp_path, {"ssh_key": ["ssh-ed25519 old root@odie"]})
    assert client.posts == [("agents/odie/variables/", {"values": {"ssh_key": [ED25519]}})]


def test_nothing_sent_when_equal_missing_or_no_host_entity(tmp_path):
    client = Client()
    assert not publish_ssh_key(client, "odie", tmp_path, {})  # no key file
    host_key(tmp_path, "ed25519", ED25519)
    assert not publish_ssh_key(client, "odie", tmp_path, {"ssh_key": [ED25519]})
    assert not publish_ssh_key(client, "odie", tmp_path, None)  # not in the mirror yet
    assert client.posts == []
