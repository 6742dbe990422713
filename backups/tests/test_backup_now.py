"""Back up now from the backup status pages: an editor starts it, the backup server's agent
runs backupsync with real rsync over a real sshd and reports each directory through its
token, and the run's page shows the progress until it is done. The broker is replaced by a
list of the messages sent; each is run by the host side, in this process."""

from __future__ import annotations

import re
from datetime import date as Date

import pytest
from rest_framework.test import APIClient

from backups.host.backupnow import BACK_UP_NOW_TASK, BackUpNow
from backups.models import BackupNowStep, BackupRun
from core.runs import BROKER_DOWN
from labnet_site.celery import app
from testing import hosts
from testing.clients import signed_in
from workers.host.agent import Agent
from workers.host.registry import host_sides
from workers.host.rsync_progress import parse_progress
from workers.host.settings import PLUG_INS, AgentSettings
from workers.host.worker import agent_tasks
from workers.services import do_make_host_token

from .campus import campus, row

pytestmark = pytest.mark.django_db
STEPS = "/api/v1/backups/{}/steps/{}/"


@pytest.fixture
def broker(monkeypatch) -> list[tuple[str, dict, str]]:
    sent = []

    def send_task(name, kwargs=None, queue=None, **_):
        if name == BACK_UP_NOW_TASK:  # not the change fan-out
            sent.append((name, kwargs, queue))

    monkeypatch.setattr(app, "send_task", send_task)
    return sent


def states(page: str) -> dict[str, str]:
    return dict(re.findall(r'data-directory="([^"]+)" data-state="([^"]+)"', page))


class Watched:
    """bumper's API client that, each time it reports rsync's progress, looks at the run's
    page as a browser's htmx reload would."""

    def __init__(self, client, viewer, run_url: str):
        self.client, self.viewer, self.run_url = client, viewer, run_url
        self.seen: list[str] = []

    def post(self, path: str, body):
        answer = self.client.post(path, body)
        if "/steps/" in path and body["state"] == "running" and body["progress"]:
            self.seen.append(self.viewer.get(self.run_url, HTTP_HX_REQUEST="true").content.decode())
        return answer


def test_every_directory_of_a_server_backed_up_now_and_the_page_follows(
    tmp_path, sshd, broker, monkeypatch, django_capture_on_commit_callbacks
):
    with campus(tmp_path, sshd, ["fs1", "fs2"]) as built:
        for name in ("fs1", "fs2"):
            for n in range(30):
                (built.source(name) / f"file{n}.txt").write_text(f"{name} {n}\n" * 100)
        editor = signed_in("editor")
        with django_capture_on_commit_callbacks(execute=True):
            answer = editor.post("/backups/now/", {"server": "carme"})
        assert answer.status_code == 302
        run_url = answer.url
        fs1, fs2 = str(built.source("fs1")), str(built.source("fs2"))
        page = editor.get(run_url).content.decode()
        assert "Under way: 0 of 2 directories done." in page
        assert states(page) == {fs1: "queued", fs2: "queued"}
        assert f'hx-get="{run_url}"' in page
        [(task, kwargs, queue)] = broker
        assert queue == "host.bumper"
        assert [(s["source"], s["directory"]) for s in kwargs["steps"]] == [
            ("carme", fs1),
            ("carme", fs2),
        ]

        monkeypatch.setenv("LABNET_SSH_CONFIG", str(built.sshd.ssh_config))
        watched = Watched(built.client, signed_in("viewer"), run_url)
        # Each directory is dated when its rsync starts: a run across midnight writes both days.
        days = {Date.today().isoformat()}
        BackUpNow(built.bumper, watched, progress_seconds=0).run(**kwargs)
        days.add(Date.today().isoformat())

        # While it ran, the page showed the directory running with rsync's progress line.
        running = [body for body in watched.seen if "running" in states(body).values()]
        assert running and running[0].lstrip().startswith('<div id="backup-now" hx-get=')
        assert re.search(r"[0-9,]+ bytes, [0-9,]+ files copied", running[-1])

        page = editor.get(run_url).content.decode()
        assert "Finished at" in page and "2 of 2 directories done." in page
        assert states(page) == {fs1: "done", fs2: "done"}
        assert "hx-get" not in page and "done, " in page
        dates = built.bk_dates()
        assert set(dates) <= days
        stored = built.target("fs2") / dates[1] / "file29.txt"
        assert stored.read_text() == "fs2 29\n" * 100
        assert BackupRun.objects.filter(ok=True, date__in=dates).count() == 2
        step = BackupNowStep.objects.get(directory=fs2)
        assert re.fullmatch(r"[0-9,]+ bytes, [0-9,]+ files copied.*", step.progress)


def test_one_directory_backed_up_now_whose_source_is_gone_fails_and_keeps_bk_date(
    tmp_path, sshd, broker, monkeypatch, django_capture_on_commit_callbacks
):
    with campus(tmp_path, sshd, ["fs1", "fs2"]) as built:
        fs1 = built.source("fs1")
        with django_capture_on_commit_callbacks(execute=True):
            answer = signed_in("admin").post(
                "/backups/now/", {"server": "carme", "directory": f"{fs1}/"}
            )
        [(_, kwargs, _)] = broker
        assert [s["directory"] for s in kwargs["steps"]] == [str(fs1)]
        fs1.rename(built.source("gone"))
        monkeypatch.setenv("LABNET_SSH_CONFIG", str(built.sshd.ssh_config))
        BackUpNow(built.bumper, built.client).run(**kwargs)
        page = signed_in("viewer").get(answer.url).content.decode()
        assert states(page) == {str(fs1): "failed"}
        assert "FAILED (rsync exit 23)" in page and "No such file or directory" in page
        assert built.bk_dates() == ["none", "none"]
        assert not BackupRun.objects.get().ok


def test_a_row_the_mirror_does_not_have_fails_with_the_reason(
    tmp_path, sshd, broker, django_capture_on_commit_callbacks
):
    with campus(tmp_path, sshd, ["fs1"]) as built:
        with django_capture_on_commit_callbacks(execute=True):
            signed_in("editor").post("/backups/now/", {"server": "carme"})
        [(_, kwargs, _)] = broker
        (built.etc / "server" / "carme").unlink()  # bumper's mirror is behind
        BackUpNow(built.bumper, built.client).run(**kwargs)
        step = BackupNowStep.objects.get()
        assert step.state == "failed"
        assert step.message == (
            f"bumper's mirror has no BackupTable row of carme for {built.source('fs1')} "
            "backed up by bumper with bk_on on"
        )


@pytest.fixture
def carme(db):
    hosts.host("server", "bumper")
    hosts.host("server", "crank")
    hosts.host(
        "server",
        "carme",
        tables={
            "BackupTable": [
                row("/users/fs1"),
                row("/var", bk_server="crank", basedir="/backup2"),
                row("/scratch", bk_on="off"),
            ]
        },
    )


def test_a_server_whose_rows_have_two_backup_servers_sends_one_message_to_each(
    carme, broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        signed_in("editor").post("/backups/now/", {"server": "carme"})
    assert sorted((q, [s["directory"] for s in k["steps"]]) for _, k, q in broker) == [
        ("host.bumper", ["/users/fs1"]),
        ("host.crank", ["/var"]),
    ]
    assert not BackupNowStep.objects.filter(directory="/scratch").exists()


def test_refusals_name_the_row_and_write_nothing(carme, broker):
    editor = signed_in("editor")
    off = editor.post("/backups/now/", {"server": "carme", "directory": "/scratch"}, follow=True)
    assert "carme&#x27;s backup of /scratch has bk_on off: switch it on first" in (
        off.content.decode()
    )
    none = editor.post("/backups/now/", {"server": "carme", "directory": "/home"}, follow=True)
    assert "carme has no BackupTable row for /home" in none.content.decode()
    nothing = editor.post("/backups/now/", {"server": "bumper"}, follow=True)
    assert "bumper has no BackupTable rows" in nothing.content.decode()
    viewer = signed_in("viewer").post("/backups/now/", {"server": "carme"})
    assert viewer.status_code == 403
    assert not BackupNowStep.objects.exists() and broker == []


def test_only_the_backup_server_running_a_step_reports_it(
    carme, broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        signed_in("editor").post("/backups/now/", {"server": "carme", "directory": "/var"})
    [(_, kwargs, queue)] = broker
    step = kwargs["steps"][0]["step"]
    bumper = APIClient()
    bumper.credentials(HTTP_AUTHORIZATION=f"Token {do_make_host_token('bumper')}")
    refused = bumper.post(STEPS.format("bumper", step), {"state": "done"}, format="json")
    assert refused.status_code == 400
    assert f"bumper backs up no step {step}" in str(refused.json())
    assert bumper.post(STEPS.format("crank", step), {"state": "done"}).status_code == 403
    huge = bumper.post(STEPS.format("bumper", 10**30), {"state": "done"}, format="json")
    assert huge.status_code == 400
    long = {"state": "running", "progress": "x" * 501}
    crank = APIClient()
    crank.credentials(HTTP_AUTHORIZATION=f"Token {do_make_host_token('crank')}")
    assert crank.post(STEPS.format("crank", step), long, format="json").status_code == 400
    assert BackupNowStep.objects.get(pk=step).state == "queued"
    assert crank.post(STEPS.format("crank", step), {"state": "failed"}).status_code == 200
    again = crank.post(STEPS.format("crank", step), {"state": "done"}, format="json")
    assert again.status_code == 400 and "is failed already" in str(again.json())


def test_a_broker_that_is_down_fails_the_steps_with_the_reason(
    carme, monkeypatch, django_capture_on_commit_callbacks
):
    def down(*args, **kwargs):
        raise ConnectionRefusedError("connection refused")

    monkeypatch.setattr(app, "send_task", down)
    with django_capture_on_commit_callbacks(execute=True):
        answer = signed_in("editor").post("/backups/now/", {"server": "carme"})
    page = signed_in("viewer").get(answer.url).content.decode()
    assert states(page) == {"/users/fs1": "failed", "/var": "failed"}
    assert BROKER_DOWN in page and "Finished at" in page


def test_rsync_progress_lines_are_read_as_bytes_and_files_so_far():
    line = b"      1,234,567  45%   10.00MB/s    0:00:01 (xfr#12, to-chk=88/100)"
    progress = parse_progress(line)
    assert (progress.bytes, progress.files, progress.checked, progress.listed) == (
        1234567,
        12,
        12,
        100,
    )
    assert (
        progress.line
        == "1,234,567 bytes, 12 files copied, 12 of 100 checked (45 %, 10.00MB/s, 0:00:01)"
    )
    growing = parse_progress(b"  71   1%    0.00kB/s    0:00:00 (xfr#1, ir-chk=1000/1001)")
    assert growing.line.startswith("71 bytes, 1 files copied, 1 of 1,001+ checked")
    assert parse_progress(b"sending incremental file list") is None


def test_the_backup_servers_agent_consumes_back_up_now(tmp_path, caplog):
    settings = AgentSettings(
        host="bumper",
        server="http://127.0.0.1:1",
        token="t",
        broker="redis://127.0.0.1:1/0",
        root=tmp_path / "root",
        etc=tmp_path / "etc",
    )
    agent = Agent(settings)
    assert "backups.host" in PLUG_INS
    (backups,) = host_sides(["backups.host"], agent)
    task = agent_tasks(agent, [backups])[BACK_UP_NOW_TASK]
    task(steps=[{"step": 7, "source": "carme", "directory": "/var"}])
    # The web server is away: the step's failure is logged, and the agent goes on.
    assert "back up now: step 7 (failed) not reported" in caplog.text
