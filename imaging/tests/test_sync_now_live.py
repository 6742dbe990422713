"""Sync now with real parts from the button to the disk: headless chromium on a live server,
the embedded filesystem broker, ratchet's agent as a real Celery worker process, and real
rsync over a real sshd (known_hosts checked) from ratchet's root to scout's. The run page,
reloading itself with htmx, shows the agent's report."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from core.broker import FILESYSTEM, transport_options
from entities.models import Entity
from entities.reading import entity_contents
from labnet_site.celery import app
from testing import live
from testing.agents import AgentProcess
from testing.browser import sign_in
from testing.sshd import available, running_sshd
from workers.services import do_make_host_token

from .conftest import DATE, IMAGE_DIR

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not available(), reason="needs /usr/sbin/sshd (openssh-server)"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def filesystem_broker(tmp_path, monkeypatch) -> Path:
    """The web server publishes to the embedded broker's folders under tmp_path/var, where
    the agent, given the same LABNET_VAR_DIR, consumes."""
    var = tmp_path / "var"
    options = {"max_retries": 0} | transport_options(FILESYSTEM, var)
    for key in ("data_folder_in", "processed_folder", "control_folder"):
        Path(options[key]).mkdir(parents=True, exist_ok=True)
    monkeypatch.setattr(app.conf, "CELERY_BROKER_TRANSPORT_OPTIONS", options)
    with live.use_broker(FILESYSTEM):
        yield var


def rs_date(server: str) -> str:
    entity = Entity.objects.get(entity_type__name="server", name=server)
    return entity_contents(entity).tables["Rsync"][0]["rs_date"]


def test_sync_now_in_the_browser_is_run_by_the_agent_and_the_page_shows_it(
    chain, filesystem_broker, page, live_server, tmp_path, monkeypatch
):
    roots = chain
    # ratchet holds tonight's copy of the image already; scout's is old.
    subprocess.run(
        [
            "cp",
            "-a",
            f"{roots / 'crank' / IMAGE_DIR.lstrip('/')}/.",
            str(roots / "ratchet" / IMAGE_DIR.lstrip("/")),
        ],
        check=True,
    )
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop; ORM reads
    with running_sshd(tmp_path / "sshd") as sshd:
        env = {"LABNET_SSH_CONFIG": str(sshd.ssh_config), "LABNET_PEER_ROOTS": str(roots)}
        # Its LABNET_VAR_DIR is tmp_path/var, the filesystem broker's.
        ratchet = AgentProcess(
            "ratchet", live_server.url, do_make_host_token("ratchet"), tmp_path, 3600,
            FILESYSTEM, root=roots / "ratchet", env=env,
        )  # fmt: skip
        try:
            live.wait_for(
                lambda: any(ratchet.etc.rglob("scout")), timeout=60, what="ratchet's mirror"
            )
            sign_in(page, "editor")
            page.goto("/imaging/rsync/server/scout/")
            page.click("button[name=scope][value=server]")
            page.wait_for_url(re.compile(r".*/imaging/rsync/runs/[0-9]+/$"))
            step = page.locator("[data-step=scout]")
            assert step.get_attribute("data-state") in ("queued", "running")
            # No reload by hand: htmx brings the agent's report.
            page.wait_for_selector("[data-step=scout][data-state=synced]", timeout=90_000)
            body = page.text_content("#sync-run")
        finally:
            ratchet.stop()

    assert "Finished at" in body and "1 of 1 destinations done." in body
    assert re.search(
        r"scout:/diskless \(diskless_dbgen32_test_1\): synced, [0-9,]+ bytes sent", body
    )
    files = [p for p in (roots / "scout" / "diskless").rglob("*") if p.is_file()]
    copied = re.search(r"([0-9,]+) files copied", page.text_content("[data-testid=progress]"))
    # Every file of the image but scout's own managed file, which the agent owns.
    assert copied and int(copied.group(1)) == len(files) - 1
    assert rs_date("scout") > DATE
    scout = roots / "scout" / "diskless"
    assert (scout / "usr" / "lib" / "lib49.so").read_text() == "library 49\n" * 20
    assert (scout / "README.local").read_text() == "scout's managed file\n"
    assert not (scout / "stale.txt").exists() and not (scout / "scratch").exists()
    assert page.console_errors == []
