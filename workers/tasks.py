"""Central tasks of the host agents, run by the central worker (queue "central")."""

from __future__ import annotations

from celery import shared_task

from . import fanout
from .certificates import republish_crl_if_due

REPUBLISH_CRL_TASK = "workers.republish_crl"
REPUBLISH_CRL_SECONDS = 24 * 3600


# Acknowledged once done, so a central worker that dies half-way leaves the message to another
# (RabbitMQ at once, Redis after its visibility timeout); a second run only sends agents a
# sequence number they have, or soon will have, applied.
@shared_task(name=fanout.FANOUT_TASK, acks_late=True)
def fan_out(first: int, last: int) -> int:
    return fanout.fan_out(first, last)


@shared_task(name=REPUBLISH_CRL_TASK)
def republish_crl() -> bool:
    """Daily: a fresh revocation list before the shipped one's 30 days run out."""
    return republish_crl_if_due()
