"""The cashier's top-up CSV: imported whole or not at all, bad lines named, references
imported once."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from printing import topups
from printing.models import LedgerEntry, PrintAccount
from printing.services import balance
from testing.clients import signed_in
from testing.views import PageTestCase

GOOD = b"reference,username,amount,note\nR-1001,alice,5.00,cash\nR-1002,bob,$2.50,\n"


@pytest.fixture
def page_data(db):
    return {}


class TestTopUps(PageTestCase):
    url = "/printing/topups/"
    status = {"viewer": 403, "editor": 403, "admin": 200}
    contains = ["Import top-ups", "reference,username,amount,note"]
    max_queries = 6


def upload(client, data: bytes):
    return client.post("/printing/topups/", {"file": SimpleUploadedFile("t.csv", data)})


def balances() -> dict[str, Decimal]:
    return {a.username: balance(a) for a in PrintAccount.objects.all()}


def test_an_administrator_imports_the_cashiers_file(db):
    answer = upload(signed_in("admin"), GOOD)
    assert answer.status_code == 302
    assert balances() == {"alice": Decimal("5.00"), "bob": Decimal("2.50")}
    assert LedgerEntry.objects.get(reference="R-1001").note == "top-up R-1001: cash"


def test_a_file_with_a_bad_line_imports_nothing_and_names_each_line(db):
    data = GOOD + b"R-1003,carol,abc,\nR-1001,dave,1.00,\nR-1004,eve,-3,\n,frank,1,\n"
    page = upload(signed_in("admin"), data).content.decode()
    assert "Nothing was imported." in page
    assert "line 4: amount &#x27;abc&#x27; is not a number" in page
    assert "line 5: reference R-1001 is also on line 2" in page
    assert "line 6: amount -3 is not from 0.01 to 10000 in cents" in page
    assert "line 7: reference &#x27;&#x27; is not a reference" in page
    assert not LedgerEntry.objects.exists()


def test_a_reference_already_imported_is_refused(db):
    admin = signed_in("admin")
    upload(admin, GOOD)
    page = upload(admin, b"reference,username,amount\nR-1002,bob,2.50\n").content.decode()
    assert "line 2: reference R-1002 was already imported" in page
    assert balances()["bob"] == Decimal("2.50")


def test_a_file_over_the_size_limit_or_without_the_columns_is_refused(db):
    admin = signed_in("admin")
    big = b"reference,username,amount\n" + b"x" * topups.MAX_BYTES
    assert "The file is over 1024 KiB" in upload(admin, big).content.decode()
    page = upload(admin, b"ref,user,amount\nR-1,alice,1\n").content.decode()
    assert "line 1: the header has no reference, username column." in page
    assert not LedgerEntry.objects.exists()
