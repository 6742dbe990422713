"""Per host: when its agent last applied the configuration, what it changed, what failed."""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, ListView

from core.permissions import LabnetView
from entities.reading import committed_seq

from .models import AgentHost, AgentReport

REPORTS_SHOWN = 30


class AgentListView(LabnetView, ListView):
    template_name = "workers/agent_list.html"
    context_object_name = "agents"

    def get_queryset(self):
        # Only each host's newest report: one query however many reports the hosts keep.
        newest = Prefetch(
            "reports", queryset=AgentReport.objects.all()[:1], to_attr="newest_reports"
        )
        return AgentHost.objects.prefetch_related(newest)[:5000]

    def get_context_data(self, **kwargs) -> dict:
        latest = committed_seq()
        return super().get_context_data(latest=latest, **kwargs)


class AgentDetailView(LabnetView, DetailView):
    template_name = "workers/agent_detail.html"
    context_object_name = "agent"

    def get_object(self, queryset=None) -> AgentHost:
        return get_object_or_404(AgentHost, name=self.kwargs["host"])

    def get_context_data(self, **kwargs) -> dict:
        latest = committed_seq()
        reports = self.object.reports.all()[:REPORTS_SHOWN]
        return super().get_context_data(latest=latest, reports=reports, **kwargs)
