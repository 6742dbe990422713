"""The account webtool's tables: the search's accounts, and an account's history."""

from __future__ import annotations

import django_tables2 as tables

from core.tables import LabnetTable

from .models import AccountChange


class AccountTable(LabnetTable):
    uid = tables.TemplateColumn(
        '<a href="{% url "accounts:account" record.uid %}">{{ record.uid }}</a>',
        verbose_name="User name",
    )
    cn = tables.Column(verbose_name="Name")
    mail = tables.Column()
    kind = tables.Column()
    expiry = tables.Column(default="never")
    state = tables.TemplateColumn(
        '{% if record.locked %}<span class="error">locked</span>{% endif %}'
        "{% if record.linked %} linked{% endif %}"
        '{% if record.campus_gone %} <span class="error">campus identity gone</span>{% endif %}',
        orderable=False,
        empty_values=(),
    )

    class Meta(LabnetTable.Meta):
        empty_text = "No account matches."


class HistoryTable(LabnetTable):
    at = tables.DateTimeColumn(verbose_name="When")
    action = tables.Column(verbose_name="What")
    actor = tables.Column(verbose_name="Who")
    detail = tables.Column()

    class Meta(LabnetTable.Meta):
        model = AccountChange
        fields = ["at", "action", "actor", "detail"]
        empty_text = "No change recorded."
