"""Totals of printed jobs by printer and by department, per month: the report page and its
CSV (a department's bill)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from django.db.models import Count, F, Sum
from django.db.models.functions import TruncDay, TruncMonth

from .choices import JobStatus
from .models import PrintJob
from .pricing import CENT

REPORT_COLUMNS = ("month", "printer", "department", "jobs", "pages", "cost")


def totals(department: str = "") -> list[dict]:
    """One row per month, printer and department, newest month first, then by printer and
    department (one query)."""
    jobs = PrintJob.objects.filter(status__in=[JobStatus.PRINTED, JobStatus.CHARGED])
    if department:
        jobs = jobs.filter(department=department)
    return list(
        jobs.annotate(month=TruncMonth("submitted"))
        .values("month", "printer", "department")
        .annotate(jobs=Count("id"), pages=Sum(F("pages") * F("copies")), cost=Sum("cost"))
        .order_by("-month", "printer", "department")
    )


PERIODS = {"day": (TruncDay, "%Y-%m-%d", 31), "month": (TruncMonth, "%Y-%m", 24)}


def series(period: str, department: str = "") -> list[tuple[str, int, Decimal]]:
    """(label, pages, cost) of printed jobs per day (the last 31) or month (the last 24) that
    has any, oldest first (one query)."""
    trunc, label, count = PERIODS[period]
    jobs = PrintJob.objects.filter(status__in=[JobStatus.PRINTED, JobStatus.CHARGED])
    if department:
        jobs = jobs.filter(department=department)
    rows = list(
        jobs.annotate(period=trunc("submitted"))
        .values("period")
        .annotate(pages=Sum(F("pages") * F("copies")), cost=Sum("cost"))
        .order_by("-period")[:count]
    )
    return [
        (r["period"].strftime(label), r["pages"] or 0, Decimal(money(r["cost"])))
        for r in reversed(rows)
    ]


def money(total) -> str:
    """A summed cost to the cent (SQLite sums decimals as floats)."""
    return f"{Decimal(str(total or 0)).quantize(CENT)}"


def as_csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(REPORT_COLUMNS)
    for row in rows:
        month, cost = row["month"].strftime("%Y-%m"), money(row["cost"])
        writer.writerow([month, row["printer"], row["department"], row["jobs"], row["pages"], cost])
    return out.getvalue()
