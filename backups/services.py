"""The only writers of the backups app: a backup server's report (bk_date of the rows it
backed up, the run of each directory, its disks)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.hosts import SERVER
from entities import services as entity_services
from entities.models import Entity
from entities.reading import entity_contents

from .configuration import backup_table
from .host.table import TABLE, BackupRow
from .models import BackupDisk, BackupRun

log = logging.getLogger("labnet.backups")


def _rows_reported(bk_server: str, results: Sequence[Mapping[str, Any]]) -> list[BackupRow]:
    """The BackupTable row of each result; refused when a result names a directory no row
    of its source has this backup server back up."""
    rows = {
        (r.source, r.directory.rstrip("/") or "/"): r
        for r in backup_table({r["source"] for r in results})
        if r.bk_server == bk_server
    }
    found, refused = [], []
    for result in results:
        row = rows.get((result["source"], result["directory"].rstrip("/") or "/"))
        if row is None:
            refused.append(
                f"{result['source']} has no BackupTable row for {result['directory']} "
                f"backed up by {bk_server}"
            )
        found.append(row)
    if refused:
        raise ValidationError(refused)
    return found


def _set_dates(new_dates: Mapping[str, dict[int, str]], user: object) -> None:
    """Set bk_date of the given rows (server -> {row: date}) and nothing else: each server's
    BackupTable is written back with only those cells changed; a date never goes back."""
    entities = Entity.objects.select_related("entity_type").filter(
        entity_type__name=SERVER, name__in=list(new_dates)
    )
    for entity in entities:
        rows = [dict(r) for r in entity_contents(entity, show_secrets=True).tables[TABLE]]
        for indx, date in new_dates[entity.name].items():
            held = rows[indx - 1]["bk_date"]
            if held in ("", "none") or held < date:
                rows[indx - 1]["bk_date"] = date
        entity_services.do_set_values(entity, tables={TABLE: rows}, user=user)


@transaction.atomic
def do_record_backup_report(
    bk_server: str,
    results: Sequence[Mapping[str, Any]],
    disks: Sequence[Mapping[str, Any]],
    *,
    user: object = None,
) -> int:
    """Record what backupsync did on bk_server: bk_date of each row it backed up, the run of
    each directory, and its disks. Returns how many rows got a new bk_date."""
    rows = _rows_reported(bk_server, results)
    now = timezone.now()
    new_dates: dict[str, dict[int, str]] = {}
    for row, result in zip(rows, results, strict=True):
        if result["ok"]:
            new_dates.setdefault(row.source, {})[row.indx] = result["date"]
        fields = {k: result[k] for k in ("date", "ok", "exit_code", "message", "files", "bytes")}
        fields |= {"seconds": result["seconds"], "differences": result["differences"]}
        run, _ = BackupRun.objects.update_or_create(
            mangled=row.mangled,
            defaults={
                "source": row.source,
                "directory": row.directory,
                "bk_server": bk_server,
                "finished": now,
                **fields,
            },
        )
        if result["ok"]:
            BackupRun.objects.filter(pk=run.pk).update(last_good=now)
        else:
            log.warning("backup of %s failed on %s: %s", run, bk_server, result["message"])
    _set_dates(new_dates, user)
    do_record_disks(bk_server, disks)
    return sum(len(d) for d in new_dates.values())


def do_record_disks(bk_server: str, disks: Sequence[Mapping[str, Any]]) -> None:
    """Each disk of bk_server as it reported it; disks it no longer reports are dropped."""
    now = timezone.now()
    for disk in disks:
        BackupDisk.objects.update_or_create(
            bk_server=bk_server,
            mount=disk["mount"],
            defaults={**{k: disk[k] for k in ("total", "used", "free", "holds")}, "reported": now},
        )
    BackupDisk.objects.filter(bk_server=bk_server).exclude(
        mount__in=[d["mount"] for d in disks]
    ).delete()
