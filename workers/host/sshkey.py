"""The host's public ssh key, which the agent publishes as its host's ssh_key variable (guide
2.9: "Public ssh key for this client (initialized by the lnclientconfigd)")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from .client import ApiClient
from .paths import under

SSH_KEY = "ssh_key"
# OpenSSH's host keys, the preferred first.
KEY_FILES = (
    "/etc/ssh/ssh_host_ed25519_key.pub",
    "/etc/ssh/ssh_host_rsa_key.pub",
    "/etc/ssh/ssh_host_ecdsa_key.pub",
)


def public_key(root: Path) -> str | None:
    """The first host public key found under root, as its one line; None when there is none."""
    for path in KEY_FILES:
        try:
            key = under(root, path).read_text().strip()
        except FileNotFoundError:
            continue
        if key:
            return key
    return None


def publish_ssh_key(
    client: ApiClient, host: str, root: Path, own: Mapping[str, Sequence[str]] | None
) -> bool:
    """Write the host's public key to its ssh_key when own (the host entity's values in the
    mirror) holds another; True when it was sent."""
    key = public_key(root)
    if key is None or own is None or list(own.get(SSH_KEY, [])) == [key]:
        return False
    client.post(f"agents/{host}/variables/", {"values": {SSH_KEY: [key]}})
    return True
