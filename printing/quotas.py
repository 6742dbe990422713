"""Free quotas and terms: each user prints a department's (or everyone's, *) free quota in
dollars each term before their balance pays. A term starts on each of the month-day dates of
the setting LABNET_PRINT_TERMS (default 01-01, 05-01 and 09-01: spring, summer, autumn)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from .choices import JobStatus
from .models import FreeQuota, PrintAccount, PrintJob

ALL_DEPARTMENTS = "*"
DEFAULT_TERMS = ("01-01", "05-01", "09-01")


def term_start(now: datetime | None = None) -> datetime:
    """The start (midnight, local time) of the term now is in."""
    now = timezone.localtime(now or timezone.now())
    starts = sorted(getattr(settings, "LABNET_PRINT_TERMS", DEFAULT_TERMS))
    dates = [
        now.replace(year=now.year - back, month=int(s[:2]), day=int(s[3:]))
        for back in (0, 1)
        for s in starts
    ]
    day = max(d for d in dates if d.date() <= now.date())
    return day.replace(hour=0, minute=0, second=0, microsecond=0)


def free_left(account: PrintAccount, department: str) -> tuple[str, Decimal]:
    """Whose quota a job on a printer of department draws on (its department's, else *'s)
    and what of it the user has left this term; ("", 0) when there is none."""
    quotas = dict(
        FreeQuota.objects.filter(department__in=[department, ALL_DEPARTMENTS]).values_list(
            "department", "amount"
        )
    )
    scope = department if department and department in quotas else ALL_DEPARTMENTS
    if scope not in quotas:
        return "", Decimal("0")
    used = (
        PrintJob.objects.filter(account=account, free_from=scope, submitted__gte=term_start())
        .exclude(status__in=[JobStatus.FAILED, JobStatus.REFUNDED])
        .aggregate(used=Sum("free"))["used"]
    )
    return scope, max(quotas[scope] - (used or Decimal("0")), Decimal("0"))
