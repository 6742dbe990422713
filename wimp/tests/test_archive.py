"""The archive's copy to the master image server: rsync reaches it through ssh with the
LABNET_SSH_CONFIG file, whatever its path."""

from __future__ import annotations

import os
import shutil

import pytest

from wimp.host.archive import SSH_CONFIG_ENV, ArchiveError, copy_verified, files_of

pytestmark = pytest.mark.skipif(shutil.which("rsync") is None, reason="rsync is absent")


def test_the_copy_passes_an_ssh_config_path_with_a_space_to_ssh_whole(tmp_path, monkeypatch):
    for path in files_of(tmp_path / "images", "cs_lab"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
    called = tmp_path / "ssh-arguments"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    # Stands in for ssh: says what it was given, then fails as an unreachable host would.
    (bin_dir / "ssh").write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {called}\nexit 255\n')
    (bin_dir / "ssh").chmod(0o755)
    config = tmp_path / "ssh config" / "labnet"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv(SSH_CONFIG_ENV, str(config))
    monkeypatch.delenv("LABNET_PEER_ROOTS", raising=False)
    with pytest.raises(ArchiveError, match="rsync to pooky:/mnt/images/cs: exit status"):
        copy_verified(tmp_path / "images", "cs_lab", "pooky", "/mnt/images/cs")
    arguments = called.read_text().splitlines()
    assert arguments[arguments.index("-F") + 1] == str(config)
