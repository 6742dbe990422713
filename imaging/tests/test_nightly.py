"""The nightly run: crontab_tasks start /usr/local/sbin/lnrsync, a managed file the agent
installs on every server, which runs lnrsync for the host with the agent's settings."""

from __future__ import annotations

import subprocess
import sys

from django.conf import settings as django_settings

from entities.exporting import export_mirror
from entities.schema import DEMO_MIRROR
from filemgr.demo import DEMO_FILES
from imaging.host.excludes import managed_paths
from imaging.host.lnrsync import read_mirror

WRAPPER = "/usr/local/sbin/lnrsync"


def test_the_demo_installs_the_wrapper_its_crontab_tasks_run():
    _, entities = read_mirror(DEMO_MIRROR)
    for server in ("ratchet", "crank", "bumper"):
        assert WRAPPER in entities[("server", server)]["ct_command"]
        assert WRAPPER in managed_paths(server, entities)
    assert entities[("fileMgr", "lnrsync")]["mode"] == ["0755"]


def test_the_wrapper_runs_lnrsync_for_the_host_with_the_agents_environment(guide_example, tmp_path):
    mirror = tmp_path / "etc"
    export_mirror(mirror)
    env_file = tmp_path / "labnet-agent"
    env_file.write_text(f"LABNET_HOST=ratchet\nLABNET_ETC={mirror}\nLABNET_ROOT={tmp_path}\n")
    done = subprocess.run(
        # --jobs 1: ratchet's three destinations one after the other, in the main thread
        # (test_lnrsync_e2e's runs push siblings at once).
        ["sh", str(DEMO_FILES / "lnrsync" / "default_server"), "--dry-run", "--jobs", "1"],
        env={
            "PATH": "/usr/bin:/bin",
            "LABNET_AGENT_ENV": str(env_file),
            "LABNET_HOME": str(django_settings.BASE_DIR),
            "LABNET_PYTHON": sys.executable,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "scout:/diskless (diskless_dbgen32_test_1): waiting, ratchet's copy" in done.stdout
    assert "lnrsync ratchet: 3 destinations, 0 failed" in done.stdout
