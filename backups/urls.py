from django.urls import path

from .views import backup_now, retrieve, status

app_name = "backups"

urlpatterns = [
    path("", status.StatusView.as_view(), name="status"),
    path("server/<str:name>/", status.ServerView.as_view(), name="server"),
    path("backup-server/<str:name>/", status.BackupServerView.as_view(), name="backup_server"),
    path("now/", backup_now.BackupNowView.as_view(), name="now"),
    path("now/<int:pk>/", backup_now.BackupNowRunView.as_view(), name="now-run"),
    path("retrieve/", retrieve.RetrieveView.as_view(), name="retrieve"),
    path("retrieve/find/", retrieve.FindView.as_view(), name="find"),
    path("retrieve/<str:date>/", retrieve.BrowseView.as_view(), name="browse"),
    path("retrieve/<str:date>/download/", retrieve.DownloadView.as_view(), name="download"),
    path("retrieve/<str:date>/restore/", retrieve.RestoreView.as_view(), name="restore"),
]
