"""Forms of the System Configuration webtool.

An entity's values do not fit Django's one-value-per-field forms (multi-valued variables,
tables of rows), so `EntityValuesForm` reads them itself; the maintenance forms are plain
Django forms whose save goes through entities.services."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from django import forms
from django.http import QueryDict

from .choices import EnumerationKind, Widget
from .kept_tables import keeper_of
from .models import EntityType, VariableDefinition
from .services import VARDEF_FIELDS
from .validation import Validator, beside_field

Rows = list[dict[str, str]]


def choices_for(validator: Validator, definition: VariableDefinition) -> list[str] | None:
    """What a drop-down offers: the enumeration, else the names of the referenced type."""
    choices = validator.choices(definition)
    if choices is None and definition.reference_type_id:
        choices = sorted(validator.names_of(definition.reference_type_id))
    return choices


@dataclass
class VariableField:
    """One variable's row on the Modify, Entity Creation and Batch Edit pages."""

    definition: VariableDefinition
    original: list[str]
    current: list[str]
    choices: list[str] | None = None
    hidden: bool = False
    errors: list[str] = field(default_factory=list)
    is_table = False

    @property
    def name(self) -> str:
        return self.definition.name

    @property
    def input_name(self) -> str:
        return f"v-{self.name}"

    @property
    def multi(self) -> bool:
        return self.definition.multi_valued or self.definition.widget == Widget.MULTISELECT

    @property
    def mandatory(self) -> bool:
        return self.definition.mandatory

    @property
    def values(self) -> list[str]:
        """What the editor shows: a single-valued editor always has one box."""
        return self.current or ([] if self.multi else [""])

    @property
    def changed(self) -> bool:
        return self.current != self.original

    @property
    def pristine(self) -> VariableField:
        """The field as it was before the user's changes (for the check-mark restore)."""
        return replace(self, current=self.original, errors=[])


@dataclass
class TableField:
    """One table: its column definitions and rows, edited cell by cell."""

    name: str
    columns: list[VariableDefinition]
    original: Rows
    current: Rows
    choices: dict[str, list[str] | None]
    hidden: bool = False
    errors: list[str] = field(default_factory=list)
    # Who keeps the table (entities.kept_tables): shown, never edited, here.
    kept_by: str | None = None
    is_table = True

    @property
    def mandatory(self) -> bool:
        return any(c.mandatory for c in self.columns)

    @property
    def tooltip(self) -> str:
        return "; ".join(f"{c.name}: {c.tooltip}" for c in self.columns if c.tooltip)

    @property
    def cells(self) -> list[list[tuple[VariableDefinition, str, str, list[str] | None]]]:
        """Each row's (column, input name, value, choices), for the table editor."""
        return [self._cells(row) for row in self.current]

    @property
    def blank_row(self) -> list[tuple[VariableDefinition, str, str, list[str] | None]]:
        return self._cells({})

    def _cells(
        self, row: dict[str, str]
    ) -> list[tuple[VariableDefinition, str, str, list[str] | None]]:
        return [
            (c, self.column_name(c), row.get(c.name, ""), self.choices.get(c.name))
            for c in self.columns
        ]

    def column_name(self, column: VariableDefinition) -> str:
        return f"t-{self.name}-{column.name}"

    @property
    def changed(self) -> bool:
        return self.current != self.original

    @property
    def pristine(self) -> TableField:
        return replace(self, current=self.original, errors=[])


def read_values(data: QueryDict, input_name: str) -> list[str]:
    """A variable's submitted values, blanks dropped as the service layer would. Values are
    kept as typed: stripping would rewrite stored values that carry spaces."""
    return [v for v in data.getlist(input_name) if v.strip()]


def read_rows(data: QueryDict, table: TableField) -> Rows:
    """A table's submitted rows: the n-th input of every column is row n; blank rows go."""
    cells = {c.name: data.getlist(table.column_name(c)) for c in table.columns}
    count = max((len(v) for v in cells.values()), default=0)
    rows = []
    for i in range(count):
        row = {name: (v[i] if i < len(v) else "") for name, v in cells.items()}
        if any(v.strip() for v in row.values()):
            rows.append(row)
    return rows


class EntityValuesForm:
    """Every variable of one entity, with the values it had (`original`) and the values the
    user submitted; `changes()` is what to pass to the service layer."""

    def __init__(
        self,
        definitions: Sequence[VariableDefinition],
        values: Mapping[str, list[str]],
        tables: Mapping[str, Rows],
        data: QueryDict | None = None,
        *,
        show_secrets: bool = False,
        editing: bool = True,
        type_name: str = "",
    ) -> None:
        # Only an editor needs the drop-downs' choices; a read-only view skips their queries.
        validator = Validator()
        choices = (lambda d: choices_for(validator, d)) if editing else (lambda d: None)
        if editing:  # every drop-down's entity names in one query
            validator.read_names(
                {d.reference_type_id for d in definitions if d.reference_type_id}
                | {
                    d.enum_type_id
                    for d in definitions
                    if d.enumeration == EnumerationKind.ENTITIES and d.enum_type_id
                }
            )
        self.is_bound = data is not None
        self.errors: list[str] = []
        self.fields: dict[str, VariableField | TableField] = {}
        for definition in definitions:
            if definition.table:
                if definition.table not in self.fields:
                    self.fields[definition.table] = TableField(
                        definition.table,
                        [],
                        list(tables.get(definition.table, [])),
                        [],
                        {},
                        kept_by=keeper_of(type_name, definition.table),
                    )
                table = self.fields[definition.table]
                table.columns.append(definition)
                table.choices[definition.name] = choices(definition)
                continue
            original = list(values.get(definition.name, []))
            hidden = definition.secret and not show_secrets
            self.fields[definition.name] = VariableField(
                definition,
                original,
                read_values(data, f"v-{definition.name}") if data and not hidden else original,
                choices=None if hidden else choices(definition),
                hidden=hidden,
            )
        for table in self.tables:
            table.hidden = any(c.secret for c in table.columns) and not show_secrets
            edited = data and not table.hidden and not table.kept_by
            table.current = read_rows(data, table) if edited else table.original

    @property
    def tables(self) -> list[TableField]:
        return [f for f in self.fields.values() if f.is_table]

    @property
    def groups(self) -> list[tuple[str, list[VariableField | TableField]]]:
        """The guide's two categories: Mandatory (needed for an active entity) and Optional."""
        mandatory = [f for f in self.fields.values() if f.mandatory]
        optional = [f for f in self.fields.values() if not f.mandatory]
        return [
            (title, items) for title, items in (("Mandatory", mandatory), ("Optional", optional))
        ]

    def changes(self) -> tuple[dict[str, list[str]], dict[str, Rows]]:
        """The variables and tables the user changed."""
        values = {f.name: f.current for f in self.fields.values() if not f.is_table and f.changed}
        tables = {f.name: f.current for f in self.tables if f.changed}
        return values, tables

    def everything(self) -> tuple[dict[str, list[str]], dict[str, Rows]]:
        """All submitted values and tables (a new entity takes them all) except the masked
        secrets of a template the user may not see."""
        shown = [f for f in self.fields.values() if not f.hidden]
        values = {f.name: f.current for f in shown if not f.is_table}
        return values, {f.name: f.current for f in shown if f.is_table}

    def add_error(self, field: str | None, messages: list[str]) -> None:
        """Messages beside a variable or table, or (field None) above the form; as a Django
        form's, so core.refusals.add_to_forms fills both. Beside its variable, a message
        leaves out the entity and variable the page already shows."""
        if field is None:
            self.errors.extend(messages)
        else:
            self.fields[field].errors.extend(beside_field(m, field) for m in messages)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or any(f.errors for f in self.fields.values())


class EntityNameForm(forms.Form):
    """The name of a new entity (Entity Creation, Use as Template)."""

    name = forms.CharField(max_length=128)


class ChooseTypeForm(forms.Form):
    """The entity type select pages in front of Entity Search and Variable Maintenance."""

    type = forms.ModelChoiceField(
        EntityType.objects.all(), to_field_name="name", empty_label=None, label="Entity type"
    )


class EntityTypeForm(forms.Form):
    name = forms.CharField(max_length=64)
    description = forms.CharField(max_length=255, required=False)


class VariableDefinitionForm(forms.ModelForm):
    """A variable definition; saved through services.do_save_variable, never form.save()."""

    enum_values = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="The fixed list of a static enumeration, one value a line.",
    )

    class Meta:
        model = VariableDefinition
        fields = ["name", *VARDEF_FIELDS]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["name"].disabled = True
        # One value a line, not the list's repr ('[]' for a new definition).
        self.initial["enum_values"] = "\n".join(self.instance.enum_values)

    def clean_enum_values(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["enum_values"].splitlines() if line]

    def definition_fields(self) -> dict[str, object]:
        return {key: self.cleaned_data[key] for key in VARDEF_FIELDS}
