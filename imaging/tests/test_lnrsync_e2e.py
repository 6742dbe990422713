"""lnrsync for real: crank (the image's master) -> ratchet (distribution) -> scout and keeper,
four roots on this machine, real rsync over a real sshd with known_hosts checking on, rs_date
set through the web server's API with the source host's token."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from entities.exporting import export_mirror
from entities.models import Entity
from entities.reading import entity_contents
from testing import live
from testing.sshd import available, running_sshd
from workers.services import do_make_host_token

from .conftest import DATE, IMAGE_DIR, RATCHET_DATE

pytestmark = [
    pytest.mark.skipif(not available(), reason="needs /usr/sbin/sshd (openssh-server)"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def web():
    with live.web_server() as server:
        yield server


def rs_date(server: str) -> str:
    entity = Entity.objects.get(entity_type__name="server", name=server)
    return entity_contents(entity).tables["Rsync"][0]["rs_date"]


def lnrsync(host: str, roots: Path, sshd, web, *extra: str) -> subprocess.CompletedProcess:
    mirror = roots.parent / "mirror"
    export_mirror(mirror)
    command = [
        *(sys.executable, "-m", "workers.host", "lnrsync", host, "--etc", str(mirror)),
        *("--root", str(roots / host), "--peer-roots", str(roots)),
        *("--ssh-config", str(sshd.ssh_config), "--server", web.url),
        *("--token", do_make_host_token(host), *extra),
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABNET_")}
    return subprocess.run(
        command, capture_output=True, text=True, cwd=django_settings.BASE_DIR, env=env, timeout=120
    )


def test_one_night_flows_down_the_tree_and_keeps_managed_files(chain, web, tmp_path):
    roots = chain
    with running_sshd(tmp_path / "sshd") as sshd:
        # ratchet has not got tonight's image yet: its children wait.
        waiting = lnrsync("ratchet", roots, sshd, web)
        assert waiting.returncode == 0, waiting.stderr
        assert (
            "scout:/diskless (diskless_dbgen32_test_1): waiting, ratchet's copy" in waiting.stdout
        )
        assert rs_date("scout") == DATE

        sshd.replace_known_host_key()
        refused = lnrsync("crank", roots, sshd, web)
        assert refused.returncode == 1
        assert (
            "ratchet:/mnt/dbgen32test/diskless (diskless_dbgen32_test_1): FAILED, rsync exited"
            in refused.stderr
        )
        assert "Host key verification failed." in refused.stderr
        assert rs_date("ratchet") == RATCHET_DATE
        sshd.trust_host_key()

        first = lnrsync("crank", roots, sshd, web)
        assert first.returncode == 0, first.stderr
        assert (
            "ratchet:/mnt/dbgen32test/diskless (diskless_dbgen32_test_1): synced," in first.stdout
        )
        assert rs_date("ratchet") > DATE

        dry = lnrsync("ratchet", roots, sshd, web, "--dry-run", "--only", "scout")
        assert "scout:/diskless (diskless_dbgen32_test_1): dry run" in dry.stdout
        assert (roots / "scout" / "diskless" / "stale.txt").exists()

        second = lnrsync("ratchet", roots, sshd, web, "--bwlimit", "100000")
        assert second.returncode == 0, second.stderr
        assert rs_date("scout") > DATE and rs_date("keeper") > DATE

    scout = roots / "scout" / "diskless"
    assert (scout / "usr" / "lib" / "lib49.so").read_text() == "library 49\n" * 20
    assert (scout / "README.local").read_text() == "scout's managed file\n"
    assert not (scout / "stale.txt").exists()
    assert not (scout / "scratch").exists()
    # keeper has no managed file there: the image's own copy arrives.
    assert (roots / "keeper" / "diskless" / "README.local").read_text() == "the image's own\n"


def test_a_destination_disk_filling_up_leaves_rs_date_and_the_managed_files(chain, web, tmp_path):
    roots = chain
    (roots / "crank" / IMAGE_DIR.lstrip("/") / "big.img").write_bytes(os.urandom(512 * 1024))
    scout = roots / "scout" / "diskless"
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(scout)])
    if mounted.returncode != 0:
        pytest.skip("mounting a small tmpfs needs root")
    try:
        (scout / "README.local").write_text("scout's managed file\n")
        with running_sshd(tmp_path / "sshd") as sshd:
            assert lnrsync("crank", roots, sshd, web).returncode == 0
            full = lnrsync("ratchet", roots, sshd, web, "--only", "scout")
        assert full.returncode == 1
        # rsync's own "No space left on device" comes only when the receiver's message beats
        # its exit to the sending side (most runs, not all); the exit value's meaning always.
        assert (
            "scout:/diskless (diskless_dbgen32_test_1): FAILED, rsync exited 11 "
            "(error in file I/O)" in full.stderr
        )
        assert f"rs_date left at {DATE}" in full.stderr
        assert rs_date("scout") == DATE
        assert (scout / "README.local").read_text() == "scout's managed file\n"
    finally:
        # The receiving rsync may still be closing its files on the full disk.
        live.wait_for(lambda: subprocess.run(["umount", str(scout)]).returncode == 0, 10, "umount")


def test_bad_input_is_refused_by_name(chain, web, tmp_path):
    roots = chain
    with running_sshd(tmp_path / "sshd") as sshd:
        unknown = lnrsync("garfield", roots, sshd, web)
        assert unknown.returncode == 2
        assert "'garfield' is not a server in the mirror" in unknown.stderr
        nobody = lnrsync("ratchet", roots, sshd, web, "--only", "odie")
        assert "no Rsync row of 'odie' draws from ratchet" in nobody.stderr
        bad = lnrsync("ratchet", roots, sshd, web, "--bwlimit", "-5")
        assert bad.returncode == 2 and "'-5' is not a whole number of KB/s" in bad.stderr
        jobs = lnrsync("ratchet", roots, sshd, web, "--jobs", "0")
        assert jobs.returncode == 2 and "'0' is not a whole number 1..32" in jobs.stderr
