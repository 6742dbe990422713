from django.urls import path

from . import views

urlpatterns = [
    path("backups/<str:host>/report/", views.BackupReport.as_view(), name="api-backup-report"),
]
