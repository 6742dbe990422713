"""Writing the database out as an XML mirror (DESIGN.md contract 1).

The same database always gives the same bytes; files already equal are not rewritten, and
files of entities or types that no longer exist are removed, so an existing mirror can be
refreshed in place."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC
from pathlib import Path

from core.files import write_atomic

from .mirror import (
    VAR_DEFS_DIR,
    MirrorEntity,
    MirrorEntityType,
    MirrorValue,
    MirrorVariableDefinition,
    entity_xml,
    var_defs_xml,
)
from .models import Entity, EntityType, Value, VariableDefinition


def mirror_type(entity_type: EntityType, definitions: list[VariableDefinition]) -> MirrorEntityType:
    return MirrorEntityType(
        entity_type.name,
        entity_type.description,
        [
            MirrorVariableDefinition(
                name=d.name,
                widget=d.widget,
                mandatory=d.mandatory,
                multi_valued=d.multi_valued,
                table=d.table,
                reference_type=d.reference_type.name if d.reference_type else "",
                regex=d.regex,
                enumeration=d.enumeration,
                enum_type=d.enum_type.name if d.enum_type else "",
                enum_variable=d.enum_variable,
                display_order=d.display_order,
                secret=d.secret,
                tooltip=d.tooltip,
                unique=d.unique,
                keep_whitespace=d.keep_whitespace,
                enum_values=list(d.enum_values),
            )
            for d in definitions
        ],
    )


def export_mirror(directory: Path | str) -> dict[str, int]:
    """Write every type's definitions and every entity; returns counts of files."""
    directory = Path(directory)
    counts = {"written": 0, "unchanged": 0, "removed": 0}
    expected: set[Path] = set()

    def put(path: Path, data: bytes) -> None:
        expected.add(path)
        counts["written" if write_atomic(path, data) else "unchanged"] += 1

    definitions = defaultdict(list)
    for d in VariableDefinition.objects.select_related("reference_type", "enum_type"):
        definitions[d.entity_type_id].append(d)
    types = {t.pk: t for t in EntityType.objects.all()}
    for entity_type in types.values():
        mirrored = mirror_type(entity_type, definitions[entity_type.pk])
        put(directory / VAR_DEFS_DIR / entity_type.name, var_defs_xml(mirrored))

    # Rows written since a list was read are skipped: the next export writes them.
    names = {
        e.pk: MirrorEntity(types[e.entity_type_id].name, e.name)
        for e in Entity.objects.filter(entity_type__in=list(types)).only(
            "pk", "entity_type_id", "name"
        )
    }
    values = Value.objects.values_list("entity_id", "variable__name", "indx", "value", "modified")
    for entity_id, variable, indx, text, modified in values.iterator(chunk_size=20000):
        if (entity := names.get(entity_id)) is None:
            continue
        entity.variables.setdefault(variable, []).append(
            MirrorValue(indx, text, modified.astimezone(UTC))
        )
    for entity in names.values():
        put(directory / entity.entity_type / entity.name, entity_xml(entity))

    for path in directory.glob("*/*"):
        if path.is_file() and path not in expected and not path.name.startswith("."):
            path.unlink()
            counts["removed"] += 1
    return counts
