"""The web tool's page of re-imaging results: each client's restores, newest first."""

from __future__ import annotations

import django_tables2 as tables
from django.db.models import QuerySet

from core.permissions import LabnetView
from core.tables import NUM, LabnetTable
from core.views import TableListView

from .models import ImageRestore


class RestoreTable(LabnetTable):
    received = tables.Column(verbose_name="Received", attrs={"td": {"class": "nowrap"}})
    host = tables.Column(verbose_name="Client")
    partition = tables.Column(verbose_name="Partition")
    good = tables.TemplateColumn(
        "{% if value %}good{% else %}<strong>NOT good</strong> {{ record.error }}{% endif %}",
        verbose_name="Result",
    )
    differed_blocks = tables.TemplateColumn(
        "{{ value }} of {{ record.used_blocks }}", verbose_name="Blocks differed", attrs=NUM
    )
    written_bytes = tables.TemplateColumn(
        "{{ value|filesizeformat }}", verbose_name="Written", attrs=NUM
    )
    seconds = tables.TemplateColumn("{{ value|floatformat:1 }} s", verbose_name="Time", attrs=NUM)
    image = tables.Column(verbose_name="Image")

    class Meta(LabnetTable.Meta):
        model = ImageRestore
        fields = []
        empty_text = "No client has reported a re-imaging yet."


class RestoreListView(LabnetView, TableListView):
    template_name = "imaging/restore_list.html"
    table_class = RestoreTable

    def get_queryset(self) -> QuerySet:
        queryset = ImageRestore.objects.all()
        host = self.request.GET.get("host", "")[:128]
        return queryset.filter(host=host) if host else queryset
