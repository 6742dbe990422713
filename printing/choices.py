from django.db import models


class JobStatus(models.TextChoices):
    CHARGED = "charged", "Charged, printing"
    PRINTED = "printed", "Printed"
    FAILED = "failed", "Failed, refunded"
    REFUNDED = "refunded", "Refunded"


class EntryKind(models.TextChoices):
    CREDIT = "credit", "Credit"
    CHARGE = "charge", "Charge"
    REFUND = "refund", "Refund"
    COUNT = "count", "CUPS count"  # the charge corrected to what CUPS counted
