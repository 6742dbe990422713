"""Cost recovery: each user's print account, the jobs charged to it, and its ledger. The
balance is the sum of the ledger's entries, never a stored number, so every change of it has
its entry (who, when, why).

Nothing outside printing.services writes these models."""

from decimal import Decimal

from django.db import models
from django.db.models import Q

from .choices import EntryKind, JobStatus, RequestState

MONEY = {"max_digits": 12, "decimal_places": 2}


class PrintAccount(models.Model):
    """The print account of one user, by the user name CUPS gives the job (the Labnet
    account name, the same as the web tool's)."""

    username = models.CharField(
        max_length=150, help_text="The user's account name; dept:<name> for a department's."
    )
    charge_to = models.CharField(
        max_length=128,
        blank=True,
        help_text="The department whose account pays this user's jobs; empty: the user's own.",
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["username"]
        permissions = [("manage_printing", "Can add credit, refund jobs and read print reports")]
        constraints = [
            models.UniqueConstraint(
                fields=["username"],
                name="unique_print_account_username",
                violation_error_message="This user already has a print account.",
            )
        ]

    def __str__(self) -> str:
        return self.username


class PrintJob(models.Model):
    """One job a print server's accounting backend counted and charged before printing it."""

    account = models.ForeignKey(PrintAccount, on_delete=models.PROTECT, related_name="jobs")
    host = models.CharField(max_length=128, help_text="The print server that spooled it.")
    printer = models.CharField(max_length=127, help_text="The printer entity (CUPS queue).")
    department = models.CharField(
        max_length=128, blank=True, help_text="The printer's dept when the job was charged."
    )
    cups_job = models.PositiveIntegerField(help_text="The job's id on the print server.")
    title = models.CharField(max_length=255, blank=True)
    pages = models.PositiveIntegerField(help_text="Pages of one copy, as counted.")
    copies = models.PositiveIntegerField()
    color = models.BooleanField()
    duplex = models.BooleanField()
    width_mm = models.FloatField()
    height_mm = models.FloatField()
    cost = models.DecimalField(**MONEY)
    status = models.CharField(max_length=8, choices=JobStatus.choices, db_index=True)
    submitted = models.DateTimeField(db_index=True)
    finished = models.DateTimeField(null=True, blank=True)
    paid_by = models.ForeignKey(
        PrintAccount,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="paid_jobs",
        help_text="The department's account that paid it; empty: the user's own.",
    )
    free = models.DecimalField(
        **MONEY, default=Decimal("0"), help_text="The part of the cost the free quota paid."
    )
    free_from = models.CharField(
        max_length=128, blank=True, help_text="Whose free quota: a department, or * for all."
    )
    ink = models.FloatField(
        null=True,
        blank=True,
        help_text="Ink per page Ghostscript measured (0-4), for coverage pricing.",
    )
    counted = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Impressions CUPS counted after printing (page_log); the charge follows it.",
    )

    class Meta:
        ordering = ["-submitted", "-id"]
        indexes = [
            models.Index(fields=["host", "printer", "cups_job"], name="print_job_on_server"),
            models.Index(fields=["account", "-submitted"], name="print_job_account_time"),
        ]

    def __str__(self) -> str:
        return f"{self.printer}-{self.cups_job} {self.account_id}"

    @property
    def impressions(self) -> int:
        return self.pages * self.copies

    @property
    def payer(self) -> PrintAccount:
        """The account its ledger entries are on."""
        return self.paid_by or self.account

    @property
    def charged(self) -> Decimal:
        """What the ledger was charged: the cost less what the free quota paid."""
        return self.cost - self.free


class LedgerEntry(models.Model):
    """One change of an account's balance: credit added, a job charged, a job refunded."""

    account = models.ForeignKey(PrintAccount, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=6, choices=EntryKind.choices)
    amount = models.DecimalField(**MONEY, help_text="Added to the balance (a charge is negative).")
    job = models.ForeignKey(
        PrintJob, null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    by = models.CharField(max_length=150, help_text="Who made it: a user or a print server.")
    note = models.CharField(max_length=255, blank=True)
    reference = models.CharField(
        max_length=64,
        blank=True,
        help_text="A top-up's reference in the cashier's system: each is imported once.",
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["job", "kind"],
                condition=Q(job__isnull=False),
                name="one_entry_of_a_kind_per_job",
                violation_error_message="This job was already charged or refunded.",
            ),
            models.UniqueConstraint(
                fields=["reference"],
                condition=~Q(reference=""),
                name="one_entry_per_topup_reference",
                violation_error_message="This top-up reference was already imported.",
            ),
            models.CheckConstraint(
                condition=~Q(amount=Decimal("0")),
                name="ledger_entry_not_zero",
                violation_error_message="A ledger entry moves some money.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.kind} {self.amount}"


class FreeQuota(models.Model):
    """Dollars of printing each user gets free every term, before their balance: on the
    printers of one department, or (department *) on every printer whose department has no
    quota of its own."""

    department = models.CharField(max_length=128, help_text="A printer's dept, or * for all.")
    amount = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["department"]
        constraints = [
            models.UniqueConstraint(
                fields=["department"],
                name="one_free_quota_per_department",
                violation_error_message="This department already has a free quota.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.department} {self.amount}"


class DepartmentMember(models.Model):
    """A user who may charge their jobs to a department's account (dept:<department>)."""

    department = models.CharField(max_length=128)
    username = models.CharField(max_length=150)

    class Meta:
        ordering = ["department", "username"]
        constraints = [
            models.UniqueConstraint(
                fields=["department", "username"],
                name="one_membership_per_department_user",
                violation_error_message="This user is already a member of the department.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.department}: {self.username}"


class RefundRequest(models.Model):
    """A user's request to have a bad job refunded, until an administrator approves it (a
    refund ledger entry) or denies it."""

    job = models.ForeignKey(PrintJob, on_delete=models.PROTECT, related_name="refund_requests")
    reason = models.CharField(max_length=255)
    state = models.CharField(
        max_length=8, choices=RequestState.choices, default=RequestState.PENDING, db_index=True
    )
    requested = models.DateTimeField(auto_now_add=True)
    decided_by = models.CharField(max_length=150, blank=True)
    answer = models.CharField(max_length=255, blank=True, help_text="The administrator's note.")

    class Meta:
        ordering = ["-requested", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["job"],
                name="one_refund_request_per_job",
                violation_error_message="A refund of this job was already requested.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.job_id} {self.state}"
