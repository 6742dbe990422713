"""After printing, CUPS's own count (the total page_log records) is compared with what the
backend charged, on a real cupsd: on a PostScript queue the driver leaves copies to the
printer (NumCopies), so the backend saw and charged one copy; the agent's page_log pass
charges the rest with a ledger entry that says why. A job charged right is left alone, and a
count read again changes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from printing.choices import EntryKind, JobStatus
from printing.host.agent import BackendSettings
from printing.host.pagelog import PageLog, parse_total
from printing.models import PrintAccount, PrintJob
from printing.services import balance, do_add_credit
from testing.live import wait_for
from workers.host.client import ApiClient
from workers.services import do_make_host_token

from .conftest import pdf, print_server, printer

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_page_log_total_line_is_read_and_other_lines_are_not():
    line = "en1018_lj alice 12 [30/Nov/2026:10:00:00 +0000] total 6 - localhost three.pdf na -"
    assert parse_total(line).impressions == 6 and parse_total(line).job_id == 12
    assert parse_total(line.replace("total 6", "1 1")) is None
    assert parse_total("en1018_lj alice x [d z] total 6") is None
    assert parse_total(line.replace("total 6", "total 0")) is None  # a raw queue: not counted


def test_copies_the_printer_makes_are_charged_as_cups_counted_them(cupsd, tmp_path, web):
    token = do_make_host_token("odie")
    printer(
        "en1018_lj",
        device_uri=f"file://{cupsd.out}/en1018.out",
        cost_per_page="0.10",
        ppd="drv:///sample.drv/generic.ppd",  # Labnet's default model: PostScript
    )
    backend = BackendSettings("odie", web.url, token, str(tmp_path / "outbox"))
    server = print_server(cupsd, tmp_path, backend)
    assert server.sync()["created"] == ["en1018_lj"]
    do_add_credit("alice", Decimal("2.00"), "term credit", user="tests")
    three = pdf(tmp_path / "three.pdf", 3)

    for options in (["-n", "2"], ["-n", "1"]):
        done = cupsd.command("lp", "-U", "alice", "-d", "en1018_lj", *options, str(three))
        assert done.returncode == 0, done.stderr
    jobs = wait_for(
        lambda: (j := list(PrintJob.objects.filter(status=JobStatus.PRINTED)))
        and len(j) == 2
        and j,
        what="both jobs printed",
    )
    copies, single = sorted(jobs, key=lambda j: j.cups_job)
    assert (copies.impressions, copies.cost) == (3, Decimal("0.30"))  # the backend's count
    wait_for(
        lambda: cupsd.page_log.exists() and cupsd.page_log.read_text().count(" total ") == 2,
        what="page_log's totals",
    )

    page_log = PageLog(cupsd.page_log, tmp_path / "state" / "printing-pagelog.json")
    client = ApiClient(web.url, token)
    assert server.report_counts(page_log, client, tmp_path / "counts") == 2

    copies.refresh_from_db()
    assert (copies.counted, copies.cost) == (6, Decimal("0.60"))
    correction = copies.entries.order_by("id").last()
    assert (correction.kind, correction.amount) == (EntryKind.COUNT, Decimal("-0.30"))
    assert correction.note == "CUPS counted 6 impressions, 3 were charged"
    single.refresh_from_db()
    assert (single.counted, single.cost, single.entries.count()) == (3, Decimal("0.30"), 1)
    alice = PrintAccount.objects.get(username="alice")
    assert balance(alice) == Decimal("1.10")

    # The next pass reads on from where this one stopped: nothing is counted twice.
    assert server.report_counts(page_log, client, tmp_path / "counts") == 0
    assert balance(alice) == Decimal("1.10")
