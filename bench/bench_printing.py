"""Printing figures, printed, not asserted: the cost of Labnet's accounting per job.

N copies of a 3-page PDF go through a real cupsd (testing.cupsd) twice, in the same run:
to a plain file:// queue (CUPS alone: the baseline, timed until its page_log holds every
job), and to the same printer's accounted queue (labnet:file://..., each job counted with
pypdf and charged through a live web server before it is written), timed until every job is
recorded printed. Also: reading cupsd's own page_log for the same jobs, the other way to
account (after the fact, no refusal possible), and the balance query of one user among
--users accounts and --jobs ledger entries.

    .venv/bin/python bench/bench_printing.py [--jobs-per-queue 30] [--users 15000] [--jobs 200000]

Everything (SQLite database, web server, cupsd) lives in a temporary folder removed at the
end; cupsd needs root, as in the tests.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from _setup import ROOT, use_database


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs-per-queue", type=int, default=30)
    parser.add_argument("--users", type=int, default=15000)
    parser.add_argument("--jobs", type=int, default=200_000)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="labnet-bench-printing-"))
    use_database(f"sqlite:///{tmp / 'labnet.sqlite3'}")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from testing.cupsd import running_cupsd
    from testing.live import free_port, wait_for

    sys.path.insert(0, str(ROOT / "printing" / "tests"))
    from printing.host.agent import BackendSettings
    from printing.models import PrintJob
    from printing.services import do_add_credit
    from printing.tests.conftest import pdf, print_server, printer
    from workers.services import do_make_host_token

    port = free_port()
    web = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT, env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    n = args.jobs_per_queue
    try:
        with running_cupsd() as cupsd:
            printer("en1018_lj", cost_per_page="0.10", device_uri=f"file://{cupsd.out}/a.out")
            token = do_make_host_token("odie")
            url = f"http://127.0.0.1:{port}"
            backend = BackendSettings("odie", url, token, str(tmp / "outbox"))
            wait_for(lambda: _answers(url), what="the web server")
            print_server(cupsd, tmp, backend).sync()
            ppd = "lsb/usr/cupsfilters/Generic-PDF_Printer-PDF.ppd"
            plain = cupsd.command("lpadmin", "-p", "plain", "-v", f"file://{cupsd.out}/b.out",
                                  "-m", ppd, "-E")  # fmt: skip
            assert plain.returncode == 0, plain.stderr
            do_add_credit("bench", Decimal("1000"), "", user="bench")
            document = pdf(tmp / "three.pdf", 3)
            tmp.chmod(0o755)

            def logged(queue: str) -> int:
                if not cupsd.page_log.exists():
                    return 0
                return sum(
                    ln.startswith(f"{queue} ") for ln in cupsd.page_log.read_text().splitlines()
                )

            started = time.perf_counter()
            for _ in range(n):
                cupsd.command("lp", "-U", "bench", "-d", "plain", str(document))
            wait_for(lambda: logged("plain") >= n, timeout=600, what="plain jobs")
            baseline = time.perf_counter() - started

            started = time.perf_counter()
            for _ in range(n):
                cupsd.command("lp", "-U", "bench", "-d", "en1018_lj", str(document))
            wait_for(lambda: PrintJob.objects.filter(status="printed").count() >= n,
                     timeout=600, what="accounted jobs")  # fmt: skip
            accounted = time.perf_counter() - started

            started = time.perf_counter()
            lines = cupsd.page_log.read_text().splitlines()
            parsed = [ln.split() for ln in lines]
            pages = sum(int(p[6]) for p in parsed if p[5] == "total")
            parse = time.perf_counter() - started
        print(f"{n} jobs of 3 pages, same PDF driver and file:// device:")
        print(f"  CUPS alone (baseline)      {baseline / n * 1000:8.1f} ms/job")
        print(
            f"  with Labnet accounting     {accounted / n * 1000:8.1f} ms/job"
            f"  ({accounted / baseline:.2f}x, +{(accounted - baseline) / n * 1000:.1f} ms/job)"
        )
        print(f"  reading page_log instead   {parse / len(lines) * 1e6:8.1f} us/job "
              f"({len(lines)} lines, {pages} pages)")  # fmt: skip
        _balance_figure(args.users, args.jobs)
    finally:
        web.terminate()
        web.wait(10)
        subprocess.run(["rm", "-rf", str(tmp)], check=False)


def _answers(url: str) -> bool:
    import urllib.request

    try:
        urllib.request.urlopen(url + "/accounts/login/", timeout=2)
        return True
    except OSError:
        return False


def _balance_figure(users: int, jobs: int) -> None:
    """The balance of one user among many accounts and ledger entries (bulk-loaded)."""
    from printing.models import LedgerEntry, PrintAccount
    from printing.services import balance

    PrintAccount.objects.bulk_create(
        [PrintAccount(username=f"u{i:05d}") for i in range(users)], batch_size=5000
    )
    ids = list(PrintAccount.objects.values_list("id", flat=True))
    for start in range(0, jobs, 20_000):
        LedgerEntry.objects.bulk_create(
            [LedgerEntry(account_id=ids[i % len(ids)], kind="credit", amount=Decimal("0.10"),
                         by="bench") for i in range(start, min(start + 20_000, jobs))],
        )  # fmt: skip
    account = PrintAccount.objects.get(username="u00042")
    started = time.perf_counter()
    for _ in range(100):
        balance(account)
    each = (time.perf_counter() - started) / 100
    print(f"balance of one user, {users} accounts, {jobs} ledger entries: {each * 1000:.2f} ms")


if __name__ == "__main__":
    main()
