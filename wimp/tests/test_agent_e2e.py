"""New Managed Install end to end with real parts: headless chromium against a live server,
Redis (database 12, flushed), a real central worker, and megatron's agent as a real Celery
worker process. The agent's storage calls go to the recording backend (recording.py) standing
in for lvm2/LIO, which this kernel lacks (they run for real in imaging's QEMU guest test);
makeimage, restoreimage, losetup and rsync are real."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from testing import live
from testing.agents import AgentProcess
from testing.browser import PASSWORD, sign_in
from testing.factories import user
from workers.services import do_make_host_token

from . import recording, windows
from .conftest import campus
from .test_install import need

BROKER = "redis://127.0.0.1:6379/12"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@contextmanager
def live_campus(server: str, tmp: Path, monkeypatch, *hosts: str) -> Iterator[list[Path]]:
    """The campus, the broker, the central worker and the agents of hosts: their roots.
    megatron's storage is the recording backend in tmp/vg2."""
    campus()
    monkeypatch.setenv("LABNET_WIMP_STORAGE", "wimp.tests.recording:storage")
    monkeypatch.setenv(recording.DIRECTORY_ENV, str(tmp / "vg2"))
    monkeypatch.setenv("LABNET_PEER_ROOTS", str(tmp / "peers"))
    with live.broker(BROKER), live.central_worker(BROKER, tmp / "central.log"):
        agents = [AgentProcess(h, server, do_make_host_token(h), tmp, 30, BROKER) for h in hosts]
        try:
            yield [agent.root for agent in agents]
        finally:
            for agent in agents:
                agent.stop()


@pytest.fixture
def megatron(transactional_db, live_server, tmp_path, monkeypatch):
    """The campus, the broker, the central worker and megatron's agent."""
    need("losetup", "sfdisk", "rsync", "partclone.fat", "partclone.extfs")
    with live_campus(live_server.url, tmp_path, monkeypatch, "megatron") as (root,):
        yield root


def calls(tmp_path: Path) -> list[dict]:
    path = tmp_path / "vg2" / "calls.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_new_managed_install_in_a_browser_with_the_appservers_agent(
    megatron, page, browser, live_server, tmp_path
):
    sign_in(page, "admin")
    page.goto("/wimp/")
    page.click("text=New Managed Install")
    page.select_option("select[name=server]", "megatron")
    page.click("text=Next")
    page.select_option("select[name=client]", "bunting")
    page.fill("input[name=image]", "cs_lab2")
    page.fill("input[name=image_size]", "40M")
    page.fill("input[name=cow_size]", "8M")
    page.click("text=Start the session")
    page.wait_for_url("**/wimp/session/cs_lab2/")

    # The agent's report arrives; the page follows (htmx) and moves on to the first step.
    page.wait_for_selector("[data-step=windows_install][data-state=current]", timeout=90_000)
    assert "cs_lab2_m" in page.text_content("[data-testid=lvs]")
    assert "megatron:cs-lab2 ->" in page.text_content("[data-testid=targets]")
    assert [c["call"] for c in calls(tmp_path)] == ["create_master", "export"]

    # A second administrator in another browser: the session resumes where it was left, and
    # a second session for the same image is refused.
    other = browser.new_context(base_url=live_server.url).new_page()
    second = user("admin", "second")
    other.goto("/accounts/login/?next=/wimp/")
    other.fill("input[name=username]", second.username)
    other.fill("input[name=password]", PASSWORD)
    other.click("button[type=submit]")
    other.click("[data-session=cs_lab2] a")
    assert other.get_attribute("[data-step=windows_install]", "data-state") == "current"
    other.goto("/wimp/new/new/?server=megatron")
    other.select_option("select[name=client]", "heron")
    other.fill("input[name=image]", "cs_lab2")
    other.fill("input[name=image_size]", "40M")
    other.fill("input[name=cow_size]", "8M")
    other.click("text=Start the session")
    assert "image cs_lab2 exists" in other.content()

    for label in ("Windows is installed", "Proceed to Windows Activation", "KMS Setup Complete",
                  "Program Installation Complete", "Configuration Complete",
                  "Continue to Image Prep", "Ready to Image"):  # fmt: skip
        page.click(f"text={label}")
    windows.install(tmp_path / "vg2" / "cs_lab2_m", tmp_path)
    page.click("text=Capture and archive the image")
    page.wait_for_selector("text=cs_lab2: session finished", timeout=120_000)
    assert "archive verified: session finished" in page.content()
    copy = tmp_path / "peers/pooky/mnt/images/cs"
    assert sorted(p.name for p in copy.iterdir()) == [
        "cs_lab2",
        "cs_lab2.bootpart",
        "cs_lab2.bootsect",
    ]
    assert (copy / "cs_lab2.bootsect").read_bytes() == (
        megatron / "images/cs/cs_lab2.bootsect"
    ).read_bytes()
    assert page.console_errors == []
