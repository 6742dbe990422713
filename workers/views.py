"""Per host: when its agent last applied the configuration, what it changed, what failed."""

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from core.permissions import VIEW_SECRETS, LabnetView
from core.views import TableListView
from entities.reading import committed_seq

from .models import AgentHost, AgentReport
from .tables import AgentTable, ReportTable


class AgentListView(LabnetView, TableListView):
    template_name = "workers/agent_list.html"
    table_class = AgentTable

    def get_queryset(self) -> QuerySet:
        # Only each host's newest report: one query however many reports the hosts keep.
        newest = Prefetch(
            "reports", queryset=AgentReport.objects.all()[:1], to_attr="newest_reports"
        )
        return AgentHost.objects.prefetch_related(newest)

    def get_context_data(self, **kwargs) -> dict:
        return super().get_context_data(latest=committed_seq(), **kwargs)


class AgentDetailView(LabnetView, TableListView):
    template_name = "workers/agent_detail.html"
    table_class = ReportTable

    def agent(self) -> AgentHost:
        if not hasattr(self, "_agent"):
            self._agent = get_object_or_404(AgentHost, name=self.kwargs["host"])
        return self._agent

    def get_queryset(self) -> QuerySet:
        return self.agent().reports.all()

    def get_context_data(self, **kwargs) -> dict:
        # A script's output may quote anything the script read, secrets included.
        return super().get_context_data(
            agent=self.agent(),
            latest=committed_seq(),
            show_script_output=self.request.user.has_perm(VIEW_SECRETS),
            **kwargs,
        )
