"""The writers of buildserver: what it built (UUIDs, sizes, physical device names removed,
rs_date) into the server's tables in one batch, the new ssh key, and each run's report.
Whatever the door (manage.py buildserver on the database, or the server's own token through
the API), only these columns of that server's own tables can be written."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from entities import services as entity_services
from entities.models import Entity
from entities.reading import entity_contents

from .host.buildserver.planning import (
    FSTAB,
    LOGICAL_VOLUMES,
    MDADM,
    PHYSICAL_VOLUMES,
    UUID_PREFIX,
)
from .host.buildserver.steps import MAX_LOG
from .models import BuildReport
from .replication import RSYNC_TABLE, SERVER_TYPE

BUILD_COLUMNS = {
    FSTAB: ("fst_uuid", "fst_size", "fst_dev"),
    LOGICAL_VOLUMES: ("lv_uuid",),
    MDADM: ("md_UUID",),
    PHYSICAL_VOLUMES: ("pv_uuid", "pv_size"),
    RSYNC_TABLE: ("rs_date",),
}
SSH_KEY = "ssh_key"
KEPT_PER_SERVER = 50


def _server(name: str) -> Entity:
    entity = Entity.objects.filter(entity_type__name=SERVER_TYPE, name=name).first()
    if entity is None:
        raise ValidationError(f"{name!r} is not a server")
    return entity


def do_record_build(
    server: str, changes: Mapping[str, Mapping[int, Mapping[str, str]]], *, user: object = None
) -> int:
    """Write changes ({table: {row: {column: value}}}) into server's tables in one batch.
    Refused, with nothing written, for any other table or column, a row the table does not
    have, or an fst_dev change other than removing the device after UUID=. Returns the
    number of values changed."""
    entity = _server(server)
    held = entity_contents(entity, show_secrets=True).tables
    tables = {}
    for table, rows in changes.items():
        if table not in BUILD_COLUMNS:
            raise ValidationError(
                f"{table}: buildserver writes only the tables {', '.join(BUILD_COLUMNS)}"
            )
        current = [dict(row) for row in held.get(table, [])]
        for row, cells in rows.items():
            if not 1 <= int(row) <= len(current):
                raise ValidationError(f"{table} row {row}: {server} has no such row")
            before = current[int(row) - 1]
            for column, value in cells.items():
                if column not in BUILD_COLUMNS[table]:
                    raise ValidationError(
                        f"{table} row {row}, {column}: buildserver writes only "
                        f"{', '.join(BUILD_COLUMNS[table])}"
                    )
                if column == "fst_dev" and not (
                    value == UUID_PREFIX and before.get(column, "").startswith(UUID_PREFIX)
                ):
                    raise ValidationError(
                        f"{table} row {row}, fst_dev: buildserver only removes the device "
                        "after UUID="
                    )
                before[column] = value
        tables[table] = current
    if not tables:
        return 0
    return entity_services.do_set_values(entity, tables=tables, user=user)


def do_record_ssh_key(server: str, key: str, *, user: object = None) -> None:
    """The new server's public host key as its ssh_key (guide 3.6: set "for distribution to
    all Labnet hosts")."""
    entity_services.do_set_values(_server(server), values={SSH_KEY: [key]}, user=user)


def do_keep_build_report(server: str, status: int, log: str, by: str) -> BuildReport:
    """Keep one run's log (its end when longer than MAX_LOG), and the server's newest
    KEPT_PER_SERVER runs."""
    _server(server)
    with transaction.atomic():
        report = BuildReport.objects.create(
            server=server,
            status=status,
            log=log[-MAX_LOG:],
            run_by=by[:150],
            received=timezone.now(),
        )
        old = BuildReport.objects.filter(server=server).values_list("pk", flat=True)[
            KEPT_PER_SERVER:
        ]
        BuildReport.objects.filter(pk__in=list(old)).delete()
    return report
