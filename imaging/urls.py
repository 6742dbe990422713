from django.urls import path

from . import views_rsync

urlpatterns = [
    path("rsync/", views_rsync.ChooseView.as_view(), name="imaging-rsync"),
    path("rsync/image/<str:image>/", views_rsync.TreeView.as_view(), name="imaging-rsync-tree"),
    path(
        "rsync/image/<str:image>/dates/",
        views_rsync.DatesView.as_view(),
        name="imaging-rsync-dates",
    ),
    path(
        "rsync/server/<str:server>/", views_rsync.ServerView.as_view(), name="imaging-rsync-server"
    ),
]
