"""The report page's graphs: pages and cost by day or month as server-drawn SVG bars."""

from __future__ import annotations

import re
from datetime import timedelta

from django.utils import timezone

from printing.models import PrintJob
from testing.clients import signed_in

from .test_pages import page_data, printed_job  # noqa: F401 (the fixture)


def bars(page: str) -> list[str]:
    return re.findall(r'<rect class="bar"[^>]*><title>([^<]+)</title>', page)


def test_the_report_graphs_pages_and_cost_by_month_and_by_day(page_data):  # noqa: F811
    # page_data printed 7 and 2 pages at $0.10 this month; one job moves 40 days back. The
    # jobs are pinned to one moment: printed a little before midnight, they would be on
    # another day (or month) than a clock read afterwards. Bars are in the site's time zone.
    printed_job("someone_else", pages=3)
    moment = timezone.localtime()
    earlier = timezone.localtime(moment - timedelta(days=40))
    PrintJob.objects.exclude(pages=3).update(submitted=moment)
    PrintJob.objects.filter(pages=3).update(submitted=earlier)
    admin = signed_in("admin")

    page = admin.get("/printing/report/").content.decode()
    month, now = earlier.strftime("%Y-%m"), moment.strftime("%Y-%m")
    assert bars(page) == [f"{month}: 3", f"{now}: 9", f"{month}: $0.30", f"{now}: $0.90"]
    assert "<script" not in page.split("<h2>Pages and cost")[1].split("</section>")[0]

    by_day = admin.get("/printing/report/?by=day&department=cs").content.decode()
    day, today = earlier.strftime("%Y-%m-%d"), moment.strftime("%Y-%m-%d")
    assert bars(by_day)[:2] == [f"{day}: 3", f"{today}: 9"]
    assert "nothing printed" in admin.get("/printing/report/?department=none").content.decode()
