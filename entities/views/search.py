"""Entity Search and Table Search with their batch edits.

A batch edit goes edit -> preview -> apply: the preview lists every value that will change,
and apply stores them all as one batch of the change log, or nothing."""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.core.exceptions import BadRequest, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from core.params import is_whole_number, whole_number
from core.permissions import CHANGE_VALUES, VIEW_SECRETS, LabnetView, PermissionView
from core.refusals import refusal_text
from core.rows import rows_of, value_lists

from .. import services
from ..filtersets import EntitySearch, TableSearch
from ..forms import VariableField, choices_for, read_values
from ..models import Entity, Value, VariableDefinition
from ..reading import SECRET_MASK, committed_seq
from ..validation import Validator, beside_field
from .base import EntityTypeMixin, TypeChooseView


class SearchChooseView(LabnetView, TypeChooseView):
    """Entity Search: the entity type select page."""

    title = "Entity Search"
    button = "Variable Search"
    next_url = "entities:search"
    template_name = "entities/search_choose.html"

    def extra_context(self) -> dict:
        """Every type's tables, for Table Search straight from here."""
        tables = (
            VariableDefinition.objects.exclude(table="")
            .order_by("entity_type__name", "table")
            .values_list("entity_type__name", "table")
            .distinct()
        )
        return {"tables": list(tables)}


# Each result row posts its check box, and Django refuses a form of over 1,000 fields; a
# batch edit of every match re-runs the search instead (scope=all).
RESULTS_PAGE = 500


def criteria_rows(search, validator: Validator) -> list[dict]:
    return [
        {
            "definition": d,
            "values": search.values[d.name] or [""],
            "shown": d in search.shown,
            "choices": choices_for(validator, d),
        }
        for d in search.definitions
    ]


class EntitySearchView(LabnetView, EntityTypeMixin, View):
    """The Variable Search: criteria per variable, AND or OR, and the matching entities."""

    def get(self, request: HttpRequest, **kwargs) -> HttpResponse:
        entity_type = self.get_entity_type()
        search = EntitySearch(entity_type, request.GET, request.user.has_perm(VIEW_SECRETS))
        context = {
            "entity_type": entity_type,
            "search": search,
            "rows": criteria_rows(search, Validator()),
            "tables": sorted({d.table for d in entity_type.variables.all() if d.table}),
        }
        if "search" in request.GET:
            # Every match's id, name and activity in one query, paged here: the search runs
            # once rather than once to count and once for the page.
            matches = search.queryset().order_by("name").values_list("pk", "name", "active")
            page = Paginator(list(matches), RESULTS_PAGE).get_page(request.GET.get("page"))
            shown = search.shown_values([pk for pk, _, _ in page.object_list])
            context["page"] = page
            context["page_query"] = query_without_page(request)
            context["results"] = [
                (match, [shown[match[0]][d.name] for d in search.shown])
                for match in page.object_list
            ]
        return render(request, "entities/search.html", context)


def query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


class TableSearchView(LabnetView, EntityTypeMixin, View):
    """Table Search: criteria per column of one table, and the matching rows."""

    def get(self, request: HttpRequest, table: str, **kwargs) -> HttpResponse:
        entity_type = self.get_entity_type()
        search = TableSearch(entity_type, table, request.GET, request.user.has_perm(VIEW_SECRETS))
        context = {
            "entity_type": entity_type,
            "table": table,
            "search": search,
            "rows": criteria_rows(search, Validator()),
        }
        if "search" in request.GET:
            context["results"] = search.rows()
        return render(request, "entities/table_search.html", context)


class BatchEditView(PermissionView, EntityTypeMixin, View):
    """Batch Edit: set the ticked variables of the selected entities to new values.

    A variable whose boxes are left empty is not changed unless its Clear box is ticked."""

    permission_required = CHANGE_VALUES

    def post(self, request: HttpRequest, **kwargs) -> HttpResponse:
        self.entity_type = self.get_entity_type()
        # The preview carries the change log's number as of before the entities are read; the
        # apply is refused if one of them changed after it.
        as_of = committed_seq()
        self.targets = self.get_targets()
        if not self.targets:
            messages.error(request, "Select at least one entity for the batch edit.")
            return redirect(self.back_url())
        fields = self.get_fields()
        step = request.POST.get("step", "edit")
        if step == "edit":
            return self.show(fields, "edit")
        changes = self.read_changes(fields)
        validator = Validator()
        for f in fields:
            if f.name in changes:
                problems = validator.check(self.label(), f.definition, changes[f.name])
                f.errors = [beside_field(p, f.name) for p in problems]
        if not changes:
            return self.show(fields, "edit", error="Enter a new value, or tick Clear.")
        if any(f.errors for f in fields):
            return self.show(fields, "edit")
        if step == "apply":
            seen = whole_number(request.POST.get("seq") or "0", "a change sequence number")
            try:
                count = self.apply(changes, seen)
            except services.ChangedSince:
                error = "Some of these entities changed since the preview; check it again."
                # A change may have landed after as_of was read: the new preview's number is
                # read before its values.
                as_of = committed_seq()
                preview = self.preview(changes)
                return self.show(fields, "preview", preview=preview, seq=as_of, error=error)
            except ValidationError as refused:
                return self.show(fields, "edit", error=refusal_text(refused))
            messages.success(
                request, f"Batch edit of {len(self.targets)} {self.label()}: {count} change(s)."
            )
            return redirect(self.back_url())
        return self.show(fields, "preview", preview=self.preview(changes), seq=as_of)

    def cleared(self, fields: list[VariableField]) -> list[str]:
        """The variables whose Clear box is ticked; carried through preview and back."""
        return [f.name for f in fields if self.request.POST.get(f"clear-{f.name}")]

    def read_changes(self, fields: list[VariableField]) -> dict[str, list[str]]:
        cleared = self.cleared(fields)
        # As the service layer stores them, so the preview shows what will be stored.
        normalise = Validator().normalise
        return {
            f.name: [normalise(f.definition, v) for v in f.current]
            for f in fields
            if f.current or f.name in cleared
        }

    def label(self) -> str:
        return f"{self.entity_type.name} entities"

    def back_url(self) -> str:
        url = reverse("entities:search", args=[self.entity_type.name])
        return f"{url}?{self.request.POST.get('back', '')}"

    def definitions(self) -> list[VariableDefinition]:
        secrets = self.request.user.has_perm(VIEW_SECRETS)
        return [
            d for d in self.entity_type.variables.all() if not d.table and (secrets or not d.secret)
        ]

    def get_fields(self) -> list[VariableField]:
        definitions = self.definitions()
        ticked = [d for d in definitions if d.name in self.request.POST.getlist("show")]
        validator = Validator()
        return [
            VariableField(
                d,
                [],
                read_values(self.request.POST, f"v-{d.name}"),
                choices=choices_for(validator, d),
            )
            for d in ticked or definitions
        ]

    def get_targets(self) -> list:
        if self.request.POST.get("scope") == "all":
            return self.all_matches()
        ids = self.request.POST.getlist("entity") or self.request.POST.get("entities", "").split(
            ","
        )
        return self.of_this_type(
            Entity.objects.filter(
                entity_type=self.entity_type,
                pk__in=[whole_number(i, "an entity id") for i in ids if i],
            )
        )

    def all_matches(self) -> list[Entity]:
        """Every entity the search of the results page matches, not only the page shown."""
        search = EntitySearch(
            self.entity_type,
            QueryDict(self.request.POST.get("back", "")),
            self.request.user.has_perm(VIEW_SECRETS),
        )
        return self.of_this_type(search.queryset())

    def of_this_type(self, entities: QuerySet[Entity]) -> list[Entity]:
        """The entities by name, each given the type already read rather than its own copy by
        a join: a thousand model instances fewer to build."""
        found = list(entities.order_by("name"))
        for entity in found:
            entity.entity_type = self.entity_type
        return found

    def target_ids(self) -> str:
        return ",".join(str(e.pk) for e in self.targets)

    def target_labels(self) -> list[str]:
        return [e.name for e in self.targets]

    def preview(self, changes: dict[str, list[str]]) -> dict:
        """Each entity's variables that will change, old and new values; one query."""
        current: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for entity_id, name, value in (
            Value.objects.filter(
                entity__in=self.targets,
                variable__entity_type=self.entity_type,
                variable__name__in=changes,
            )
            .order_by("indx")
            .values_list("entity_id", "variable__name", "value")
        ):
            current[entity_id][name].append(value)
        rows = []
        for entity in self.targets:
            diffs = [
                (name, current[entity.pk][name], new)
                for name, new in changes.items()
                if current[entity.pk][name] != new
            ]
            if diffs:
                rows.append((entity, entity.name, diffs))
        return {"rows": rows, "unchanged": len(self.targets) - len(rows)}

    def apply(self, changes: dict[str, list[str]], seen: int) -> int:
        """Store the changes, refused with ChangedSince when a target changed after seen:
        checked under the change log's lock, so a change landing meanwhile is never lost."""
        return services.do_batch_edit(
            self.targets, changes, user=self.request.user, expected_seq=seen
        )

    def show(self, fields, step: str, preview=None, seq: int = 0, error: str = ""):
        return render(
            self.request,
            "entities/batch_edit.html",
            {
                "entity_type": self.entity_type,
                "view": self,
                "fields": fields,
                "cleared": self.cleared(fields),
                "step": step,
                "preview": preview,
                "seq": seq,
                "error": error,
                "back": self.request.POST.get("back", ""),
            },
            status=400 if error or any(f.errors for f in fields) else 200,
        )


class TableBatchEditView(BatchEditView):
    """Batch edit of table rows: set columns of the selected rows, or remove the rows."""

    def label(self) -> str:
        return f"{self.entity_type.name} entities' {self.kwargs['table']} rows"

    def back_url(self) -> str:
        url = reverse("entities:table_search", args=[self.entity_type.name, self.kwargs["table"]])
        return f"{url}?{self.request.POST.get('back', '')}"

    def columns(self) -> list[VariableDefinition]:
        """Every column of the table, secret ones too: rows are written back whole."""
        return [d for d in self.entity_type.variables.all() if d.table == self.kwargs["table"]]

    def hidden(self) -> set[str]:
        """The secret columns this user may neither see nor edit."""
        if self.request.user.has_perm(VIEW_SECRETS):
            return set()
        return {d.name for d in self.columns() if d.secret}

    def definitions(self) -> list[VariableDefinition]:
        hidden = self.hidden()
        return [d for d in self.columns() if d.name not in hidden]

    def get_targets(self) -> list:
        """(entity, row number) pairs from `row` values ENTITY_ID:ROW."""
        raw = self.request.POST.getlist("row") or self.request.POST.get("rows", "").split(",")
        pairs = []
        for row in filter(None, raw):
            entity_id, _, indx = row.partition(":")
            if not (is_whole_number(entity_id) and is_whole_number(indx)):
                raise BadRequest(f"{row[:40]!r} is not a row (entity id:row number).")
            pairs.append((int(entity_id), int(indx)))
        entities = Entity.objects.select_related("entity_type").in_bulk(
            [entity_id for entity_id, _ in pairs]
        )
        return sorted(
            (
                (entities[entity_id], indx)
                for entity_id, indx in pairs
                if entity_id in entities
                and entities[entity_id].entity_type_id == self.entity_type.pk
            ),
            key=lambda target: (target[0].name, target[1]),
        )

    def target_ids(self) -> str:
        return ",".join(f"{e.pk}:{indx}" for e, indx in self.targets)

    def target_labels(self) -> list[str]:
        return [f"{e.name} row {indx}" for e, indx in self.targets]

    @property
    def removing(self) -> bool:
        return bool(self.request.POST.get("remove"))

    def read_changes(self, fields: list[VariableField]) -> dict[str, list[str]]:
        # A removed row loses every cell, so removing needs no new values.
        return {f.name: [] for f in fields} if self.removing else super().read_changes(fields)

    def tables(self) -> dict[Entity, list[dict[str, str]]]:
        """The whole table of every entity with a selected row, row n at position n-1."""
        columns = self.columns()
        table_of = {c.name: self.kwargs["table"] for c in columns}
        entities = {e.pk: e for e, _ in self.targets}
        held: dict[int, list[tuple[str, int, str]]] = defaultdict(list)
        for entity_id, name, indx, value in Value.objects.filter(
            entity_id__in=entities, variable__in=columns
        ).values_list("entity_id", "variable__name", "indx", "value"):
            held[entity_id].append((name, indx, value))
        return {
            entities[entity_id]: rows_of(value_lists(values, table_of), list(table_of))
            for entity_id, values in held.items()
        }

    def edited_tables(self, changes: dict[str, list[str]]):
        """Each entity's table before and after the edit of its selected rows."""
        before = self.tables()
        selected: dict[Entity, set[int]] = defaultdict(set)
        for entity, indx in self.targets:
            selected[entity].add(indx)
        edited = {}
        for entity, rows in before.items():
            after = []
            for indx, row in enumerate(rows, start=1):
                if indx not in selected[entity]:
                    after.append(row)
                elif not self.removing:
                    after.append({**row, **{n: (v[0] if v else "") for n, v in changes.items()}})
            edited[entity] = (rows, after)
        return edited

    def preview(self, changes: dict[str, list[str]]) -> dict:
        rows = []
        targets = set(self.targets)
        hidden = self.hidden()

        def shown(name: str, values: list[str]) -> list[str]:
            return [SECRET_MASK for _ in values] if name in hidden else values

        for entity, (before, after) in self.edited_tables(changes).items():
            for indx, row in enumerate(before, start=1):
                if (entity, indx) not in targets:
                    continue
                new = None if self.removing else after[indx - 1]
                diffs = [
                    (
                        name,
                        shown(name, [row[name]] if row[name] else []),
                        [] if new is None else [new[name]],
                    )
                    for name in row
                    if new is None or new[name] != row[name]
                ]
                if diffs:
                    rows.append((entity, f"{entity.name} row {indx}", diffs))
        return {"rows": rows, "unchanged": len(self.targets) - len(rows)}

    def apply(self, changes: dict[str, list[str]], seen: int) -> int:
        table = self.kwargs["table"]
        return services.do_set_many(
            {
                entity: ({}, {table: after})
                for entity, (_, after) in self.edited_tables(changes).items()
            },
            user=self.request.user,
            expected_seq=seen,
        )
