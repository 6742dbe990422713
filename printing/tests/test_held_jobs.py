"""A job over its printer's page_limit is held by CUPS, not charged, until its user releases
it on My printing; the print server's agent then resumes it and it prints and is charged.
Real cupsd, a live web server; the broker is a list of the messages sent."""

from __future__ import annotations

from decimal import Decimal

import pytest

from labnet_site.celery import app
from printing.choices import JobStatus
from printing.host.agent import RELEASE_TASK, BackendSettings
from printing.models import PrintJob
from printing.services import do_add_credit
from testing.clients import signed_in
from testing.live import wait_for
from workers.services import do_make_host_token

from .conftest import pdf, print_server, printer
from .test_accounting import account_balance, job_state, lp

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def broker(monkeypatch) -> list[tuple[str, dict, str]]:
    sent = []

    def send_task(name, kwargs=None, queue=None, **_):
        if name == RELEASE_TASK:  # not the change fan-out
            sent.append((name, kwargs, queue))

    monkeypatch.setattr(app, "send_task", send_task)
    return sent


def test_a_job_over_the_page_limit_waits_for_its_user_to_release_it(cupsd, tmp_path, web, broker):
    device = cupsd.out / "en1018.out"
    printer("en1018_lj", device_uri=f"file://{device}", cost_per_page="0.10", page_limit="2")
    backend = BackendSettings("odie", web.url, do_make_host_token("odie"), str(tmp_path / "ob"))
    server = print_server(cupsd, tmp_path, backend)
    assert server.sync()["created"] == ["en1018_lj"]
    do_add_credit("alice", Decimal("1.00"), "", user="tests")

    lp(cupsd, "alice", pdf(tmp_path / "three.pdf", 3))

    held = wait_for(
        lambda: PrintJob.objects.filter(status=JobStatus.HELD).first(), what="the job held"
    )
    state = wait_for(
        lambda: "job-hold-until-specified" in (out := job_state(cupsd, "alice")) and out,
        what="CUPS to hold the job",
    )
    assert "over en1018_lj's limit; it costs $0.30" in state
    assert not device.exists()
    assert account_balance("alice") == Decimal("1.00")
    alice = signed_in("viewer", "alice")
    page = alice.get("/printing/").content.decode()
    assert "Release and pay $0.30" in page

    # Nobody releases another's job, not even an administrator.
    assert signed_in("admin", "root2").post(f"/printing/mine/{held.pk}/release/").status_code == 404
    alice.post(f"/printing/mine/{held.pk}/release/")
    assert broker == [
        (RELEASE_TASK, {"printer": "en1018_lj", "job_id": held.cups_job}, "host.odie")
    ]
    server.release(**broker[0][1])

    job = wait_for(
        lambda: PrintJob.objects.filter(status=JobStatus.PRINTED).first(), what="the job printed"
    )
    assert (job.pk, job.cost) == (held.pk, Decimal("0.30"))
    assert account_balance("alice") == Decimal("0.70")
    assert device.read_bytes().count(b"%PDF-") == 1
