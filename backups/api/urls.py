from django.urls import path

from . import backupnow, views

urlpatterns = [
    path("backups/<str:host>/report/", views.BackupReport.as_view(), name="api-backup-report"),
    path(
        "backups/<str:host>/steps/<int:step>/",
        backupnow.StepReport.as_view(),
        name="api-backup-now-step",
    ),
]
