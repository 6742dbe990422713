"""The writers of replication: a finished sync's rs_date, a move in the tree (prune and
splice), rs_sync on and off. Each is one batch through entities.services, so the change log
shows it and can revert it."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

from django.core.exceptions import ValidationError
from django.utils import timezone

from core.rows import rows_of, value_lists
from entities import services as entity_services
from entities.models import Entity, Value, VariableDefinition

from .replication import (
    DATE_FORMAT,
    NO,
    RSYNC_TABLE,
    SERVER_TYPE,
    YES,
    Node,
    RsyncRow,
    TreeError,
    moved_rows,
)
from .rsync_config import configuration


def _rsync_tables(names: Iterable[str]) -> dict[str, tuple[Entity, list[dict[str, str]]]]:
    """Each named server and its Rsync rows, every column of the table in each row, in three
    queries whatever the number of servers (lnrsync's rs_date request waits on this); the
    first name that is no server is refused."""
    names = list(dict.fromkeys(names))
    found = Entity.objects.filter(entity_type__name=SERVER_TYPE, name__in=names).select_related(
        "entity_type"
    )
    servers = {entity.name: entity for entity in found}
    if missing := [name for name in names if name not in servers]:
        raise ValidationError(f"{missing[0]!r} is not a server")
    columns = dict(
        VariableDefinition.objects.filter(entity_type__name=SERVER_TYPE, table=RSYNC_TABLE)
        .order_by("display_order", "name")
        .values_list("id", "name")
    )
    held: dict[int, list[tuple[str, int, str]]] = {entity.pk: [] for entity in found}
    for entity_id, variable_id, indx, text in Value.objects.filter(
        entity_id__in=held, variable_id__in=columns
    ).values_list("entity_id", "variable_id", "indx", "value"):
        held[entity_id].append((columns[variable_id], indx, text))
    table_of = dict.fromkeys(columns.values(), RSYNC_TABLE)
    tables = {}
    for name in names:
        lists = value_lists(held[servers[name].pk], table_of)
        tables[name] = (servers[name], rows_of(lists, list(columns.values())))
    return tables


def do_record_rsync(source: str, done: Sequence[tuple[str, str]], *, user: object = None) -> str:
    """Set rs_date, to now, of each (server, dst) Rsync row copying from source: what lnrsync
    on source reports after its pushes, in one batch. Returns the date written. Refused, with
    nothing written, when a server has no such row."""
    date = timezone.localtime().strftime(DATE_FORMAT)
    edits = _rsync_tables(server for server, _ in done)
    for server, dst in done:
        rows = edits[server][1]
        row = next((r for r in rows if r.get("rs_dst") == dst and r.get("rs_host") == source), None)
        if row is None:
            raise ValidationError(f"{server} has no Rsync row copying from {source} to {dst}")
        row["rs_date"] = date
    entity_services.do_set_many(
        {entity: ({}, {RSYNC_TABLE: rows}) for entity, rows in edits.values()}, user=user
    )
    return date


def do_set_rsync_sync(server: str, row: int, sync: bool, *, user: object = None) -> None:
    """Turn syncing of one Rsync row on or off."""
    entity, rows = _rsync_tables([server])[server]
    if not 1 <= row <= len(rows):
        raise ValidationError(f"{server} has no Rsync row {row}")
    rows[row - 1]["rs_sync"] = YES if sync else NO
    entity_services.do_set_values(entity, tables={RSYNC_TABLE: rows}, user=user)


def do_move_rows(
    moving: Collection[tuple[str, int]], image: str, parent: tuple[str, str], *, user: object = None
) -> list[RsyncRow]:
    """Prune and splice: the rows `moving` (server, row number) and their branches draw from
    parent's (server, path) copy of image from now on, all in one batch. Refused, with nothing
    written, when the trees would then have a problem (a cycle)."""
    config = configuration()
    derivation = config.derive()
    tree = derivation.trees.get(image)
    node = next((n for n in tree.nodes() if (n.server, n.path) == parent), None) if tree else None
    if not moving:
        raise ValidationError("pick at least one server to move")
    try:
        moved = moved_rows(derivation, moving, image, node or Node(*parent))
        after = config.with_rows(moved).derive()
    except TreeError as refused:
        raise ValidationError(refused.problems) from None
    if new := [p for p in after.problems if p not in derivation.problems]:
        raise ValidationError(new)
    edits = {}
    for server, (entity, rows) in _rsync_tables(sorted({r.server for r in moved})).items():
        for r in moved:
            if r.server == server:
                rows[r.row - 1].update(rs_host=r.host, rs_src=r.src)
        edits[entity] = ({}, {RSYNC_TABLE: rows})
    entity_services.do_set_many(edits, user=user)
    return moved
