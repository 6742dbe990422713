"""What backupsync and bkupclean read of the XML mirror: every server's BackupTable rows, the
rsync_filter entities they name, and a backup server's retention variables."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.hosts import SERVER
from entities.mirror import MirrorEntity, is_plain_name, read_entity_file

from .table import BackupRow, backup_rows, filter_rules

FILTER_TYPE = "rsync_filter"
# bkupclean's retention rules, variables of the backup server (docs/backups.md).
RETENTION_VARIABLES = ("bk_keep_daily", "bk_keep_weekly", "bk_keep_monthly")
RETENTION_MAX = 1000


@dataclass(frozen=True)
class Retention:
    """How many of the newest days, ISO weeks and months keep their newest backup."""

    daily: int = 0
    weekly: int = 0
    monthly: int = 0


def _entity(etc: Path, entity_type: str, name: str) -> MirrorEntity | None:
    path = etc / entity_type / name
    if not (is_plain_name(name) and path.is_file()):
        return None
    return read_entity_file(path)


def _values(entity: MirrorEntity) -> list[tuple[str, int, str]]:
    return [(name, v.indx, v.text) for name, values in entity.variables.items() for v in values]


def mirror_rows(etc: Path) -> list[BackupRow]:
    """The BackupTable rows of every server in the mirror."""
    rows: list[BackupRow] = []
    folder = etc / SERVER
    for path in sorted(folder.iterdir()) if folder.is_dir() else ():
        if path.is_file() and is_plain_name(path.name):
            rows.extend(backup_rows(path.name, _values(read_entity_file(path))))
    return rows


def mirror_filter(etc: Path, name: str) -> list[str]:
    """The rsync filter rules of the rsync_filter entity name ("" or "everything" with no
    rules: none); a name the mirror lacks is refused, never read as "no filter"."""
    if not name:
        return []
    entity = _entity(etc, FILTER_TYPE, name)
    if entity is None:
        raise ValueError(f"bk_filter names rsync_filter {name!r}, which does not exist")
    return filter_rules({v: entity.values(v) for v in entity.variables})


def mirror_retention(etc: Path, backup_server: str) -> Retention:
    """The backup server's bk_keep_daily, bk_keep_weekly and bk_keep_monthly (0 when unset)."""
    entity = _entity(etc, SERVER, backup_server)
    counts = []
    for variable in RETENTION_VARIABLES:
        text = (entity.values(variable) if entity else [""])[:1] or [""]
        if not text[0]:
            counts.append(0)
            continue
        if not text[0].isdigit() or int(text[0]) > RETENTION_MAX:
            raise ValueError(
                f"{backup_server}'s {variable} {text[0]!r} is not a count from 0 to {RETENTION_MAX}"
            )
        counts.append(int(text[0]))
    return Retention(*counts)
