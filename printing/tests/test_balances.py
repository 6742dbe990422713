"""Free quotas per term before the balance, and departments' accounts paying their members'
jobs when the member chooses so on My printing."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from printing import services
from printing.models import PrintAccount, PrintJob
from testing.clients import signed_in

from .conftest import printer

pytestmark = pytest.mark.django_db
_jobs = itertools.count(1)


def job(user: str, pages: int, on: str = "en1018_lj") -> dict:
    return {
        "printer": on, "job_id": next(_jobs), "user": user, "title": "t", "pages": pages,
        "copies": 1, "color": False, "duplex": False, "width_mm": 215.9, "height_mm": 279.4,
    }  # fmt: skip


def balance_of(name: str) -> Decimal:
    return services.balance(PrintAccount.objects.filter(username=name).first())


@pytest.fixture
def printers():
    printer("en1018_lj", cost_per_page="0.10", dept="cs")
    printer("math_lj", cost_per_page="0.10", dept="math")


def test_the_free_quota_pays_before_the_balance_and_comes_back_each_term(printers):
    services.do_set_free_quota("cs", Decimal("0.50"), user="tests")
    services.do_set_free_quota("*", Decimal("0.20"), user="tests")
    services.do_add_credit("alice", Decimal("1.00"), "", user="tests")

    first, _ = services.do_charge_job("odie", job("alice", 3))
    second, left = services.do_charge_job("odie", job("alice", 3))
    assert (first.free, second.free, left) == (Decimal("0.30"), Decimal("0.20"), Decimal("0.90"))
    # math has no quota of its own: everyone's (*) pays there.
    elsewhere, _ = services.do_charge_job("odie", job("alice", 3, on="math_lj"))
    assert (elsewhere.free_from, elsewhere.free) == ("*", Decimal("0.20"))
    assert balance_of("alice") == Decimal("0.80")

    # A failed job gives its quota back; so does a new term.
    services.do_finish_job("odie", first.pk, printed=False)
    assert services.do_charge_job("odie", job("alice", 2))[0].free == Decimal("0.20")
    PrintJob.objects.update(submitted=timezone.now() - timedelta(days=366))
    assert services.do_charge_job("odie", job("alice", 9))[0].free == Decimal("0.50")
    assert balance_of("alice") == Decimal("0.80") - Decimal("0.40")


def test_a_job_beyond_the_quota_and_balance_is_refused_saying_both(printers):
    services.do_set_free_quota("cs", Decimal("0.10"), user="tests")
    with pytest.raises(services.InsufficientCredit) as refusal:
        services.do_charge_job("odie", job("bob", 3))
    assert "costs $0.30 after $0.10 of free quota and your print balance is $0.00" in str(
        refusal.value
    )


def test_a_member_charges_the_departments_account_when_they_choose_it(printers):
    admin = signed_in("admin")
    admin.post("/printing/departments/", {"department": "cs", "members": "alice, carol"})
    services.do_add_credit("dept:cs", Decimal("5.00"), "grant", user="tests")
    alice = signed_in("viewer", "alice")
    assert "the cs department" in alice.get("/printing/").content.decode()
    assert alice.post("/printing/", {"charge_to": "cs"}).status_code == 302

    charged, left = services.do_charge_job("odie", job("alice", 4))
    assert (charged.account.username, charged.payer.username) == ("alice", "dept:cs")
    assert (balance_of("dept:cs"), balance_of("alice"), left) == (
        Decimal("4.60"), Decimal("0"), Decimal("4.60")
    )  # fmt: skip
    services.do_finish_job("odie", charged.pk, printed=False)
    assert balance_of("dept:cs") == Decimal("5.00")

    # Someone else cannot choose it; a member taken off pays their own jobs again.
    page = signed_in("viewer", "bob").post("/printing/", {"charge_to": "cs"}).content.decode()
    assert "Select a valid choice" in page
    admin.post("/printing/departments/", {"department": "cs", "members": "carol"})
    assert PrintAccount.objects.get(username="alice").charge_to == ""
    with pytest.raises(services.InsufficientCredit, match="your print balance is \\$0.00"):
        services.do_charge_job("odie", job("alice", 1))
