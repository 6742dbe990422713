"""Sync now from the Rsync Info Editor: an editor starts it, each server's agent pushes its
step with real rsync over a real sshd and reports through its token, a synced copy sends the
steps below it on, and the run's page shows the progress until it is done. The broker is
replaced by a list of the messages sent; each is run by the host side, in this process."""

from __future__ import annotations

import os
import re
from typing import Any

import pytest
from rest_framework.test import APIClient

from core.runs import BROKER_DOWN
from entities.exporting import export_mirror
from entities.models import Entity
from entities.reading import entity_contents
from imaging.host.syncnow import SYNC_NOW_TASK, SyncNow
from imaging.models import SyncStep
from labnet_site.celery import app
from testing.clients import signed_in
from testing.sshd import available, running_sshd
from testing.views import PageTestCase
from workers.host.client import ApiError
from workers.services import do_make_host_token

from .conftest import DATE, IMAGE_DIR, TEST_IMAGE

STEPS = "/api/v1/imaging/rsync/{}/steps/{}/"


class Agent:
    """A host's API client meeting the web server in this process."""

    def __init__(self, host: str):
        self.api = APIClient()
        self.api.credentials(HTTP_AUTHORIZATION=f"Token {do_make_host_token(host)}")

    def post(self, path: str, body: Any) -> Any:
        answer = self.api.post(f"/api/v1/{path}", body, format="json")
        if answer.status_code >= 400:
            raise ApiError(answer.status_code, answer.content.decode())
        return answer.json()


@pytest.fixture
def broker(monkeypatch) -> list[tuple[str, dict, str]]:
    sent = []

    def send_task(name, kwargs=None, queue=None, **_):
        if name == SYNC_NOW_TASK:  # not the change fan-out
            sent.append((name, kwargs, queue))

    monkeypatch.setattr(app, "send_task", send_task)
    return sent


def rs_date(server: str) -> str:
    entity = Entity.objects.get(entity_type__name="server", name=server)
    return entity_contents(entity).tables["Rsync"][0]["rs_date"]


def progress(page: str) -> dict[str, str]:
    return dict(re.findall(r'data-step="([^"]+)" data-state="([^"]+)"', page))


@pytest.mark.django_db
@pytest.mark.skipif(not available(), reason="needs /usr/sbin/sshd (openssh-server)")
def test_a_subtree_synced_now_flows_down_and_the_page_follows(
    chain, broker, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    roots = chain
    editor = signed_in("editor")
    with django_capture_on_commit_callbacks(execute=True):
        answer = editor.post(
            "/imaging/rsync/sync/", {"server": "ratchet", "row": "1", "scope": "subtree"}
        )
    assert answer.status_code == 302
    run_url = answer.url
    page = editor.get(run_url).content.decode()
    assert "Under way: 0 of 3 destinations done." in page
    assert progress(page) == {"ratchet": "queued", "scout": "queued", "keeper": "queued"}
    assert f'hx-get="{run_url}"' in page
    [(task, kwargs, queue)] = broker
    assert (task, queue) == (SYNC_NOW_TASK, "host.crank")
    assert [(s["server"], s["force"]) for s in kwargs["steps"]] == [("ratchet", True)]

    mirror = tmp_path / "mirror"
    with running_sshd(tmp_path / "sshd") as sshd:
        monkeypatch.setenv("LABNET_SSH_CONFIG", str(sshd.ssh_config))
        monkeypatch.setenv("LABNET_PEER_ROOTS", str(roots))
        while broker:
            task, kwargs, queue = broker.pop(0)
            host = queue.removeprefix("host.")
            export_mirror(mirror)  # the agent's mirror follows the web server's changes
            with django_capture_on_commit_callbacks(execute=True):
                SyncNow(host, mirror, roots / host, Agent(host)).run(**kwargs)
            if host == "crank":
                # ratchet's copy is synced: the steps below it go to ratchet, at once.
                assert [(q, [s["server"] for s in k["steps"]]) for _, k, q in broker] == [
                    ("host.ratchet", ["keeper", "scout"])
                ]
                body = editor.get(run_url, HTTP_HX_REQUEST="true").content.decode()
                assert body.lstrip().startswith('<div id="sync-run" hx-get=')
                assert progress(body) == {
                    "ratchet": "synced",
                    "scout": "queued",
                    "keeper": "queued",
                }

    page = editor.get(run_url).content.decode()
    assert "Finished at" in page and "3 of 3 destinations done." in page
    assert progress(page) == {"ratchet": "synced", "scout": "synced", "keeper": "synced"}
    assert "hx-get" not in page
    assert "bytes sent in" in page
    assert rs_date("scout") > DATE and rs_date("keeper") > DATE
    scout = roots / "scout" / "diskless"
    assert (scout / "usr" / "lib" / "lib49.so").read_text() == "library 49\n" * 20
    assert (scout / "README.local").read_text() == "scout's managed file\n"
    assert not (scout / "stale.txt").exists()


class Watched(Agent):
    """crank's API client that, each time it reports rsync's progress, looks at the run's
    page as a browser's htmx reload would."""

    def __init__(self, host: str, run_url: str):
        super().__init__(host)
        self.viewer, self.run_url = signed_in("viewer"), run_url
        self.seen: list[str] = []

    def post(self, path: str, body: Any) -> Any:
        answer = super().post(path, body)
        if "/steps/" in path and body["state"] == "running" and body["progress"]:
            self.seen.append(self.viewer.get(self.run_url, HTTP_HX_REQUEST="true").content.decode())
        return answer


def shown_progress(page: str) -> tuple[int, str]:
    """The files copied so far, and the whole progress line, of the run's one step."""
    [line] = re.findall(r'data-testid="progress">([^<]*)<', page)
    copied = re.search(r"([0-9,]+) files copied", line)
    return (int(copied.group(1).replace(",", "")) if copied else -1), line


@pytest.mark.django_db
@pytest.mark.skipif(not available(), reason="needs /usr/sbin/sshd (openssh-server)")
def test_the_page_follows_one_destination_file_by_file(
    chain, broker, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    roots = chain
    image = roots / "crank" / IMAGE_DIR.lstrip("/")
    (image / "usr" / "share").mkdir()
    for n in range(200):
        (image / "usr" / "share" / f"data{n}.bin").write_bytes(os.urandom(64 * 1024))
    with django_capture_on_commit_callbacks(execute=True):
        answer = signed_in("editor").post("/imaging/rsync/sync/", {"server": "ratchet", "row": "1"})
    [(_, kwargs, queue)] = broker
    assert queue == "host.crank"
    mirror = tmp_path / "mirror"
    export_mirror(mirror)
    watched = Watched("crank", answer.url)
    with running_sshd(tmp_path / "sshd") as sshd:
        monkeypatch.setenv("LABNET_SSH_CONFIG", str(sshd.ssh_config))
        monkeypatch.setenv("LABNET_PEER_ROOTS", str(roots))
        with django_capture_on_commit_callbacks(execute=True):
            SyncNow("crank", mirror, roots / "crank", watched, progress_seconds=0).run(**kwargs)

    # While rsync copied, each reload showed the step running and more files copied.
    running = [page for page in watched.seen if progress(page) == {"ratchet": "running"}]
    copied = [shown_progress(page)[0] for page in running]
    assert len(copied) >= 2 and copied == sorted(copied) and copied[0] < copied[-1], copied
    assert running[0].lstrip().startswith('<div id="sync-run" hx-get=')
    # Once over, the step keeps rsync's last line: every file of the copy, the whole list.
    page = signed_in("viewer").get(answer.url).content.decode()
    assert progress(page) == {"ratchet": "synced"}
    files = [p for p in (roots / "ratchet" / IMAGE_DIR.lstrip("/")).rglob("*") if p.is_file()]
    final, line = shown_progress(page)
    assert final == len(files), line
    checked = re.search(r"([0-9,]+) of ([0-9,]+) checked \(100 %", line)
    assert checked and checked.group(1) == checked.group(2), line
    assert SyncStep.objects.get().progress == line


def test_a_failed_step_skips_the_copies_below_it(
    guide_example, broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        signed_in("editor").post(
            "/imaging/rsync/sync/", {"server": "ratchet", "row": "2", "scope": "subtree"}
        )
    [(_, kwargs, _)] = broker
    [step] = kwargs["steps"]
    crank = APIClient()
    crank.credentials(HTTP_AUTHORIZATION=f"Token {do_make_host_token('crank')}")
    answer = crank.post(
        STEPS.format("crank", step["step"]),
        {
            "state": "failed",
            "message": "ratchet:/mnt/dbgen32test/diskless: FAILED, rsync exited 23",
        },
        format="json",
    )
    assert answer.status_code == 200, answer.content
    states = dict(SyncStep.objects.values_list("server", "state"))
    assert states == {"ratchet": "failed", "scout": "skipped", "keeper": "skipped"}
    assert (
        SyncStep.objects.get(server="scout").message == "ratchet's copy was not brought up to date"
    )
    assert len(broker) == 1  # nothing more was sent
    again = crank.post(STEPS.format("crank", step["step"]), {"state": "synced"}, format="json")
    assert again.status_code == 400 and "is failed already" in str(again.json())


def test_only_the_pushing_host_reports_a_step(
    guide_example, broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        signed_in("editor").post("/imaging/rsync/sync/", {"server": "scout", "row": "1"})
    [(_, kwargs, queue)] = broker
    assert queue == "host.ratchet"
    step = kwargs["steps"][0]["step"]
    crank = APIClient()
    crank.credentials(HTTP_AUTHORIZATION=f"Token {do_make_host_token('crank')}")
    refused = crank.post(STEPS.format("crank", step), {"state": "synced"}, format="json")
    assert refused.status_code == 400 and f"crank pushes no step {step}" in str(refused.json())
    assert crank.post(STEPS.format("ratchet", step), {"state": "synced"}).status_code == 403
    huge = crank.post(STEPS.format("crank", 10**30), {"state": "synced"}, format="json")
    assert huge.status_code == 400
    assert SyncStep.objects.get(pk=step).state == "queued"


def test_refusals_name_the_row_and_write_nothing(guide_example, broker):
    editor = signed_in("editor")
    off = editor.post("/imaging/rsync/sync/", {"server": "odie", "row": "1"}, follow=True)
    assert "row 1 of odie&#x27;s Rsync table has rs_sync no: turn its syncing on first" in (
        off.content.decode()
    )
    nothing = editor.post("/imaging/rsync/sync/", {"server": "garfield", "row": "3"}, follow=True)
    assert "row 3 of garfield&#x27;s Rsync table is in no image&#x27;s tree" in (
        nothing.content.decode()
    )
    assert (
        signed_in("viewer")
        .post("/imaging/rsync/sync/", {"server": "scout", "row": "1"})
        .status_code
        == 403
    )
    assert not SyncStep.objects.exists() and broker == []


def test_a_broker_that_is_down_fails_the_step_with_the_reason(
    guide_example, monkeypatch, django_capture_on_commit_callbacks
):
    def down(*args, **kwargs):
        raise ConnectionRefusedError("connection refused")

    monkeypatch.setattr(app, "send_task", down)
    with django_capture_on_commit_callbacks(execute=True):
        answer = signed_in("editor").post("/imaging/rsync/sync/", {"server": "scout", "row": "1"})
    page = signed_in("viewer").get(answer.url).content.decode()
    assert progress(page) == {"scout": "failed"}
    assert BROKER_DOWN in page and "Finished at" in page


@pytest.fixture
def page_data(guide_example, broker):
    signed_in("editor").post(
        "/imaging/rsync/sync/", {"server": "ratchet", "row": "2", "scope": "subtree"}
    )
    return {"run": SyncStep.objects.first().run_id}


class TestSyncRun(PageTestCase):
    url = "/imaging/rsync/runs/{run}/"
    contains = [f'href="/imaging/rsync/image/{TEST_IMAGE}/dates/"', "Under way: 0 of 3"]
    max_queries = 8


class TestServerViewOffersSyncNow(PageTestCase):
    url = "/imaging/rsync/server/scout/"
    status = {"editor": 200}
    contains = ['name="scope" value="subtree"']
    form = {"server": "scout", "row": "1", "scope": "server"}
    post_url = "/imaging/rsync/sync/"
    post_status = {"viewer": 403, "editor": 302, "admin": 302}
    max_queries = 8
