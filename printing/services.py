"""The only writers of printing's models: charge a job before it prints, finish it, add
credit, refund. Each is one transaction; a refusal is a ValidationError whose message the
user reads (on the web page, or as the job's state message on the print server)."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from core.permissions import MANAGE_PRINTING, require
from entities.models import Value

from . import quotas
from .choices import EntryKind, JobStatus, RequestState
from .models import (
    DepartmentMember,
    FreeQuota,
    LedgerEntry,
    PrintAccount,
    PrintJob,
    RefundRequest,
)
from .pricing import BadPrice, job_cost, priced_by_area

PRINTER_TYPE = "printer"
MAX_CREDIT = Decimal("10000")
DEPARTMENT_PREFIX = "dept:"  # a department's account; no user name has a colon


class InsufficientCredit(ValidationError):
    """The job costs more than the user's balance: nothing was charged."""


def printer_values(printer: str) -> dict[str, list[str]] | None:
    """The printer entity's values by variable (one query); None when there is no such
    printer."""
    rows = (
        Value.objects.filter(entity__entity_type__name=PRINTER_TYPE, entity__name=printer)
        .order_by("variable__name", "indx")
        .values_list("variable__name", "value")
    )
    values: dict[str, list[str]] = {}
    for variable, text in rows:
        values.setdefault(variable, []).append(text)
    return values or None


def page_limit(printer: str, values: dict[str, list[str]]) -> int | None:
    """The printer's page_limit: a job of more impressions (pages x copies) is held until its
    user releases it; None when the printer has none."""
    text = (values.get("page_limit") or [""])[0].strip()
    if not text:
        return None
    if not text.isdigit() or not 0 < int(text) <= 1_000_000:
        raise ValidationError(f"printer {printer}: page_limit {text[:40]!r} is not a page count")
    return int(text)


def balance(account: PrintAccount | None) -> Decimal:
    if account is None:
        return Decimal("0.00")
    total = LedgerEntry.objects.filter(account=account).aggregate(total=Sum("amount"))["total"]
    return total or Decimal("0.00")


def locked_account(username: str) -> PrintAccount:
    """The user's account, made on first use, locked for the rest of the transaction so two
    jobs of one user are checked and debited one after the other."""
    PrintAccount.objects.get_or_create(username=username)
    return PrintAccount.objects.select_for_update().get(username=username)


def do_charge_job(host: str, job: dict) -> tuple[PrintJob, Decimal]:
    """Price a job a print server is about to print and debit the user, or refuse it.

    job holds printer, job_id, user, title, pages, copies, color, duplex, width_mm, height_mm.
    The same job asked again while it prints (CUPS retried it) is not charged twice. Returns
    the job and the balance left."""
    printer = job["printer"]
    values = printer_values(printer)
    if values is None:
        raise ValidationError(f"printer {printer!r} is not a Labnet printer.")
    if (values.get("server") or [""])[0] != host:
        raise ValidationError(f"printer {printer!r} is not served by {host}.")
    try:
        cost = job_cost(
            printer,
            values,
            **{k: job[k] for k in ("pages", "copies", "color", "duplex", "width_mm", "height_mm")},
            ink=job.get("ink"),
        )
    except BadPrice as exc:
        raise ValidationError(str(exc)) from None
    limit = page_limit(printer, values)
    large = priced_by_area(values)
    with transaction.atomic():
        account = locked_account(job["user"])
        on_server = PrintJob.objects.filter(
            account=account, host=host, printer=printer, cups_job=job["job_id"]
        )
        again = on_server.filter(status=JobStatus.CHARGED).first()
        if again is not None:
            return again, balance(again.payer)
        waiting = on_server.filter(status__in=[JobStatus.HELD, JobStatus.RELEASED]).first()
        released = waiting is not None and waiting.status == JobStatus.RELEASED
        over = limit is not None and job["pages"] * job["copies"] > limit
        held = (over or large) and not released
        department = (values.get("dept") or [""])[0]
        payer, whose = account, "your"
        free_from, free = "", Decimal("0")
        if not held:
            payer, whose = _payer(account)
            free_from, free = quotas.free_left(account, department)
            free = min(free, cost)
        left = balance(payer)
        if not held and cost - free > left:
            quota = f" after ${free:.2f} of free quota" if free else ""
            raise InsufficientCredit(
                f"{job['user']}: this job costs ${cost:.2f}{quota} and {whose} print balance "
                f"is ${left:.2f}; add credit and print again."
            )
        fields = {
            "department": department,
            "title": job["title"],
            **{k: job[k] for k in ("pages", "copies", "color", "duplex", "width_mm", "height_mm")},
            "cost": cost,
            "ink": job.get("ink"),
            "free": free,
            "free_from": free_from,
            "paid_by": None if payer == account else payer,
            "status": JobStatus.HELD if held else JobStatus.CHARGED,
            "submitted": timezone.now(),
        }
        if waiting is None:
            charged = PrintJob.objects.create(
                account=account, host=host, printer=printer, cups_job=job["job_id"], **fields
            )
        else:
            charged = waiting
            for name, value in fields.items():
                setattr(charged, name, value)
            charged.save(update_fields=list(fields))
        if held:
            return charged, left
        if charged.charged:
            LedgerEntry.objects.create(
                account=payer,
                kind=EntryKind.CHARGE,
                amount=-charged.charged,
                job=charged,
                by=host,
            )
    return charged, left - charged.charged


def _payer(account: PrintAccount) -> tuple[PrintAccount, str]:
    """The account that pays the user's jobs (locked, after the user's own, so two members
    of a department wait for each other) and whose it is, as the refusal says."""
    department = account.charge_to
    if not department:
        return account, "your"
    if not DepartmentMember.objects.filter(
        department=department, username=account.username
    ).exists():
        raise ValidationError(
            f"{account.username}: you are not a member of {department} any more; choose "
            "your own account on My printing."
        )
    return locked_account(DEPARTMENT_PREFIX + department), f"the {department} department's"


def held_message(job: PrintJob) -> str:
    """Why the print server holds a job, as its user reads it in lpstat."""
    values = printer_values(job.printer) or {}
    if priced_by_area(values):
        return (
            f"{job.account.username}: this large-format job costs ${job.cost:.2f}. "
            "Release it on My printing to print it."
        )
    return (
        f"{job.account.username}: this job has {job.impressions} pages, over {job.printer}'s "
        f"limit; it costs ${job.cost:.2f}. Release it on My printing to print it."
    )


def _refund(job: PrintJob, by: str, note: str) -> None:
    """What the job's payer was charged goes back; its free quota returns with the job's
    status (a failed or refunded job uses none)."""
    if job.charged:
        LedgerEntry.objects.create(
            account=job.payer, kind=EntryKind.REFUND, amount=job.charged, job=job, by=by,
            note=note,
        )  # fmt: skip


def do_finish_job(host: str, job_id: int, printed: bool) -> PrintJob:
    """The print server's word on a charged job: printed, or failed (refunded at once)."""
    with transaction.atomic():
        job = PrintJob.objects.select_for_update().filter(pk=job_id, host=host).first()
        if job is None:
            raise ValidationError(f"{host} has no print job {job_id}.")
        if job.status != JobStatus.CHARGED:
            return job  # a report sent again from the agent's outbox
        job.status = JobStatus.PRINTED if printed else JobStatus.FAILED
        job.finished = timezone.now()
        job.save(update_fields=["status", "finished"])
        if not printed:
            _refund(job, host, "the job failed to print")
    return job


def do_count_job(host: str, printer: str, cups_job: int, impressions: int) -> PrintJob | None:
    """CUPS's own count of a printed job (page_log's total): when it differs from the pages
    charged (a two-sided job whose copies the printer made, which the backend saw once), the
    job is priced again at that count and the difference charged or refunded, as a ledger
    entry saying why. The newest job of that number on the queue; None when Labnet charged
    none (a failed or refused job); a count reported again changes nothing. A correction may
    take the balance below zero: the pages are printed."""
    with transaction.atomic():
        job = (
            PrintJob.objects.select_for_update()
            .filter(host=host, printer=printer, cups_job=cups_job)
            .exclude(status=JobStatus.FAILED)
            .order_by("-submitted", "-id")
            .first()
        )
        if job is None or job.counted is not None:
            return job
        job.counted = impressions
        fields = ["counted"]
        values = printer_values(printer)
        if impressions != job.impressions and values is not None:
            try:
                cost = job_cost(
                    printer,
                    values,
                    pages=impressions,
                    copies=1,
                    **{k: getattr(job, k) for k in ("color", "duplex", "width_mm", "height_mm")},
                    ink=job.ink,
                )
            except BadPrice as exc:
                raise ValidationError(str(exc)) from None
            if cost != job.cost:
                note = f"CUPS counted {impressions} impressions, {job.impressions} were charged"
                LedgerEntry.objects.create(
                    account=job.payer,
                    kind=EntryKind.COUNT,
                    amount=job.cost - cost,
                    job=job,
                    by=host,
                    note=note,
                )
                job.cost = cost
                fields.append("cost")
        job.save(update_fields=fields)
    return job


def do_refund_job(job: PrintJob, note: str, *, user: object) -> PrintJob:
    """An administrator gives a printed job's cost back (a jam, a bad print)."""
    require(user, MANAGE_PRINTING)
    with transaction.atomic():
        job = PrintJob.objects.select_for_update().get(pk=job.pk)
        if job.status != JobStatus.PRINTED:
            raise ValidationError(
                f"Job {job.printer}-{job.cups_job} is {job.get_status_display()}: "
                "only a printed job is refunded."
            )
        job.status = JobStatus.REFUNDED
        job.save(update_fields=["status"])
        _refund(job, str(user), note)
    return job


def do_add_credit(username: str, amount: Decimal, note: str, *, user: object) -> LedgerEntry:
    """Credit (or, negative, a correction) added to a user's balance by an administrator."""
    require(user, MANAGE_PRINTING)
    if not amount or abs(amount) > MAX_CREDIT:
        raise ValidationError(
            {"amount": f"Give an amount from -{MAX_CREDIT} to {MAX_CREDIT}, not 0."}
        )
    with transaction.atomic():
        account = locked_account(username)
        if amount < 0 and balance(account) + amount < 0:
            raise ValidationError({"amount": f"{username}'s balance would fall below $0.00."})
        return LedgerEntry.objects.create(
            account=account, kind=EntryKind.CREDIT, amount=amount, by=str(user), note=note
        )


def do_set_free_quota(department: str, amount: Decimal, *, user: object) -> None:
    """Set (0: remove) the free quota each user gets per term on department's printers, or
    with department * on every printer whose department has none of its own."""
    require(user, MANAGE_PRINTING)
    department = department.strip()
    if not department or len(department) > 128:
        raise ValidationError({"department": "Give a printer's dept, or * for every printer."})
    if amount < 0 or amount > MAX_CREDIT:
        raise ValidationError({"amount": f"Give an amount from 0 to {MAX_CREDIT}."})
    with transaction.atomic():
        if amount:
            FreeQuota.objects.update_or_create(department=department, defaults={"amount": amount})
        else:
            FreeQuota.objects.filter(department=department).delete()


def do_set_department_members(department: str, usernames: list[str], *, user: object) -> None:
    """The users who may charge their jobs to department's account (dept:<department>)."""
    require(user, MANAGE_PRINTING)
    department = department.strip()
    if not department or len(department) > 128 or ":" in department:
        raise ValidationError({"department": "Give a department name (no colon)."})
    if len(usernames) > 1000 or any(not 0 < len(u) <= 150 for u in usernames):
        raise ValidationError({"members": "Give at most 1000 user names."})
    with transaction.atomic():
        DepartmentMember.objects.filter(department=department).exclude(
            username__in=usernames
        ).delete()
        for name in usernames:
            DepartmentMember.objects.get_or_create(department=department, username=name)
        PrintAccount.objects.filter(charge_to=department).exclude(username__in=usernames).update(
            charge_to=""
        )
        locked_account(DEPARTMENT_PREFIX + department)


def do_choose_account(department: str, *, user: object) -> None:
    """A user chooses who pays their jobs: a department they are a member of, or ("")
    themselves."""
    username = getattr(user, "username", "")
    if (
        department
        and not DepartmentMember.objects.filter(department=department, username=username).exists()
    ):
        raise ValidationError({"charge_to": f"You are not a member of {department[:128]}."})
    with transaction.atomic():
        account = locked_account(username)
        account.charge_to = department
        account.save(update_fields=["charge_to"])


def do_request_refund(job: PrintJob, reason: str, *, user: object) -> RefundRequest:
    """A user asks for their own printed job's cost back (a jam, a blank page), once."""
    reason = reason.strip()
    if not reason or len(reason) > 255:
        raise ValidationError({"reason": "Say in up to 255 characters what was wrong."})
    with transaction.atomic():
        job = PrintJob.objects.select_for_update().select_related("account").get(pk=job.pk)
        if job.account.username != getattr(user, "username", ""):
            raise ValidationError("Only the job's own user asks for its refund.")
        if job.status != JobStatus.PRINTED:
            raise ValidationError(
                f"Job {job.printer}-{job.cups_job} is {job.get_status_display()}: "
                "only a printed job is refunded."
            )
        if RefundRequest.objects.filter(job=job).exists():
            raise ValidationError("A refund of this job was already requested.")
        return RefundRequest.objects.create(job=job, reason=reason)


def do_decide_refund(
    request: RefundRequest, approve: bool, answer: str, *, user: object
) -> RefundRequest:
    """An administrator approves (the job is refunded, a ledger entry) or denies a request."""
    require(user, MANAGE_PRINTING)
    with transaction.atomic():
        request = RefundRequest.objects.select_for_update().get(pk=request.pk)
        if request.state != RequestState.PENDING:
            raise ValidationError(f"This request was {request.get_state_display()} already.")
        if approve:
            note = f"refund request: {request.reason}"[:255]
            do_refund_job(request.job, note, user=user)
        request.state = RequestState.APPROVED if approve else RequestState.DENIED
        request.decided_by, request.answer = str(user), answer.strip()[:255]
        request.save(update_fields=["state", "decided_by", "answer"])
    return request
