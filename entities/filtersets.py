"""Entity Search and Table Search: which entities, or which table rows, match the criteria;
and the Change Log's filters.

Each variable (or table column) takes a criterion of one or several values, any of which
matches; `*` in a value matches any text. The criteria combine with AND (the guide's only
mode) or OR. The number of queries depends on the number of criteria, never on the data."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from django import forms
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone

from .models import Change, Entity, EntityType, Value, VariableDefinition
from .wildcards import WILDCARD, wildcard


def matching(values: Sequence[str]) -> Q:
    """A Value filter for any of `values`, exact unless it holds the wildcard."""
    exact = [v for v in values if WILDCARD not in v]
    condition = Q(value__in=exact) if exact else Q(pk__in=[])
    for pattern in values:
        if WILDCARD in pattern:
            condition |= Q(wildcard("value", pattern))
    return condition


class Criteria:
    """The criteria of a search form: `c-<variable>` values, `mode` and ticked `show`."""

    def __init__(self, definitions: Sequence[VariableDefinition], data: QueryDict) -> None:
        self.definitions = list(definitions)
        self.mode = "or" if data.get("mode") == "or" else "and"
        self.values = {
            d.name: [v.strip() for v in data.getlist(f"c-{d.name}") if v.strip()]
            for d in self.definitions
        }
        self.shown = [d for d in self.definitions if d.name in data.getlist("show")]

    @property
    def given(self) -> list[tuple[VariableDefinition, list[str]]]:
        return [(d, self.values[d.name]) for d in self.definitions if self.values[d.name]]

    def combine(self, conditions: list[Q]) -> Q:
        combined = conditions[0]
        for condition in conditions[1:]:
            combined = combined | condition if self.mode == "or" else combined & condition
        return combined


class EntitySearch(Criteria):
    """The Variable Search of the guide over one type's entities."""

    def __init__(self, entity_type: EntityType, data: QueryDict, show_secrets: bool) -> None:
        # Searching a secret would disclose it, so only those who may see secrets can.
        definitions = [
            d for d in entity_type.variables.all() if not d.table and (show_secrets or not d.secret)
        ]
        super().__init__(definitions, data)
        self.entity_type = entity_type

    def queryset(self) -> QuerySet[Entity]:
        entities = Entity.objects.filter(entity_type=self.entity_type)
        conditions = [
            Q(pk__in=Value.objects.filter(matching(values), variable=d).values("entity_id"))
            for d, values in self.given
        ]
        return entities.filter(self.combine(conditions)) if conditions else entities

    def shown_values(self, entity_ids: Sequence[int]) -> dict[int, dict[str, list[str]]]:
        """The ticked variables' values of each entity by id: one query."""
        shown: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        if self.shown:
            names = {d.pk: d.name for d in self.shown}
            for entity_id, variable_id, value in (
                Value.objects.filter(entity_id__in=entity_ids, variable__in=names)
                .order_by("indx")
                .values_list("entity_id", "variable_id", "value")
            ):
                shown[entity_id][names[variable_id]].append(value)
        return shown


class TableSearch(Criteria):
    """Table Search: rows of one table whose cells match, each as (entity, row number)."""

    def __init__(
        self, entity_type: EntityType, table: str, data: QueryDict, show_secrets: bool
    ) -> None:
        columns = [
            d
            for d in entity_type.variables.all()
            if d.table == table and (show_secrets or not d.secret)
        ]
        super().__init__(columns, data)
        self.entity_type = entity_type
        self.table = table

    def rows(self) -> list[tuple[Entity, int, dict[str, str]]]:
        """The matching rows, ordered by entity name and row number."""
        matched: set[tuple[int, int]] | None = None
        for definition, values in self.given:
            found = set(
                Value.objects.filter(matching(values), variable=definition).values_list(
                    "entity_id", "indx"
                )
            )
            if matched is None:
                matched = found
            else:
                matched = matched | found if self.mode == "or" else matched & found
        values = Value.objects.filter(variable__in=self.definitions)
        if matched is not None:
            values = values.filter(entity_id__in={entity_id for entity_id, _ in matched})
        rows: dict[tuple[int, int], dict[str, str]] = defaultdict(dict)
        for entity_id, indx, name, value in values.values_list(
            "entity_id", "indx", "variable__name", "value"
        ):
            if matched is None or (entity_id, indx) in matched:
                rows[entity_id, indx][name] = value
        entities = Entity.objects.select_related("entity_type").in_bulk(
            {entity_id for entity_id, _ in rows}
        )
        found_rows = [
            (entities[entity_id], indx, {d.name: cells.get(d.name, "") for d in self.definitions})
            for (entity_id, indx), cells in rows.items()
        ]
        return sorted(found_rows, key=lambda row: (row[0].name, row[1]))


def start_of(day: date) -> datetime:
    """Midnight of day in the site's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


class ChangeFilter(forms.Form):
    """The Change Log's filters: who, which type, which entity (`*` matches any text), from
    which day to which day (both included, in the site's time zone)."""

    user = forms.CharField(required=False, max_length=150)
    type = forms.CharField(required=False, max_length=64, label="Entity type")
    entity = forms.CharField(required=False, max_length=128, help_text="* matches any text")
    since = forms.DateField(required=False, label="From", widget=forms.DateInput({"type": "date"}))
    until = forms.DateField(required=False, label="To", widget=forms.DateInput({"type": "date"}))

    def filter(self, changes: QuerySet[Change]) -> QuerySet[Change]:
        """changes narrowed by every filter that is given and valid."""
        self.is_valid()
        data = self.cleaned_data
        if user := data.get("user", "").strip():
            changes = changes.filter(user=user)
        if type_name := data.get("type", "").strip():
            changes = changes.filter(entity_type=type_name)
        if entity := data.get("entity", "").strip():
            exact = WILDCARD not in entity
            changes = changes.filter(Q(entity=entity) if exact else wildcard("entity", entity))
        if since := data.get("since"):
            changes = changes.filter(timestamp__gte=start_of(since))
        if until := data.get("until"):
            changes = changes.filter(timestamp__lt=start_of(until + timedelta(days=1)))
        return changes
