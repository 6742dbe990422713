from django.urls import path

from . import views

app_name = "printing"
urlpatterns = [
    path("", views.MyPrintingView.as_view(), name="mine"),
    path("mine/<int:pk>/release/", views.ReleaseView.as_view(), name="release"),
    path("mine/<int:pk>/refund/", views.RequestRefundView.as_view(), name="request_refund"),
    path("refunds/", views.RefundRequestsView.as_view(), name="refunds"),
    path("refunds/<int:pk>/", views.DecideRefundView.as_view(), name="decide"),
    path("jobs/", views.JobsView.as_view(), name="jobs"),
    path("jobs/<int:pk>/refund/", views.RefundView.as_view(), name="refund"),
    path("quotas/", views.FreeQuotaView.as_view(), name="quotas"),
    path("departments/", views.DepartmentView.as_view(), name="departments"),
    path("topups/", views.TopUpView.as_view(), name="topups"),
    path("report/", views.ReportView.as_view(), name="report"),
]
