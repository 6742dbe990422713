"""Tables an app keeps itself, whose rows no user edits directly: the fileMgr FileTable,
whose rows the file webtool writes as instances are committed (guide 2.4: "there is no way to
enter new rows into this table").

An app registers its tables when it starts (`AppConfig.ready()`). The Modify page shows them
read-only, and entities.services refuses a user's change to one unless it comes through the
keeper's own service (`services.keeper_writes()`), whatever the door."""

from __future__ import annotations

_keepers: dict[tuple[str, str], str] = {}


def register_kept_table(entity_type: str, table: str, keeper: str) -> None:
    """table of entity_type (by their names) is kept by keeper ("the file webtool")."""
    _keepers[entity_type, table] = keeper


def keeper_of(entity_type: str, table: str) -> str | None:
    """Who keeps that table, or None when users edit it."""
    return _keepers.get((entity_type, table))
