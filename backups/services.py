"""The only writers of the backups app: a backup server's report (bk_date of the rows it
backed up, the run of each directory, its disks)."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.hosts import SERVER
from entities import services as entity_services
from entities.models import Entity
from entities.reading import entity_contents
from entities.services import username

from .configuration import backup_table
from .host.table import TABLE, BackupRow
from .models import BackupDisk, BackupRun
from .trees import Scope, inside, parts_of

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


def do_restore(
    user: object, scope: Scope, date: str, path: str, new_name: str, replace: bool
) -> str:
    """Copy a file or folder of scope's backup of date into the user's home as new_name (a
    path relative to the home, its folder existing); an existing name is refused unless
    replace (a file only). Returns the name written. Owner: the home's owner."""
    if scope.restore_to is None:
        raise ValidationError("this backup has no home directory to restore into")
    source = scope.path(date, path)
    if not path.strip("/") or not (source.is_file() or source.is_dir()) or source.is_symlink():
        raise ValidationError(f"{path[:80]!r} is not a file or folder of the backup of {date}")
    target = inside(scope.restore_to, new_name)
    if not parts_of(new_name):
        raise ValidationError("give the new name of the restored file or folder")
    if not target.parent.is_dir():
        raise ValidationError(f"the folder of {new_name!r} does not exist in your home")
    if target.exists() or target.is_symlink():
        if not (replace and source.is_file() and target.is_file() and not target.is_symlink()):
            raise ValidationError(
                f"{new_name!r} exists in your home: choose another name"
                + ("" if source.is_dir() else " or tick Replace")
            )
    owner = scope.restore_to.stat()
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".restore-") as work:
        staged = Path(work) / "restored"
        if source.is_dir():
            shutil.copytree(source, staged, symlinks=True)
        else:
            shutil.copy2(source, staged)
        if os.geteuid() == 0:
            for folder, subfolders, files in os.walk(staged):
                for name in (folder, *(os.path.join(folder, n) for n in (*subfolders, *files))):
                    os.lchown(name, owner.st_uid, owner.st_gid)
        if source.is_dir():
            staged.rename(target)  # refused by the system if target appeared meanwhile
        elif replace:
            os.replace(staged, target)
        else:
            os.link(staged, target)  # never over a file that appeared meanwhile
    log.info(
        "%s restored %s of %s (%s) as %s", username(user), path, date, scope.row.mangled, target
    )
    return str(target.relative_to(scope.restore_to))
