"""Release a held job: its user confirms a job held over its printer's page_limit on My
printing, and the print server's agent resumes it in CUPS (task printing.release on
host.<server>); the accounting backend then charges it like any other."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import transaction

from labnet_site.celery import app

from .choices import JobStatus
from .host.agent import RELEASE_TASK
from .models import PrintJob

log = logging.getLogger("labnet.printing")


def do_release_job(job: PrintJob, *, user: object) -> PrintJob:
    """The user releases their own job held over the page limit: its print server's agent
    resumes it in CUPS (task printing.release), and the backend then charges it."""
    name = getattr(user, "username", "")
    with transaction.atomic():
        job = PrintJob.objects.select_for_update().select_related("account").get(pk=job.pk)
        if job.account.username != name:
            raise ValidationError("Only the job's own user releases it.")
        if job.status != JobStatus.HELD:
            raise ValidationError(
                f"Job {job.printer}-{job.cups_job} is {job.get_status_display()}: "
                "only a held job is released."
            )
        job.status = JobStatus.RELEASED
        job.save(update_fields=["status"])
    try:
        app.send_task(
            RELEASE_TASK,
            kwargs={"printer": job.printer, "job_id": job.cups_job},
            queue=f"host.{job.host}",
            retry=False,
        )
    except Exception as exc:  # kombu raises transport-specific errors
        PrintJob.objects.filter(pk=job.pk).update(status=JobStatus.HELD)
        log.warning("release of %s-%s: %s", job.printer, job.cups_job, exc)
        raise ValidationError(
            f"{job.host} could not be reached: the job stays held; release it again later."
        ) from None
    return job
