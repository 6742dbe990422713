from django.urls import path

from . import views

app_name = "filemgr"

urlpatterns = [
    path("", views.FileListView.as_view(), name="files"),
    path("<str:file>/", views.FileView.as_view(), name="file"),
    path("<str:file>/<str:instance>/", views.InstanceView.as_view(), name="instance"),
    path(
        "<str:file>/<str:instance>/history/",
        views.InstanceHistoryView.as_view(),
        name="history",
    ),
    path(
        "<str:file>/<str:instance>/diff/<str:commit>/",
        views.InstanceDiffView.as_view(),
        name="diff",
    ),
]
