"""Printing pages: a user's own balance and jobs; for administrators every job (with refunds),
credit, and the reports by printer and department with their CSV."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from core.permissions import MANAGE_PRINTING, LabnetView, PermissionView
from core.refusals import add_to_forms, refusal_text
from core.views import TableListView

from . import release, reports, services, topups
from .forms import CreditForm, RefundForm, TopUpForm
from .models import PrintAccount, PrintJob
from .tables import AllJobsTable, JobTable


class MyPrintingView(LabnetView, TableListView):
    """Your own balance and print jobs; nobody else's."""

    template_name = "printing/mine.html"
    table_class = JobTable

    def get_queryset(self):
        return PrintJob.objects.filter(account__username=self.request.user.username)

    def get_context_data(self, **kwargs):
        account = PrintAccount.objects.filter(username=self.request.user.username).first()
        return super().get_context_data(balance=services.balance(account), **kwargs)


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


class JobsView(PermissionView, TableListView):
    """Every job, newest first, with the refund of a printed one; and credit for a user."""

    permission_required = MANAGE_PRINTING
    template_name = "printing/jobs.html"
    table_class = AllJobsTable
    queryset = PrintJob.objects.select_related("account")

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", CreditForm())
        return super().get_context_data(**kwargs)

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
    """Pages and cost by month, printer and department; ?format=csv (and ?department=) for
    a department's bill."""

    permission_required = MANAGE_PRINTING

    def get(self, request):
        department = request.GET.get("department", "")[:128]
        rows = reports.totals(department)
        if request.GET.get("format") == "csv":
            answer = HttpResponse(reports.as_csv(rows), content_type="text/csv")
            name = f"printing-{department or 'all'}.csv"
            answer["Content-Disposition"] = f'attachment; filename="{name}"'
            return answer
        return render(request, "printing/report.html", {"rows": rows, "department": department})
