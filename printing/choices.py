from django.db import models


class JobStatus(models.TextChoices):
    HELD = "held", "Held: over the page limit, release it to print"
    RELEASED = "released", "Released, waiting for the print server"
    CHARGED = "charged", "Charged, printing"
    PRINTED = "printed", "Printed"
    FAILED = "failed", "Failed, refunded"
    REFUNDED = "refunded", "Refunded"


class EntryKind(models.TextChoices):
    CREDIT = "credit", "Credit"
    CHARGE = "charge", "Charge"
    REFUND = "refund", "Refund"
    COUNT = "count", "CUPS count"  # the charge corrected to what CUPS counted


class RequestState(models.TextChoices):
    PENDING = "pending", "Waiting for an administrator"
    APPROVED = "approved", "Approved, refunded"
    DENIED = "denied", "Denied"
