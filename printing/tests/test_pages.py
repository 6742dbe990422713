"""The printing pages: each role's answer, what they show, their query budgets, the CSV."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from django.utils import timezone

from printing import reports, services
from printing.models import PrintJob
from testing.clients import signed_in
from testing.views import PageTestCase, assert_queries_do_not_grow

from .conftest import printer

_jobs = itertools.count(1)


def printed_job(user: str, pages: int = 2):
    services.do_add_credit(user, Decimal("10"), "", user="tests")
    job, _ = services.do_charge_job(
        "odie",
        {
            "printer": "en1018_lj", "job_id": next(_jobs), "user": user, "title": "thesis.pdf",
            "pages": pages, "copies": 1, "color": False, "duplex": False,
            "width_mm": 215.9, "height_mm": 279.4,
        },
    )  # fmt: skip
    return services.do_finish_job("odie", job.pk, printed=True)


@pytest.fixture
def page_data(db):
    printer("en1018_lj", cost_per_page="0.10", dept="cs")
    printed_job("someone_else", pages=7)
    return {"job": printed_job("someone_else").pk}


class TestMyPrinting(PageTestCase):
    url = "/printing/"
    contains = ["My printing", "balance $0.00"]
    max_queries = 8


class TestJobs(PageTestCase):
    url = "/printing/jobs/"
    status = {"viewer": 403, "editor": 403, "admin": 200}
    contains = ["someone_else", "thesis.pdf", "Refund"]
    form = {"username": "frank", "amount": "3.50", "note": "cash"}
    post_status = {"viewer": 403, "editor": 403, "admin": 302}
    max_queries = 8


class TestReport(PageTestCase):
    url = "/printing/report/"
    status = {"viewer": 403, "editor": 403, "admin": 200}
    contains = ["en1018_lj", "cs", "$0.90"]
    max_queries = 7  # the graphs' series: one query


def test_a_user_sees_only_their_own_jobs_and_balance(page_data):
    client = signed_in("viewer", "gina")
    printed_job("gina", pages=3)

    page = client.get("/printing/").content.decode()

    assert "balance $9.70" in page and "thesis.pdf" in page
    assert page.count("thesis.pdf") == 1  # someone_else's two jobs are not shown


def test_an_administrator_refunds_a_job_from_the_jobs_page(page_data):
    admin = signed_in("admin")

    admin.post(f"/printing/jobs/{page_data['job']}/refund/", {"note": "jam"})
    again = admin.post(f"/printing/jobs/{page_data['job']}/refund/", {}, follow=True)

    assert "only a printed job is refunded" in again.content.decode()
    account = services.PrintAccount.objects.get(username="someone_else")
    assert services.balance(account) == Decimal("19.30")  # 20 credit - 0.70 printed


def test_a_departments_bill_as_csv(page_data):
    answer = signed_in("admin").get("/printing/report/?format=csv&department=cs")

    assert answer["Content-Type"] == "text/csv"
    lines = answer.content.decode().splitlines()
    assert lines[0] == "month,printer,department,jobs,pages,cost"
    assert lines[1].endswith(",en1018_lj,cs,2,9,0.90")


def test_a_printer_that_changed_department_has_a_row_per_department_in_name_order(page_data):
    # The printer's jobs of one month in two departments: rows alike but for the department
    # come out in its order, whatever order the database groups them in.
    PrintJob.objects.update(submitted=timezone.now())  # one month, even across midnight
    PrintJob.objects.filter(pk=page_data["job"]).update(department="art")

    rows = [(r["printer"], r["department"], r["pages"]) for r in reports.totals()]
    assert rows == [("en1018_lj", "art", 2), ("en1018_lj", "cs", 7)]


def test_the_pages_queries_do_not_grow_with_jobs(page_data):
    admin = signed_in("admin", "hal")
    printed_job("hal")  # hal's account exists before as after
    urls = ["/printing/", "/printing/jobs/", "/printing/report/"]
    assert_queries_do_not_grow(admin, urls, lambda: [printed_job("hal") for _ in range(5)])
