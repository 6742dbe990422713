"""The tables of the agent pages: every host's agent, and one host's reports."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.safestring import mark_safe

from core.tables import NUM, LabnetTable

from .models import AgentHost, AgentReport


class AgentTable(LabnetTable):
    name = tables.Column(verbose_name="Host", linkify=True)
    registered = tables.Column(verbose_name="Registered", default="never")
    last_report = tables.Column(verbose_name="Last report", default="never")
    last_seq = tables.TemplateColumn(
        template_name="workers/applied_cell.html", verbose_name="Applied"
    )
    last_pass = tables.TemplateColumn(
        template_name="workers/last_pass_cell.html",
        verbose_name="Last pass",
        orderable=False,
        empty_values=(),
    )

    class Meta(LabnetTable.Meta):
        model = AgentHost
        fields = []
        empty_text = mark_safe("No agent has a token yet: <code>manage.py agenttoken HOST</code>.")


class ReportTable(LabnetTable):
    """One row a pass; what it changed, ran and failed at in the last column."""

    seq = tables.TemplateColumn(
        "{{ record.get_kind_display }} #{{ value }}", verbose_name="Pass", order_by=("seq", "pk")
    )
    received = tables.Column(verbose_name="Received", attrs={"td": {"class": "nowrap"}})
    duration = tables.TemplateColumn("{{ value }} s", verbose_name="Duration", attrs=NUM)
    files_read = tables.Column(verbose_name="Read", attrs=NUM)
    files_written = tables.Column(verbose_name="Written", attrs=NUM)
    outcome = tables.TemplateColumn(
        template_name="workers/report_cell.html",
        verbose_name="What happened",
        orderable=False,
        empty_values=(),
    )

    class Meta(LabnetTable.Meta):
        model = AgentReport
        fields = []
        empty_text = "No report yet."
