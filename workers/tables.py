"""The tables of the agent pages: every host's agent, and one host's reports."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.safestring import mark_safe

from core.tables import NUM, LabnetTable

from .models import AgentHost, AgentReport, HostCertificate


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


class CertificateTable(LabnetTable):
    """One row a certificate the CA issued; a revoke button for those who may."""

    host = tables.TemplateColumn(
        "<a href=\"{% url 'workers:host' value %}\">{{ value }}</a>", verbose_name="Host"
    )
    subject = tables.Column(verbose_name="Subject")
    names = tables.TemplateColumn(
        "{{ record.names|join:', ' }}{% if record.addresses %}, "
        "{{ record.addresses|join:', ' }}{% endif %}",
        verbose_name="Names and addresses",
        orderable=False,
    )
    serial = tables.Column(verbose_name="Serial")
    not_after = tables.Column(verbose_name="Expires", attrs={"td": {"class": "nowrap"}})
    status = tables.Column(verbose_name="Status", orderable=False, empty_values=())
    revoke = tables.TemplateColumn(
        template_name="workers/certificate_revoke_cell.html",
        verbose_name="",
        orderable=False,
        empty_values=(),
    )

    class Meta(LabnetTable.Meta):
        model = HostCertificate
        fields = []
        empty_text = mark_safe(
            "No certificate issued yet: <code>manage.py labnetca init</code>, then each "
            "agent asks for its own at its next sanity pass."
        )

    def __init__(self, *args, now, may_revoke: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now
        self.may_revoke = may_revoke

    def render_status(self, record: HostCertificate) -> str:
        status = record.status(self.now)
        if record.revoked:
            return f"{status} {record.revoked:%Y-%m-%d %H:%M} by {record.revoked_by}"
        return status
