"""Jobs through the accounting backend on a real cupsd, charged by a live web server."""

from __future__ import annotations

from decimal import Decimal

import pytest

from printing.choices import JobStatus
from printing.host.agent import BackendSettings
from printing.models import PrintAccount, PrintJob
from printing.services import balance, do_add_credit
from testing.live import wait_for
from workers.services import do_make_host_token

from .conftest import pdf, print_server, printer

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def served(cupsd, tmp_path, web, device: str, **prices: str) -> None:
    printer("en1018_lj", device_uri=device, **prices)
    backend = BackendSettings("odie", web.url, do_make_host_token("odie"), str(tmp_path / "outbox"))
    assert print_server(cupsd, tmp_path, backend).sync()["created"] == ["en1018_lj"]


def lp(cupsd, user: str, document, *options: str) -> str:
    done = cupsd.command("lp", "-U", user, "-d", "en1018_lj", *options, str(document))
    assert done.returncode == 0, done.stderr
    return done.stdout


def job_state(cupsd, user: str) -> str:
    return cupsd.command("lpstat", "-W", "all", "-l", "-o", "en1018_lj").stdout


def account_balance(user: str) -> Decimal:
    return balance(PrintAccount.objects.filter(username=user).first())


def test_a_three_page_pdf_printed_twice_costs_six_pages(cupsd, tmp_path, web):
    device = cupsd.out / "en1018.out"
    served(cupsd, tmp_path, web, f"file://{device}", cost_per_page="0.10")
    do_add_credit("alice", Decimal("1.00"), "term credit", user="tests")

    lp(cupsd, "alice", pdf(tmp_path / "three.pdf", 3), "-n", "2")

    job = wait_for(
        lambda: PrintJob.objects.filter(status=JobStatus.PRINTED).first(), what="the job printed"
    )
    assert (job.impressions, job.cost) == (6, Decimal("0.60"))
    assert account_balance("alice") == Decimal("0.40")
    assert device.read_bytes().count(b"%PDF-") == 1
    wait_for(lambda: cupsd.page_log.exists() and cupsd.page_log.read_text(), what="page_log")
    assert " total 6 " in cupsd.page_log.read_text()


def test_a_user_without_credit_is_refused_before_anything_reaches_the_device(cupsd, tmp_path, web):
    device = cupsd.out / "en1018.out"
    served(cupsd, tmp_path, web, f"file://{device}", cost_per_page="0.10")

    lp(cupsd, "bob", pdf(tmp_path / "one.pdf", 1))

    state = wait_for(
        lambda: "print balance" in (out := job_state(cupsd, "bob")) and out, what="the refusal"
    )
    assert "this job costs $0.10 and your print balance is $0.00" in state
    assert not device.exists()
    assert not PrintJob.objects.exists()


def test_a_job_that_fails_to_print_is_refunded(cupsd, tmp_path, web):
    served(cupsd, tmp_path, web, "file:///nonexistent-labnet-dir/x.out", cost_per_page="0.25")
    do_add_credit("carol", Decimal("2.00"), "", user="tests")

    lp(cupsd, "carol", pdf(tmp_path / "two.pdf", 2))

    job = wait_for(
        lambda: PrintJob.objects.filter(status=JobStatus.FAILED).first(), what="the job failed"
    )
    assert job.cost == Decimal("0.50")
    assert account_balance("carol") == Decimal("2.00")
    assert [e.kind for e in job.entries.order_by("id")] == ["charge", "refund"]


def test_a_corrupt_pdf_is_refused_with_its_reason_and_not_charged(cupsd, tmp_path, web):
    device = cupsd.out / "en1018.out"
    served(cupsd, tmp_path, web, f"file://{device}", cost_per_page="0.10", ppd="raw")
    do_add_credit("dave", Decimal("1.00"), "", user="tests")
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\n1 0 obj <<>> garbage")
    broken.chmod(0o644)

    lp(cupsd, "dave", broken, "-o", "raw")

    wait_for(lambda: "the PDF" in job_state(cupsd, "dave"), what="the refusal")
    assert not device.exists()
    assert account_balance("dave") == Decimal("1.00")
