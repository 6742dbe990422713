"""Monitoring end to end with real parts: a live server, Redis (database 14, flushed), the
host's agent as a real Celery worker process collecting on this machine, and the overview in
headless Chromium turning the host critical when its level is crossed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from nms.models import Sample, Status
from nms.tasks import request_collection
from testing import factories as base
from testing import live
from testing import nms as factories
from testing.live import wait_for
from workers.services import do_make_host_token

BROKER = "redis://127.0.0.1:6379/14"
SCREENSHOTS = Path(tempfile.gettempdir()) / "labnet-test-output" / "nms"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def broker():
    with live.broker(BROKER):
        yield


@pytest.fixture
def web():
    with live.web_server() as server:
        yield server


@pytest.fixture
def agent(broker, web, tmp_path):
    """guernsey's agent: collections on demand (the schedule's interval is an hour)."""
    factories.demo_levels()
    factories.levels("loadaverage", "greater", ["1000"], ["2000"], "load per CPU")
    factories.monitoring_settings(report_interval="3600", hold_reports="1")
    factories.host(
        "guernsey", domain="math.example.edu",
        fstab=[{"fst_dev": "/dev/root", "fst_mntpt": "/", "fst_type": "ext4", "fst_pass": "1"}],
    )  # fmt: skip
    factories.host("jersey", domain="math.example.edu")
    token = do_make_host_token("guernsey")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(LABNET_VAR_DIR=str(tmp_path / "var"), LABNET_LOG_LEVEL="WARNING")
    with open(tmp_path / "agent.log", "wb") as log:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "workers.host", "run", "guernsey",
                "--server", web.url, "--token", token, "--broker", BROKER,
                "--root", str(tmp_path / "root"), "--etc", str(tmp_path / "etc"),
                "--poll-interval", "3600",
            ],
            cwd=django_settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    yield process
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    assert process.returncode in (0, -signal.SIGTERM), (tmp_path / "agent.log").read_text()


def loadaverage_samples() -> int:
    return Sample.objects.filter(host__name="guernsey", category="loadaverage").count()


def cross_the_load_threshold() -> None:
    factories.levels("loadaverage", "greater", ["1000"], ["0.."], "load per CPU")
    assert request_collection("guernsey")


def test_the_agent_reports_on_start_and_on_demand_through_the_broker(agent):
    wait_for(loadaverage_samples, what="the report at the agent's start")
    assert Status.objects.get(host__name="guernsey", category="diskspace", item="/").state == "ok"
    before = loadaverage_samples()
    cross_the_load_threshold()
    wait_for(lambda: loadaverage_samples() > before, what="the report asked for")
    load = wait_for(
        lambda: Status.objects.filter(
            host__name="guernsey", category="loadaverage", state="critical"
        ).first(),
        what="the new level",
    )
    assert float(load.value) >= 0 and "CPU" in load.detail
    assert Status.objects.get(host__name="guernsey", category="mounts", item="/").value == "mounted"


@pytest.mark.browser
def test_the_overview_turns_the_host_critical_in_the_browser(agent, web, monkeypatch):
    from playwright.sync_api import expect, sync_playwright

    # Playwright runs an event loop in this thread; the ORM calls made here are synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    wait_for(loadaverage_samples, what="the report at the agent's start")
    user = base.user("editor", "ann")
    user.set_password("pw-labnet")
    user.save()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(f"{web.url}/accounts/login/?next=/nms/%3Frefresh%3D2")
            page.fill("input[name=username]", "ann")
            page.fill("input[name=password]", "pw-labnet")
            page.click("button[type=submit], input[type=submit]")
            tile = page.locator('[data-host="guernsey"]')
            expect(tile).to_have_attribute("data-state", "ok")
            expect(page.locator('[data-host="jersey"]')).to_have_attribute("data-state", "nodata")
            page.screenshot(path=SCREENSHOTS / "overview-ok.png", full_page=True)

            cross_the_load_threshold()
            expect(tile).to_have_attribute("data-state", "critical", timeout=30_000)
            expect(page.get_by_test_id("problem-count")).to_have_text("1")
            page.screenshot(path=SCREENSHOTS / "overview-critical.png", full_page=True)

            tile.click()
            expect(page.locator('tr[data-metric="loadaverage "] .badge')).to_have_text("Critical")
            page.screenshot(path=SCREENSHOTS / "host.png", full_page=True)
        finally:
            browser.close()
