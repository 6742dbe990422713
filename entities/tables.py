"""The tables of the webtool's list pages (Entity Type and Variable Maintenance, the entities
of a type)."""

from __future__ import annotations

import django_tables2 as tables

from core.tables import NUM, LabnetTable

from .models import Entity, EntityType, VariableDefinition


class EntityTypeTable(LabnetTable):
    name = tables.TemplateColumn("<strong>{{ value }}</strong>", verbose_name="entity type")
    description = tables.Column(verbose_name="description", attrs={"td": {"class": "muted"}})
    entity_count = tables.TemplateColumn(
        "<a href=\"{% url 'entities:type_entities' record.name %}\">{{ value }}</a>",
        verbose_name="entities",
        attrs=NUM,
    )
    variable_count = tables.Column(verbose_name="variables", attrs=NUM)
    actions = tables.TemplateColumn(
        template_name="entities/type_actions.html",
        verbose_name="",
        orderable=False,
        attrs={"td": {"class": "nowrap actions"}},
    )

    class Meta(LabnetTable.Meta):
        model = EntityType
        fields = ["name", "description"]
        sequence = ["name", "description", "entity_count", "variable_count", "actions"]


class VariableTable(LabnetTable):
    name = tables.TemplateColumn(
        '<a class="button small" href="{% url \'entities:variable_edit\' record.entity_type.name'
        ' value %}">{{ value }}</a>',
        verbose_name="variable",
    )
    widget = tables.Column(verbose_name="widget")
    mandatory = tables.BooleanColumn(verbose_name="mandatory", yesno=("yes", ""))
    multi_valued = tables.BooleanColumn(yesno=("yes", ""), verbose_name="multi-valued")
    table = tables.Column(verbose_name="table")
    reference_type = tables.Column(verbose_name="reference")
    enumeration = tables.TemplateColumn(
        template_name="entities/enumeration_cell.html", verbose_name="enumeration"
    )
    regex = tables.TemplateColumn("<code>{{ value }}</code>", verbose_name="regex")
    display_order = tables.Column(verbose_name="order", attrs=NUM)
    secret = tables.BooleanColumn(verbose_name="secret", yesno=("yes", ""))
    unique = tables.BooleanColumn(
        verbose_name="unique in type", yesno=("yes", ""), attrs={"td": {"class": "unique"}}
    )
    tooltip = tables.Column(verbose_name="tooltip", attrs={"td": {"class": "muted"}})

    class Meta(LabnetTable.Meta):
        model = VariableDefinition
        fields = []
        attrs = {"class": "data definitions"}
        empty_text = "No variables yet."


class EntityTable(LabnetTable):
    """The entities of one type; the view adds a column per variable it shows (`v0`, `v1`,
    ...: the variable's first value)."""

    name = tables.TemplateColumn(
        '<a href="{{ record.get_absolute_url }}">{{ value }}</a>', verbose_name="entity"
    )
    active = tables.TemplateColumn(
        '{% if value %}<span class="badge ok">active</span>'
        '{% else %}<span class="badge warn">inactive</span>{% endif %}',
        verbose_name="state",
    )

    class Meta(LabnetTable.Meta):
        model = Entity
        fields = ["name", "active"]
        empty_text = "No entities of this type yet."

    @staticmethod
    def value_column(n: int, definition: VariableDefinition) -> tuple[str, tables.Column]:
        # Numbered: a variable's name may hold '.', which a column accessor would follow.
        return f"v{n}", tables.Column(verbose_name=definition.name, attrs={"td": {"class": "wrap"}})
