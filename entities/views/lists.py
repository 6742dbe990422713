"""The list of one type's entities (the entity counts of Entity Type Maintenance and the
type in an entity's breadcrumb lead here): sorted by any column, paged."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery

from core.permissions import LabnetView
from core.views import TableListView

from ..models import Entity, Value, VariableDefinition
from ..tables import EntityTable
from .base import EntityTypeMixin

COLUMNS = 4  # variables shown beside the name: the type's first, mandatory ones before


class EntityListView(LabnetView, EntityTypeMixin, TableListView):
    table_class = EntityTable
    template_name = "entities/entity_list.html"

    def shown_variables(self) -> list[VariableDefinition]:
        """The first COLUMNS single values of the type; never a secret or a table column, so
        a list never shows what a viewer may not see."""
        if not hasattr(self, "shown"):
            definitions = self.get_entity_type().variables.filter(secret=False, table="")
            self.shown = list(definitions.order_by("-mandatory", "display_order", "name")[:COLUMNS])
        return self.shown

    def get_queryset(self) -> QuerySet[Entity]:
        first = {
            f"v{n}": Subquery(
                Value.objects.filter(entity=OuterRef("pk"), variable=d, indx=1).values("value")[:1]
            )
            for n, d in enumerate(self.shown_variables())
        }
        return (
            Entity.objects.filter(entity_type=self.get_entity_type())
            .select_related("entity_type")
            .annotate(**first)
            .order_by("name")
        )

    def get_table_kwargs(self) -> dict:
        shown = enumerate(self.shown_variables())
        return {"extra_columns": [EntityTable.value_column(n, d) for n, d in shown]}

    def get_context_data(self, **kwargs) -> dict:
        return super().get_context_data(entity_type=self.get_entity_type(), **kwargs)
