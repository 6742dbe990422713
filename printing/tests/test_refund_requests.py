"""A user asks for a bad job's refund on My printing; an administrator approves it (a refund
ledger entry) or denies it on Refund requests."""

from __future__ import annotations

from decimal import Decimal

import pytest

from printing.models import LedgerEntry, RefundRequest
from testing.clients import signed_in
from testing.views import PageTestCase

from .test_balances import balance_of
from .test_pages import printed_job, printer


@pytest.fixture
def page_data(db):
    printer("en1018_lj", cost_per_page="0.10", dept="cs")
    return {"job": printed_job("alice", pages=3).pk}


class TestRefundRequests(PageTestCase):
    url = "/printing/refunds/"
    status = {"viewer": 403, "editor": 403, "admin": 200}
    contains = ["Refund requests"]
    max_queries = 6


def test_a_user_asks_and_an_administrator_approves(page_data):
    alice = signed_in("viewer", "alice")
    assert "Request refund" in alice.get("/printing/").content.decode()
    alice.post(f"/printing/mine/{page_data['job']}/refund/", {"reason": "toner streaks"})
    page = alice.get("/printing/").content.decode()
    assert "refund requested" in page and "Request refund" not in page
    again = alice.post(f"/printing/mine/{page_data['job']}/refund/", {"reason": "x"}, follow=True)
    assert "already requested" in again.content.decode()

    admin = signed_in("admin")
    assert "toner streaks" in admin.get("/printing/refunds/").content.decode()
    request = RefundRequest.objects.get()
    admin.post(f"/printing/refunds/{request.pk}/", {"decision": "approve", "answer": "ok"})
    refund = LedgerEntry.objects.get(kind="refund")
    assert (refund.amount, refund.note) == (Decimal("0.30"), "refund request: toner streaks")
    assert balance_of("alice") == Decimal("10.00")
    twice = admin.post(f"/printing/refunds/{request.pk}/", {"decision": "approve"}, follow=True)
    assert "was Approved, refunded already" in twice.content.decode()


def test_a_denied_request_refunds_nothing_and_nobody_asks_for_anothers_job(page_data):
    bob = signed_in("viewer", "bob")
    assert (
        bob.post(f"/printing/mine/{page_data['job']}/refund/", {"reason": "x"}).status_code == 404
    )
    signed_in("viewer", "alice").post(
        f"/printing/mine/{page_data['job']}/refund/", {"reason": "blank pages"}
    )
    request = RefundRequest.objects.get()
    signed_in("admin").post(f"/printing/refunds/{request.pk}/", {"decision": "deny"})
    assert RefundRequest.objects.get().state == "denied"
    assert not LedgerEntry.objects.filter(kind="refund").exists()
    assert balance_of("alice") == Decimal("9.70")
