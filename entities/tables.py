"""The tables of the webtool's list pages (Entity Type and Variable Maintenance)."""

from __future__ import annotations

import django_tables2 as tables

from core.tables import NUM, LabnetTable

from .models import EntityType, VariableDefinition


class EntityTypeTable(LabnetTable):
    name = tables.TemplateColumn("<strong>{{ value }}</strong>", verbose_name="entity type")
    description = tables.Column(verbose_name="description", attrs={"td": {"class": "muted"}})
    entity_count = tables.Column(verbose_name="entities", attrs=NUM)
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
