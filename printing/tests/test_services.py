"""Pricing, the balance as the ledger's sum, credit and refunds."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from labnet_site.celery import app
from printing import services
from printing.choices import JobStatus
from printing.models import LedgerEntry
from printing.release import do_release_job
from testing import factories

from .conftest import printer

JOB = {
    "printer": "qe2_plotter", "job_id": 7, "user": "erin", "title": "poster", "pages": 1,
    "copies": 1, "color": True, "duplex": False, "width_mm": 914.0, "height_mm": 1000.0,
}  # fmt: skip


def test_large_format_is_priced_by_area(db, monkeypatch):
    printer("qe2_plotter", color="yes", cost_per_square_metre="12.00", cost_per_page="4.00")
    services.do_add_credit("erin", Decimal("20"), "", user="tests")
    # A large-format job is held with its quote until its user releases it.
    quote, _ = services.do_charge_job("odie", JOB)
    assert (quote.status, quote.cost) == (JobStatus.HELD, Decimal("10.97"))
    monkeypatch.setattr(app, "send_task", lambda *args, **kwargs: None)
    do_release_job(quote, user=factories.user("viewer", "erin"))

    job, left = services.do_charge_job("odie", JOB)

    assert job.cost == Decimal("10.97")  # 0.914 m² at $12
    assert left == Decimal("9.03")


def test_colour_and_duplex_prices(db):
    printer("en2036_clj", color="yes", cost_per_page="0.08", cost_per_color_page="0.25",
            duplex_discount="20")  # fmt: skip
    services.do_add_credit("erin", Decimal("5"), "", user="tests")
    letter = {**JOB, "printer": "en2036_clj", "width_mm": 215.9, "height_mm": 279.4}

    colour, _ = services.do_charge_job("odie", {**letter, "pages": 4})
    mono_duplex, _ = services.do_charge_job(
        "odie", {**letter, "job_id": 8, "pages": 10, "color": False, "duplex": True}
    )

    assert (colour.cost, mono_duplex.cost) == (Decimal("1.00"), Decimal("0.64"))


def test_the_same_job_asked_again_is_charged_once(db):
    printer("en1018_lj", cost_per_page="0.10")
    services.do_add_credit("erin", Decimal("1"), "", user="tests")
    job = {**JOB, "printer": "en1018_lj", "color": False, "pages": 2}

    first, _ = services.do_charge_job("odie", job)
    again, left = services.do_charge_job("odie", job)

    assert again.pk == first.pk and left == Decimal("0.80")


def test_a_printer_of_another_server_or_a_bad_price_is_refused(db):
    printer("en1018_lj", cost_per_page="0.10")
    with pytest.raises(ValidationError, match="not served by scout"):
        services.do_charge_job("scout", {**JOB, "printer": "en1018_lj"})
    with pytest.raises(ValidationError, match="not a Labnet printer"):
        services.do_charge_job("odie", {**JOB, "printer": "nowhere"})


def test_an_administrator_refunds_a_printed_job_once(db):
    printer("en1018_lj", cost_per_page="0.10")
    services.do_add_credit("erin", Decimal("1"), "", user="tests")
    job, _ = services.do_charge_job("odie", {**JOB, "printer": "en1018_lj", "pages": 3})
    services.do_finish_job("odie", job.pk, printed=True)
    admin = factories.user("admin")

    services.do_refund_job(job, "paper jam", user=admin)

    assert services.balance(job.account) == Decimal("1.00")
    with pytest.raises(ValidationError, match="only a printed job is refunded"):
        services.do_refund_job(job, "again", user=admin)
    job.refresh_from_db()
    assert job.status == JobStatus.REFUNDED
    assert list(LedgerEntry.objects.filter(job=job).values_list("kind", "by", "note")) == [
        ("refund", admin.username, "paper jam"), ("charge", "odie", ""),
    ]  # fmt: skip


def test_only_administrators_add_credit_and_never_below_zero(db):
    with pytest.raises(PermissionDenied):
        services.do_add_credit("erin", Decimal("5"), "", user=factories.user("editor"))
    with pytest.raises(ValidationError, match="below"):
        services.do_add_credit("erin", Decimal("-1"), "", user="tests")
    with pytest.raises(ValidationError, match="Give an amount"):
        services.do_add_credit("erin", Decimal("0"), "", user="tests")
    assert not LedgerEntry.objects.exists()
