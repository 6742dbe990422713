"""Concurrent jobs of one user never overdraw the balance: on MariaDB, where two requests
really run at once, the check and the debit are one transaction holding the account's row
lock."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from printing import services
from printing.models import PrintAccount, PrintJob

from .conftest import printer

pytestmark = [
    pytest.mark.mariadb,
    pytest.mark.skipif(
        connection.vendor != "mysql", reason="needs MariaDB (LABNET_DATABASE_URL=mysql://...)"
    ),
]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_jobs_charged_at_once_never_take_the_balance_below_zero():
    printer("en1018_lj", cost_per_page="0.10")
    services.do_add_credit("alice", Decimal("1.00"), "", user="tests")
    start = threading.Barrier(8)
    outcomes: list[str] = []

    def charge(number: int) -> None:
        job = {
            "printer": "en1018_lj", "job_id": number, "user": "alice", "title": "", "pages": 3,
            "copies": 1, "color": False, "duplex": False, "width_mm": 215.9, "height_mm": 279.4,
        }  # fmt: skip
        try:
            start.wait()
            services.do_charge_job("odie", job)
            outcomes.append("charged")
        except services.InsufficientCredit:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=charge, args=(n,)) for n in range(1, 9)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["charged"] * 3 + ["refused"] * 5
    assert PrintJob.objects.count() == 3
    assert services.balance(PrintAccount.objects.get(username="alice")) == Decimal("0.10")
