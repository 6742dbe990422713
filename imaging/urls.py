from django.urls import path

from . import boot_views, build_views, iscsi_views, restore_views, views_rsync, views_syncnow

app_name = "imaging"
urlpatterns = [
    path("builds/", build_views.BuildListView.as_view(), name="builds"),
    path("builds/<int:pk>/", build_views.BuildReportView.as_view(), name="build"),
    path("iscsi/", iscsi_views.IscsiListView.as_view(), name="iscsi"),
    path("iscsi/<str:host>/", iscsi_views.IscsiHostView.as_view(), name="iscsi-host"),
    path("restores/", restore_views.RestoreListView.as_view(), name="restores"),
    path("rsync/", views_rsync.ChooseView.as_view(), name="rsync"),
    path("rsync/image/<str:image>/", views_rsync.TreeView.as_view(), name="rsync-tree"),
    path("rsync/image/<str:image>/dates/", views_rsync.DatesView.as_view(), name="rsync-dates"),
    path("rsync/server/<str:server>/", views_rsync.ServerView.as_view(), name="rsync-server"),
    path("rsync/sync/", views_syncnow.SyncNowView.as_view(), name="sync-now"),
    path("rsync/runs/<int:pk>/", views_syncnow.SyncRunView.as_view(), name="sync-run"),
    path("boot/<str:client>/", boot_views.BootClientView.as_view(), name="boot"),
]
