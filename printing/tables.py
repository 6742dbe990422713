import django_tables2 as tables

from core.tables import NUM, LabnetTable

from .models import PrintJob, RefundRequest


class JobTable(LabnetTable):
    submitted = tables.DateTimeColumn(format="Y-m-d H:i")
    printer = tables.Column()
    title = tables.Column()
    impressions = tables.Column(
        verbose_name="Pages", accessor="impressions", orderable=False, attrs=NUM
    )
    color = tables.BooleanColumn(verbose_name="Colour")
    cost = tables.Column(attrs=NUM)
    status = tables.Column()
    release = tables.TemplateColumn(
        template_name="printing/release_cell.html", verbose_name="", orderable=False
    )

    class Meta(LabnetTable.Meta):
        model = PrintJob
        fields = ("submitted", "printer", "title", "impressions", "color", "cost", "status",
                  "release")  # fmt: skip


class AllJobsTable(JobTable):
    account = tables.Column(verbose_name="User", accessor="account__username")
    refund = tables.TemplateColumn(
        template_name="printing/refund_cell.html", verbose_name="", orderable=False
    )

    class Meta(JobTable.Meta):
        fields = ("submitted", "account", "printer", "title", "impressions", "color", "cost",
                  "status", "refund")  # fmt: skip
        exclude = ("release",)


class RefundRequestTable(LabnetTable):
    requested = tables.DateTimeColumn(format="Y-m-d H:i")
    user = tables.Column(accessor="job__account__username", verbose_name="User")
    job = tables.Column(accessor="job__title", verbose_name="Job")
    printer = tables.Column(accessor="job__printer")
    cost = tables.Column(accessor="job__cost", attrs=NUM)
    reason = tables.Column()
    state = tables.Column()
    decide = tables.TemplateColumn(
        template_name="printing/decide_cell.html", verbose_name="", orderable=False
    )

    class Meta(LabnetTable.Meta):
        model = RefundRequest
        fields = ("requested", "user", "job", "printer", "cost", "reason", "state", "decide")
