"""scripts/run (`make run`): the web server, the central worker and a demo host's agent come
up on the demo data and the filesystem broker, and SIGTERM stops every one of them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

SCRIPT = Path(settings.BASE_DIR) / "scripts" / "run"
START_SECONDS = 120.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_run_serves_installs_and_stops_everything(tmp_path):
    var = tmp_path / "var"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LABNET_", "DJANGO_"))}
    env.update(
        LABNET_VAR_DIR=str(var),
        LABNET_DATABASE_URL=f"sqlite:///{var / 'labnet.sqlite3'}",
        LABNET_MASTER_STORE=str(var / "master"),
    )
    address = f"127.0.0.1:{free_port()}"
    log = open(tmp_path / "run.log", "wb")  # noqa: SIM115
    run = subprocess.Popen([str(SCRIPT), "--address", address], env=env, stdout=log, stderr=log)
    try:
        access = var / "root" / "etc" / "security" / "access.conf"
        deadline = time.monotonic() + START_SECONDS
        while not access.is_file() and run.poll() is None and time.monotonic() < deadline:
            time.sleep(0.5)
        assert access.is_file(), (tmp_path / "run.log").read_text()
        # odie's own Access table, through the demo's mun@site_server template.
        assert "+: cs_admins: ALL\n" in access.read_text()
        web = f"http://{address}"
        with urllib.request.urlopen(f"{web}/static/labnet/labnet.css") as stylesheet:
            assert b".card" in stylesheet.read()
        # No debug page: the site's own 404 page.
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"{web}/no-such-page/")
        assert missing.value.code == 404
        assert "There is no page at /no-such-page/." in missing.value.read().decode()
        pids = children(run.pid)
        assert len(pids) == 3  # web, central worker, agent
        run.send_signal(signal.SIGTERM)
        assert run.wait(60) == 0
        assert [pid for pid in pids if alive(pid)] == []
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
        log.close()
