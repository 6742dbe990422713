"""The writers of the Windows 7 appserver's state: syncimage's TimeStamp in the appserver's
own WindowsImageTab row (one batch through entities.services, so the change log shows it),
and the storage the appserver's agent reports (masters, COW disks, targets, sessions)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from entities import services as entity_services
from entities.models import Entity
from entities.reading import entity_contents

from .models import IscsiState

SERVER_TYPE = "server"
IMAGE_TABLE = "WindowsImageTab"
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"
FUTURE_SLACK = timedelta(minutes=10)  # the appserver's clock may run a little ahead


def do_record_image_sync(host: str, image: str, timestamp: str, *, user: object = None) -> str:
    """Set TimeStamp of host's WindowsImageTab row of image: syncimage rebuilt its master at
    that moment (local time). Nothing else of the entity is written."""
    try:
        moment = datetime.strptime(timestamp, TIMESTAMP_FORMAT)
    except ValueError:
        raise ValidationError(f"TimeStamp {timestamp[:30]!r} is not YYYY-MM-DD HH:MM:SS") from None
    if timezone.make_aware(moment) > timezone.now() + FUTURE_SLACK:
        raise ValidationError(f"TimeStamp {timestamp} is in the future")
    entity = Entity.objects.filter(entity_type__name=SERVER_TYPE, name=host).first()
    if entity is None:
        raise ValidationError(f"{host!r} is not a server")
    rows = [
        dict(row) for row in entity_contents(entity, show_secrets=True).tables.get(IMAGE_TABLE, [])
    ]
    for row in rows:
        if row.get("wi_image") == image:
            row["TimeStamp"] = timestamp
            entity_services.do_set_values(entity, tables={IMAGE_TABLE: rows}, user=user)
            return timestamp
    raise ValidationError(f"{host} has no WindowsImageTab row of image {image}")


@transaction.atomic
def do_record_iscsi_state(host: str, state: dict[str, Any]) -> IscsiState:
    """Keep what host's agent reports of its iSCSI storage now (the previous report goes)."""
    record, _ = IscsiState.objects.update_or_create(
        host=host, defaults={**state, "reported": timezone.now()}
    )
    return record
