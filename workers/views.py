"""Per host: when its agent last applied the configuration, what it changed, what failed;
and the certificates the Labnet CA issued to hosts, with revocation."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views import View

from core.permissions import MANAGE_CERTIFICATES, VIEW_SECRETS, LabnetView, PermissionView
from core.refusals import refusal_text
from core.views import TableListView
from entities.reading import committed_seq

from .certificates import do_revoke_certificate
from .models import AgentHost, AgentReport, HostCertificate
from .tables import AgentTable, CertificateTable, ReportTable


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


class CertificateListView(LabnetView, TableListView):
    """Every host certificate: subject, names, expiry, status; administrators revoke."""

    template_name = "workers/certificate_list.html"
    table_class = CertificateTable

    def get_queryset(self) -> QuerySet:
        certificates = HostCertificate.objects.defer("pem")
        if host := self.request.GET.get("host"):
            certificates = certificates.filter(host=host)
        return certificates

    def get_table_kwargs(self) -> dict:
        return {
            "now": timezone.now(),
            "may_revoke": self.request.user.has_perm(MANAGE_CERTIFICATES),
        }


class CertificateRevokeView(PermissionView, View):
    permission_required = MANAGE_CERTIFICATES

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        certificate = get_object_or_404(HostCertificate, pk=pk)
        try:
            do_revoke_certificate(certificate, user=request.user)
        except ValidationError as exc:
            messages.error(request, refusal_text(exc))
        else:
            messages.success(request, f"Revoked {certificate}; the new revocation list is shipped.")
        return redirect("workers:certificates")
