"""The BackupTable rows as the database holds them, in one query whatever the number of
servers: the web tool's view of what backupsync reads from the mirror."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from core.hosts import SERVER
from entities.models import Value

from .host.table import COLUMNS, BackupRow, backup_rows


def backup_table(sources: Iterable[str] | None = None) -> list[BackupRow]:
    """Every server's BackupTable rows (or only those of sources), by server then row."""
    values = Value.objects.filter(
        entity__entity_type__name=SERVER, variable__name__in=COLUMNS
    ).values_list("entity__name", "variable__name", "indx", "value")
    if sources is not None:
        values = values.filter(entity__name__in=list(sources))
    by_server: dict[str, list[tuple[str, int, str]]] = defaultdict(list)
    for server, variable, indx, text in values.order_by():
        by_server[server].append((variable, indx, text))
    return [row for server in sorted(by_server) for row in backup_rows(server, by_server[server])]
