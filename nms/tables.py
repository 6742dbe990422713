"""The tables of the monitoring pages' lists: maintenance windows."""

from __future__ import annotations

import django_tables2 as tables

from core.tables import LabnetTable

from .models import MaintenanceWindow


class MaintenanceWindowTable(LabnetTable):
    """Windows with their target, time and reason; `ended=False` adds the End button."""

    target = tables.TemplateColumn(
        "<b>{% if record.host %}<a href=\"{% url 'nms:host' record.host %}\">{{ record.host }}"
        "</a>{% else %}{{ record.domain }}{% endif %}</b>",
        verbose_name="host or domain",
        order_by=("host", "domain"),
    )
    start = tables.TemplateColumn(
        '{{ record.start|date:"DATETIME_FORMAT" }} – {{ record.end|date:"DATETIME_FORMAT" }}',
        verbose_name="when",
        attrs={"td": {"class": "nowrap"}},
    )
    comment = tables.TemplateColumn(
        '{{ value }} <span class="muted">({{ record.user }})</span>', verbose_name="why"
    )
    end = tables.TemplateColumn(
        template_name="nms/maintenance_end.html", verbose_name="", orderable=False
    )

    class Meta(LabnetTable.Meta):
        model = MaintenanceWindow
        fields = []
        attrs = {"class": "results-table nms-windows"}
        empty_text = "None."

    def __init__(self, *args, ended: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if ended:
            self.columns.hide("end")
