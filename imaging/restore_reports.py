"""The writer of re-imaging results: a client's agent reports each restoreimage it ran."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from .models import ImageRestore

log = logging.getLogger("labnet.imaging")
KEPT_PER_HOST = 200  # a client re-imaged at every logout reports many times a day


def do_record_restore(host: str, result: dict[str, Any]) -> ImageRestore:
    """Store one restore result (fields of ImageRestore, checked by the API's serializer)
    and drop the host's results beyond the newest KEPT_PER_HOST."""
    with transaction.atomic():
        restore = ImageRestore.objects.create(host=host, received=timezone.now(), **result)
        old = ImageRestore.objects.filter(host=host).values_list("pk", flat=True)[KEPT_PER_HOST:]
        ImageRestore.objects.filter(pk__in=list(old)).delete()
    log.info(
        "%s re-imaged %s: %s, %d blocks differed, %d bytes written",
        host,
        restore.partition,
        "good" if restore.good else "NOT good",
        restore.differed_blocks,
        restore.written_bytes,
    )
    return restore
