"""Reading the configuration database through the ORM: what the web tools render from. The
engine's package does not import this module (the host agent and the benchmark render from a
mirror or a snapshot); the web side imports it by its own name."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from core.rows import value_lists
from entities.models import Entity, EntityType, Value, VariableDefinition
from entities.reading import SECRET_MASK

from .base import CachingSource


class DatabaseSource(CachingSource):
    """One query per entity read, cached for the source's life (create one per render job).

    Secret values read as the mask unless show_secrets, so a preview shows a user only what
    the user may see; secret variables are never matched by entities_where then either."""

    def __init__(self, show_secrets: bool = False) -> None:
        super().__init__()
        self.show_secrets = show_secrets

    def _read(self, entity_type: str, name: str) -> Mapping[str, list[str]] | None:
        rows = [
            (variable, indx, SECRET_MASK if secret and not self.show_secrets else text)
            for variable, indx, text, secret in Value.objects.filter(
                entity__entity_type__name=entity_type, entity__name=name
            ).values_list("variable__name", "indx", "value", "variable__secret")
        ]
        if (
            not rows
            and not Entity.objects.filter(entity_type__name=entity_type, name=name).exists()
        ):
            return None
        return value_lists(rows, self._table_columns(entity_type))

    def _read_table_columns(self, entity_type: str) -> dict[str, str]:
        return dict(
            VariableDefinition.objects.filter(entity_type__name=entity_type)
            .exclude(table="")
            .values_list("name", "table")
        )

    def entity_names(self, entity_type: str) -> list[str]:
        return sorted(
            Entity.objects.filter(entity_type__name=entity_type).values_list("name", flat=True)
        )

    def entities_where(self, entity_type: str, variable: str, values: Collection[str]) -> set[str]:
        # One filter() call, so the three conditions hold for the same value.
        hidden = {} if self.show_secrets else {"values__variable__secret": False}
        return set(
            Entity.objects.filter(
                entity_type__name=entity_type,
                values__variable__name=variable,
                values__value__in=list(values),
                **hidden,
            ).values_list("name", flat=True)
        )

    def entity_types(self) -> list[str]:
        return sorted(EntityType.objects.values_list("name", flat=True))
