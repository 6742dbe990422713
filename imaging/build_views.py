"""The web tool's buildserver reports: every run of buildserver, newest first, and one run's
log (the same as /var/log/buildserver.log on the server it built)."""

from __future__ import annotations

import django_tables2 as tables
from django.views.generic import DetailView

from core.permissions import LabnetView
from core.tables import LabnetTable
from core.views import TableListView

from .models import BuildReport


class BuildReportTable(LabnetTable):
    received = tables.LinkColumn(
        "imaging:build",
        args=[tables.A("pk")],
        verbose_name="Run",
        attrs={"td": {"class": "nowrap"}},
    )
    server = tables.Column(verbose_name="Server")
    status = tables.TemplateColumn(
        "{% if value == 0 %}built{% else %}<strong>stopped, exit {{ value }}</strong>{% endif %}",
        verbose_name="Result",
    )
    run_by = tables.Column(verbose_name="Run by")

    class Meta(LabnetTable.Meta):
        model = BuildReport
        fields = []
        empty_text = "buildserver has not been run yet."


class BuildListView(LabnetView, TableListView):
    template_name = "imaging/build_list.html"
    table_class = BuildReportTable

    def get_queryset(self):
        return BuildReport.objects.defer("log")


class BuildReportView(LabnetView, DetailView):
    model = BuildReport
    template_name = "imaging/build_report.html"
    context_object_name = "report"
