"""Central tasks of network monitoring, and the request that sends a host's agent the
on-demand collection (nms.host runs it)."""

from __future__ import annotations

import logging

from celery import shared_task

from .host.agent import COLLECT_TASK
from .ingest import ingest_pending
from .services import do_notice_silence

log = logging.getLogger("labnet.nms")
CHECK_SILENCE_TASK = "nms.check_silence"
SILENCE_CHECK_SECONDS = 60.0


@shared_task(name=CHECK_SILENCE_TASK)
def check_silence() -> int:
    # A report left queued (the request that queued it could not apply it) is applied
    # before its host can be taken for silent.
    ingest_pending()
    return len(do_notice_silence())


def request_collection(host: str) -> bool:
    """Ask host's agent to collect and report now; False when the broker cannot take it."""
    from labnet_site.celery import app

    try:
        app.send_task(COLLECT_TASK, queue=f"host.{host}", retry=False)
    except Exception as exc:  # kombu raises transport-specific errors
        log.warning("nms: could not ask %s to collect: %s", host, exc)
        return False
    return True
