"""Printing pages: a user's own balance and jobs; for administrators every job (with refunds),
credit, and the reports by printer and department with their CSV."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Case, Exists, OuterRef, When
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from core.permissions import MANAGE_PRINTING, LabnetView, PermissionView
from core.refusals import add_to_forms, refusal_text
from core.views import TableListView

from . import graphs, release, reports, services, topups
from .choices import RequestState
from .forms import (
    ChargeToForm,
    CreditForm,
    DepartmentForm,
    FreeQuotaForm,
    RefundForm,
    RefundRequestForm,
    TopUpForm,
)
from .models import DepartmentMember, FreeQuota, PrintAccount, PrintJob, RefundRequest
from .tables import AllJobsTable, JobTable, RefundRequestTable


class MyPrintingView(LabnetView, TableListView):
    """Your own balance and print jobs; nobody else's."""

    template_name = "printing/mine.html"
    table_class = JobTable

    def get_queryset(self):
        requests = RefundRequest.objects.filter(job=OuterRef("pk"))
        return PrintJob.objects.filter(account__username=self.request.user.username).annotate(
            refund_requested=Exists(requests)
        )

    def get_context_data(self, **kwargs):
        name = self.request.user.username
        account = PrintAccount.objects.filter(username=name).first()
        departments = list(
            DepartmentMember.objects.filter(username=name).values_list("department", flat=True)
        )
        kwargs.setdefault(
            "charge_form",
            ChargeToForm(
                initial={"charge_to": account.charge_to if account else ""},
                departments=departments,
            ),
        )
        return super().get_context_data(
            balance=services.balance(account), departments=departments, **kwargs
        )

    def post(self, request):
        """Choose who pays your jobs: yourself or a department you are a member of."""
        departments = list(
            DepartmentMember.objects.filter(username=request.user.username).values_list(
                "department", flat=True
            )
        )
        form = ChargeToForm(request.POST, departments=departments)
        if form.is_valid():
            try:
                services.do_choose_account(form.cleaned_data["charge_to"], user=request.user)
            except ValidationError as refusal:
                add_to_forms(refusal, form)
            else:
                messages.success(request, "Your choice of account is saved.")
                return redirect("printing:mine")
        self.object_list = self.get_queryset()
        return self.render_to_response(self.get_context_data(charge_form=form))


class ReleaseView(LabnetView, View):
    """Release your own job held over its printer's page limit: it prints and is charged."""

    http_method_names = ["post"]

    def post(self, request, pk: int):
        job = get_object_or_404(PrintJob, pk=pk, account__username=request.user.username)
        try:
            release.do_release_job(job, user=request.user)
        except ValidationError as refusal:
            messages.error(request, refusal_text(refusal))
        else:
            messages.success(request, f"{job.title or 'The job'} is released to {job.printer}.")
        return redirect("printing:mine")


class RequestRefundView(LabnetView, View):
    """Ask for your own printed job's cost back, saying what was wrong."""

    http_method_names = ["post"]

    def post(self, request, pk: int):
        job = get_object_or_404(PrintJob, pk=pk, account__username=request.user.username)
        form = RefundRequestForm(request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        try:
            services.do_request_refund(job, reason, user=request.user)
        except ValidationError as refusal:
            messages.error(request, refusal_text(refusal))
        else:
            messages.success(request, "Your refund request waits for an administrator.")
        return redirect("printing:mine")


class RefundRequestsView(PermissionView, TableListView):
    """Users' refund requests, waiting ones first, each approved or denied here."""

    permission_required = MANAGE_PRINTING
    template_name = "printing/refunds.html"
    table_class = RefundRequestTable

    def get_queryset(self):
        waiting = Case(When(state=RequestState.PENDING, then=0), default=1)
        return RefundRequest.objects.select_related("job__account").order_by(
            waiting, "-requested", "-id"
        )


class DecideRefundView(PermissionView, View):
    permission_required = MANAGE_PRINTING
    http_method_names = ["post"]

    def post(self, request, pk: int):
        refund = get_object_or_404(RefundRequest, pk=pk)
        approve = request.POST.get("decision") == "approve"
        answer = request.POST.get("answer", "")[:255]
        try:
            services.do_decide_refund(refund, approve, answer, user=request.user)
        except ValidationError as refusal:
            messages.error(request, refusal_text(refusal))
        else:
            done = "approved" if approve else "denied"
            messages.success(request, f"The refund of {refund.job.account.username} is {done}.")
        return redirect("printing:refunds")


class JobsView(PermissionView, TableListView):
    """Every job, newest first, with the refund of a printed one; and credit for a user."""

    permission_required = MANAGE_PRINTING
    template_name = "printing/jobs.html"
    table_class = AllJobsTable
    queryset = PrintJob.objects.select_related("account")

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", CreditForm())
        kwargs.setdefault("quota_form", FreeQuotaForm())
        kwargs.setdefault("department_form", DepartmentForm())
        members: dict[str, list[str]] = {}
        for department, name in DepartmentMember.objects.values_list("department", "username"):
            members.setdefault(department, []).append(name)
        return super().get_context_data(
            quotas=list(FreeQuota.objects.all()), members=sorted(members.items()), **kwargs
        )

    def post(self, request):
        form = CreditForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.do_add_credit(
                    data["username"], data["amount"], data["note"], user=request.user
                )
            except ValidationError as refusal:
                add_to_forms(refusal, form)
            else:
                messages.success(request, f"${data['amount']} added to {data['username']}.")
                return redirect("printing:jobs")
        return self.render_to_response(self.get_context_data(form=form))


class TopUpView(PermissionView, View):
    """The cashier's top-ups: a CSV taken whole or not at all, each bad line named."""

    permission_required = MANAGE_PRINTING

    def get(self, request):
        return render(request, "printing/topups.html", {"form": TopUpForm()})

    def post(self, request):
        form = TopUpForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                # One byte over the limit is enough to refuse it.
                entries = topups.do_import_topups(
                    upload.read(topups.MAX_BYTES + 1), user=request.user
                )
            except ValidationError as refusal:
                form.add_error("file", refusal)
            else:
                total = sum(e.amount for e in entries)
                messages.success(request, f"{len(entries)} top-ups imported, ${total} credited.")
                return redirect("printing:jobs")
        return render(request, "printing/topups.html", {"form": form}, status=400)


class FreeQuotaView(PermissionView, View):
    permission_required = MANAGE_PRINTING
    http_method_names = ["post"]

    def post(self, request):
        form = FreeQuotaForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.do_set_free_quota(data["department"], data["amount"], user=request.user)
            except ValidationError as refusal:
                messages.error(request, refusal_text(refusal))
            else:
                messages.success(request, f"Free quota of {data['department']} saved.")
        else:
            messages.error(request, "Give a department and an amount from 0 to 10000.")
        return redirect("printing:jobs")


class DepartmentView(PermissionView, View):
    permission_required = MANAGE_PRINTING
    http_method_names = ["post"]

    def post(self, request):
        form = DepartmentForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.do_set_department_members(
                    data["department"], data["members"], user=request.user
                )
            except ValidationError as refusal:
                messages.error(request, refusal_text(refusal))
            else:
                messages.success(request, f"Members of {data['department']} saved.")
        else:
            messages.error(request, "Give a department and its members' user names.")
        return redirect("printing:jobs")


class RefundView(PermissionView, View):
    permission_required = MANAGE_PRINTING
    http_method_names = ["post"]

    def post(self, request, pk: int):
        job = get_object_or_404(PrintJob, pk=pk)
        form = RefundForm(request.POST)
        note = form.cleaned_data["note"] if form.is_valid() else ""
        try:
            services.do_refund_job(job, note, user=request.user)
        except ValidationError as refusal:
            messages.error(request, refusal_text(refusal))
        else:
            messages.success(request, f"${job.cost} refunded to {job.account.username}.")
        return redirect("printing:jobs")


class ReportView(PermissionView, View):
    """Pages and cost by month, printer and department, with graphs of pages and cost by
    ?by=day or month; ?format=csv (and ?department=) for a department's bill."""

    permission_required = MANAGE_PRINTING

    def get(self, request):
        department = request.GET.get("department", "")[:128]
        rows = reports.totals(department)
        if request.GET.get("format") == "csv":
            answer = HttpResponse(reports.as_csv(rows), content_type="text/csv")
            name = f"printing-{department or 'all'}.csv"
            answer["Content-Disposition"] = f'attachment; filename="{name}"'
            return answer
        period = request.GET.get("by", "month")
        period = period if period in reports.PERIODS else "month"
        points = reports.series(period, department)
        context = {
            "rows": rows,
            "department": department,
            "period": period,
            "pages_graph": graphs.bars_svg([(p, n) for p, n, _ in points], "pages"),
            "cost_graph": graphs.bars_svg(
                [(p, float(c)) for p, _, c in points], "cost", money=True
            ),
        }
        return render(request, "printing/report.html", context)
